/**
 * The runtime's HTTP surface: the Segment Tracking API under /v1/, GET /health and GET /deliveries.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Runtime } from '.'
import { QueueFullError } from './pipeline'
import { endpointOf, parseTrackingRequest, TrackingError } from './tracking'

/**
 * Largest request taken. Segment documents 500 KB per batch, but analytics-node's own size estimate
 * lets larger batches through (it counts pieces of the URI-encoded JSON, not bytes), so the runtime is
 * lenient; past this, it answers 400 as Segment does for an oversized batch.
 */
export const MAX_BODY_BYTES = 2 * 1024 * 1024

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
  res.end(JSON.stringify(body))
}

/** The request body as text; a TrackingError(400) past `limit` bytes. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        reject(new TrackingError(400, `The body is larger than ${limit} bytes.`))
        req.resume()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/**
 * The names this runtime answers to on its page and data routes: its own address, or a loopback name,
 * with its port. Anything else (a DNS-rebinding name) gets 421.
 */
export function ownHost(runtime: Runtime, host: string | undefined): boolean {
  if (!host) return false
  const own = new URL(runtime.url)
  let asked: URL
  try {
    asked = new URL(`http://${host}`)
  } catch {
    return false
  }
  const names = new Set([own.hostname, 'localhost', '127.0.0.1', '[::1]'])
  return asked.port === own.port && names.has(asked.hostname)
}

// Browsers running analytics.js on another origin post events here: the Tracking API allows CORS.
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'Content-Type, Authorization',
  'access-control-max-age': '86400'
}

async function tracking(runtime: Runtime, req: IncomingMessage, res: ServerResponse, pathname: string) {
  if (req.method === 'OPTIONS') {
    res.writeHead(204, CORS)
    res.end()
    return
  }
  const endpoint = endpointOf(pathname)
  if (!endpoint) return sendJson(res, 404, { success: false, message: `No Tracking API endpoint ${pathname}.` }, CORS)
  if (req.method !== 'POST')
    return sendJson(res, 405, { success: false, message: 'Use POST.' }, { ...CORS, allow: 'POST' })
  if (runtime.closing) return sendJson(res, 503, { success: false, message: 'The runtime is shutting down.' }, CORS)
  try {
    const parsed = parseTrackingRequest(endpoint, await readBody(req), req.headers.authorization)
    if (runtime.config.writeKey && parsed.writeKey !== runtime.config.writeKey) {
      return sendJson(res, 401, { success: false, message: 'Invalid write key.' }, CORS)
    }
    runtime.pipeline.accept(parsed.events)
    if (parsed.rejected.length) {
      runtime.log.warn('rejected messages', {
        count: parsed.rejected.length,
        first: `message ${parsed.rejected[0].index}: ${parsed.rejected[0].reason}`
      })
    }
    sendJson(res, 200, parsed.rejected.length ? { success: true, rejected: parsed.rejected } : { success: true }, CORS)
  } catch (error) {
    if (error instanceof TrackingError)
      return sendJson(res, error.status, { success: false, message: error.message }, CORS)
    if (error instanceof QueueFullError) {
      return sendJson(res, 429, { success: false, message: error.message }, { ...CORS, 'retry-after': '1' })
    }
    throw error
  }
}

/** Routes one request; anything unexpected is a 500 with a message, never a crash. */
export async function handle(runtime: Runtime, req: IncomingMessage, res: ServerResponse) {
  const { pathname } = new URL(req.url ?? '/', 'http://runtime.local')
  try {
    if (pathname.startsWith('/v1/')) return await tracking(runtime, req, res, pathname)
    if (req.method === 'GET' && pathname === '/health') {
      return sendJson(res, runtime.closing ? 503 : 200, {
        status: runtime.closing ? 'closing' : 'ok',
        mode: runtime.mode(),
        pending: runtime.pipeline.pending,
        counts: runtime.pipeline.counts
      })
    }
    if (req.method === 'GET' && pathname === '/deliveries') {
      // What was sent: no DNS-rebinding page may read it.
      if (!ownHost(runtime, req.headers.host))
        return sendJson(res, 421, { message: 'This runtime only answers to its own address.' })
      return sendJson(res, 200, { mode: runtime.mode(), deliveries: runtime.deliveries })
    }
    for (const route of runtime.routes) {
      if (await route(req, res, pathname)) return
    }
    sendJson(res, 404, { message: `Nothing at ${pathname}.` })
  } catch (error) {
    runtime.log.error('request failed', { path: pathname, reason: (error as Error).message })
    if (!res.headersSent) sendJson(res, 500, { success: false, message: 'The runtime failed on this request.' })
    else res.destroy()
  }
}
