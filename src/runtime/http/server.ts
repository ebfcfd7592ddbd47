/**
 * The runtime's HTTP surface: the Segment Tracking API under /v1/, GET /health and GET /deliveries
 * (admin key needed), HEAD wherever GET is, then the routes of the floors above (the settings page).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HttpHost } from './host'
import { ADMIN_KEY_NEEDED, hasAdminKey } from './admin-key'
import { identitiesRoute, IDENTITIES_PATH } from './identities'
import { ownHost, sendJson } from './io'
import { trackingApi } from './tracking-routes'

/** Routes one request; anything unexpected is a 500 with a message, never a crash. */
export async function handle(runtime: HttpHost, req: IncomingMessage, res: ServerResponse) {
  const { pathname } = new URL(req.url ?? '/', 'http://runtime.local')
  // HEAD is answered wherever GET is: Node's response to a HEAD request sends the headers and never a
  // body (it knew the method when it was made), so every route answers it as its GET.
  if (req.method === 'HEAD') req.method = 'GET'
  try {
    if (pathname.startsWith('/v1/')) return await trackingApi(runtime, req, res, pathname)
    if (req.method === 'GET' && pathname === '/health') {
      // 200 while the runtime takes events, even when TikTok refuses or fails (status degraded, with
      // the reason): events are safe in the queue. 503 while stopping, and while a shared queue
      // (Redis) does not answer: the runtime cannot take events then, a load balancer sends them elsewhere.
      // Storage trouble (a full disk, a damaged queue file moved aside) is degraded, named first: a
      // restart would not help (on a full disk it would send again what could not be removed).
      const delivery = runtime.pipeline.health()
      const consumer = runtime.storage.store.consumer?.()
      const unreachable = consumer !== undefined && !consumer.connected
      const trouble = runtime.storage.trouble?.().reasons ?? []
      const degraded = trouble.length > 0 ? 'degraded' : delivery.status
      const status = runtime.closing ? 'closing' : unreachable ? 'unavailable' : degraded
      return sendJson(res, runtime.closing || unreachable ? 503 : 200, {
        status,
        reason: runtime.closing
          ? undefined
          : unreachable
            ? 'the shared queue (Redis) does not answer: events are refused (503) until it is back'
            : [...trouble, delivery.reason].filter(Boolean).join('; ') || undefined,
        mode: runtime.mode(),
        appEvents: runtime.appEventsRoute(),
        queue: runtime.storage.store.description,
        consumer,
        pending: runtime.pipeline.pending,
        counts: runtime.pipeline.counts
      })
    }
    if (req.method === 'GET' && pathname === '/metrics') {
      const { registry } = runtime.metrics
      const text = await registry.metrics()
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' })
      res.end(text)
      return
    }
    if (req.method === 'GET' && pathname === '/deliveries') {
      // What was sent: no DNS-rebinding page may read it.
      if (!ownHost(runtime, req.headers.host))
        return sendJson(res, 421, { message: 'This runtime only answers to its own address.' })
      if (!hasAdminKey(runtime, req))
        return sendJson(res, 401, { message: ADMIN_KEY_NEEDED }, { 'www-authenticate': 'Bearer' })
      return sendJson(res, 200, { mode: runtime.mode(), deliveries: runtime.deliveries })
    }
    if (pathname.startsWith(IDENTITIES_PATH)) return await identitiesRoute(runtime, req, res, pathname)
    for (const route of runtime.routes) {
      if (await route(req, res, pathname)) return
    }
    sendJson(res, 404, { message: `Nothing at ${pathname}.` })
  } catch (error) {
    // A person's id in the path (DELETE /api/identities/<id>) is theirs: it is never logged.
    const path = pathname.startsWith(IDENTITIES_PATH) ? `${IDENTITIES_PATH}<id>` : pathname
    runtime.log.error('request failed', { path, reason: (error as Error).message })
    if (!res.headersSent) sendJson(res, 500, { success: false, message: 'The runtime failed on this request.' })
    else res.destroy()
  }
}
