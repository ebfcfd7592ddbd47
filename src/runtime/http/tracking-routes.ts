/**
 * The Segment HTTP Tracking API: `/v1/track`, `/v1/batch` and the rest, as Segment's clients post
 * them (analytics-node with Basic auth, analytics.js cross-origin with the write key in the body), plus
 * what analytics.js asks of Segment's servers besides: its metrics (`/v1/m`) and its settings
 * (`/v1/projects/<writeKey>/settings`, so that `cdnURL` may point at the runtime).
 *
 * Every error answer is `{"success": false, "code": "<machine code>", "message": "<sentence>"}`; a
 * final one has a 4xx status other than 429 (every Segment client drops the batch), a passing one is
 * 429 with Retry-After or 503 (every client retries).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isIP } from 'node:net'
import type { HttpHost } from './host'
import { sameKey } from './admin-key'
import { BodyAbortedError, readBody, readBodyBytes, sendJson } from './io'
import { QueueFullError, StoppingError, StoreUnavailableError, TooLargeError } from '../delivery/pipeline'
import {
  endpointOf,
  invalidWriteKey,
  parseTrackingRequest,
  REPLAY_HEADER,
  TrackingError,
  writeKeyOf
} from './tracking-request'

/**
 * Answers of every Tracking API route: any origin may read them (requests are authenticated by the write
 * key, not by the origin), and analytics.js may read Retry-After, which is not a CORS-safelisted header.
 */
const CORS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'Retry-After' }

/** Headers allowed when a preflight names none, or names them in a form that is not a list of header names. */
const DEFAULT_ALLOWED_HEADERS = 'Content-Type, Authorization, X-Retry-Count'
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/

/**
 * A preflight's answer: the headers the browser asks for are allowed, whatever they are (X-Retry-Count
 * on analytics.js's retries, Authorization, a site's own). The answer depends on them, hence Vary.
 */
function preflight(req: IncomingMessage): Record<string, string> {
  const asked = req.headers['access-control-request-headers']?.trim()
  const allowed = asked && asked.length <= 2_000 && HEADER_LIST.test(asked) ? asked : DEFAULT_ALLOWED_HEADERS
  return {
    ...CORS,
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': allowed,
    'access-control-max-age': '86400',
    vary: 'Access-Control-Request-Headers'
  }
}

function fail(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {}
) {
  sendJson(res, status, { success: false, code, message }, { ...CORS, ...headers })
}

/** How long a client should wait before it retries a 503 (stopping, queue unavailable), in seconds. */
const RETRY_AFTER_STOPPING = '5'

/** Paths quoted in a message are cut: an answer stays small whatever the request line was. */
const quote = (text: string) => (text.length > 100 ? `${text.slice(0, 100)}…` : text)

export async function trackingApi(runtime: HttpHost, req: IncomingMessage, res: ServerResponse, pathname: string) {
  try {
    await route(runtime, req, res, pathname)
  } catch (error) {
    if (error instanceof BodyAbortedError || res.destroyed) return
    if (error instanceof TrackingError) return fail(res, error.status, error.code, error.message, closeIfUnread(req))
    if (error instanceof StoppingError) {
      return fail(res, 503, 'shutting_down', error.message, { 'retry-after': RETRY_AFTER_STOPPING })
    }
    if (error instanceof QueueFullError) {
      return fail(res, 429, 'rate_limited', error.message, { 'retry-after': String(error.retryAfterSeconds) })
    }
    if (error instanceof TooLargeError) return fail(res, 413, 'payload_too_large', error.message)
    if (error instanceof StoreUnavailableError) {
      return fail(res, 503, 'queue_unavailable', error.message, { 'retry-after': RETRY_AFTER_STOPPING })
    }
    runtime.log.error('request failed', { path: quote(pathname), reason: (error as Error).message })
    if (!res.headersSent) fail(res, 500, 'internal_error', 'The runtime failed on this request.')
    else res.destroy()
  }
}

/** An answer given before the body was read closes the connection: the rest of the body is not waited for. */
const closeIfUnread = (req: IncomingMessage): Record<string, string> => (req.complete ? {} : { connection: 'close' })

async function route(runtime: HttpHost, req: IncomingMessage, res: ServerResponse, pathname: string) {
  if (req.method === 'OPTIONS') {
    res.writeHead(204, preflight(req))
    res.end()
    return
  }
  if (pathname === '/v1/m' || pathname === '/v1/m/') return metrics(req, res)
  const project = pathname.match(/^\/v1\/projects\/([^/]{1,200})\/settings\/?$/)
  if (project) return projectSettings(runtime, req, res, project[1])

  const endpoint = endpointOf(pathname)
  if (!endpoint) return fail(res, 404, 'not_found', `No Tracking API endpoint ${quote(pathname)}.`)
  if (req.method !== 'POST') return fail(res, 405, 'method_not_allowed', 'Use POST.', { allow: 'POST' })
  if (runtime.closing) {
    return fail(res, 503, 'shutting_down', 'The runtime is shutting down; retry later.', {
      'retry-after': RETRY_AFTER_STOPPING,
      ...closeIfUnread(req)
    })
  }
  // The write key of an Authorization header is checked before the body is read; the body's `writeKey`
  // only counts when no header carries one (analytics.js's older posts).
  const fromHeader = writeKeyOf(req.headers.authorization, undefined)
  if (fromHeader !== undefined && !acceptsWriteKey(runtime, fromHeader)) throw invalidWriteKey(fromHeader)
  const { maxEventKb, maxBatchKb } = runtime.config
  const parsed = parseTrackingRequest(endpoint, await readTrackingBody(req, endpoint, maxEventKb, maxBatchKb), {
    authorization: req.headers.authorization,
    ip: clientIp(req, runtime.config.trustProxy),
    // Checked above when a header carries it.
    acceptWriteKey: fromHeader === undefined ? (key) => acceptsWriteKey(runtime, key) : undefined,
    maxEventBytes: maxEventKb * 1024
  })
  // Durable once this resolves. A replay of dead letters (its header) is not deduplicated: those events
  // were accepted once, and are sent again on purpose.
  await runtime.pipeline.accept(parsed.events, { dedupe: req.headers[REPLAY_HEADER] === undefined })
  if (parsed.rejectedCount === 0) return sendJson(res, 200, { success: true }, CORS)
  runtime.log.warn('rejected messages', {
    count: parsed.rejectedCount,
    first: `message ${parsed.rejected[0].index}: ${parsed.rejected[0].reason}`
  })
  sendJson(res, 200, { success: true, rejected: parsed.rejected, rejectedCount: parsed.rejectedCount }, CORS)
}

/**
 * The body of a Tracking API call, within Segment's limits: a batch up to MAX_BATCH_KB (500 KB), any
 * other call up to MAX_EVENT_KB (32 KB, the limit of one event). Past it, 400, as Segment answers
 * (every client drops the request: no retry could make it fit).
 */
function readTrackingBody(req: IncomingMessage, endpoint: string, maxEventKb: number, maxBatchKb: number) {
  const batch = endpoint === 'batch'
  const kb = batch ? maxBatchKb : maxEventKb
  return readBodyBytes(
    req,
    kb * 1024,
    () =>
      new TrackingError(
        400,
        'payload_too_large',
        `The body is larger than ${kb} KB, the largest ${batch ? 'batch (MAX_BATCH_KB)' : 'single call (MAX_EVENT_KB)'} the Tracking API takes.`
      )
  )
}

/** Any key when SEGMENT_WRITE_KEY is not set; else that key only (compared in constant time). */
function acceptsWriteKey(runtime: HttpHost, writeKey: string | undefined): boolean {
  const expected = runtime.config.writeKey
  if (!expected) return true
  return sameKey(writeKey, expected)
}

/** analytics.js's own metrics: taken and dropped (the runtime has no use for them), never a 404. */
async function metrics(req: IncomingMessage, res: ServerResponse) {
  if (req.method !== 'POST') return fail(res, 405, 'method_not_allowed', 'Use POST.', { allow: 'POST' })
  await readBody(req, 64 * 1024)
  sendJson(res, 200, { success: true }, CORS)
}

/**
 * The settings analytics.js loads from its CDN (`<cdnURL>/v1/projects/<writeKey>/settings`), pointing
 * it at this runtime: `AnalyticsBrowser.load({ writeKey, cdnURL: 'http://<runtime>' })` needs nothing of
 * Segment. The runtime's address is the one the browser used (Host; with TRUST_PROXY, X-Forwarded-Host
 * and X-Forwarded-Proto). analytics.js's metrics are turned off: the runtime drops them.
 */
function projectSettings(runtime: HttpHost, req: IncomingMessage, res: ServerResponse, rawKey: string) {
  if (req.method !== 'GET') return fail(res, 405, 'method_not_allowed', 'Use GET.', { allow: 'GET' })
  let writeKey: string
  try {
    writeKey = decodeURIComponent(rawKey)
  } catch {
    return fail(res, 400, 'invalid_request', 'The write key in the path is not valid.')
  }
  if (!acceptsWriteKey(runtime, writeKey)) throw invalidWriteKey(writeKey)
  const { host, protocol } = publicAddress(runtime, req)
  sendJson(
    res,
    200,
    {
      integrations: { 'Segment.io': { apiKey: writeKey, apiHost: `${host}/v1`, protocol } },
      plan: {},
      enabledMiddleware: {},
      metrics: { sampleRate: 0 },
      remotePlugins: []
    },
    CORS
  )
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/

/** The runtime's address as the client reached it. */
function publicAddress(runtime: HttpHost, req: IncomingMessage): { host: string; protocol: 'http' | 'https' } {
  const first = (value: string | string[] | undefined) =>
    (Array.isArray(value) ? value[0] : value)?.split(',')[0].trim()
  const proxied = runtime.config.trustProxy > 0
  const forwardedHost = proxied ? first(req.headers['x-forwarded-host']) : undefined
  const forwardedProto = proxied ? first(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined
  const host = [forwardedHost, req.headers.host].find((name) => name && HOST.test(name)) ?? new URL(runtime.url).host
  return { host, protocol: forwardedProto === 'https' ? 'https' : 'http' }
}

/** An address as an IP: the IPv4 of an IPv4-mapped IPv6 address, without brackets or port; else undefined. */
function normalizeIp(raw: string | undefined): string | undefined {
  let ip = raw?.trim()
  if (!ip) return undefined
  const bracketed = ip.match(/^\[([^\]]+)\](:\d+)?$/)
  if (bracketed) ip = bracketed[1]
  else if (/^[\d.]+:\d+$/.test(ip)) ip = ip.slice(0, ip.lastIndexOf(':'))
  const mapped = ip.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i)
  if (mapped) ip = mapped[1]
  return isIP(ip) ? ip : undefined
}

/**
 * The client's address. Without TRUST_PROXY, the connection's. With TRUST_PROXY=N, the N-th address
 * from the right of X-Forwarded-For: each of the N trusted proxies appends the address it was reached
 * from, so that one was written by the outermost trusted proxy, and what the client itself put further
 * left is never believed. With fewer addresses than N, the leftmost; without the header, or when that
 * entry is not an IP, the connection's.
 */
export function clientIp(req: IncomingMessage, trustProxy: number): string | undefined {
  const socketIp = normalizeIp(req.socket.remoteAddress)
  const header = trustProxy > 0 ? req.headers['x-forwarded-for'] : undefined
  const forwarded = Array.isArray(header) ? header.join(',') : header
  if (!forwarded) return socketIp
  const hops = forwarded
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean)
  return normalizeIp(hops[Math.max(0, hops.length - trustProxy)]) ?? socketIp
}
