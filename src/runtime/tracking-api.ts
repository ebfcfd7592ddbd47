/**
 * The Segment HTTP Tracking API: `/v1/track`, `/v1/batch` and the rest, as Segment's clients post
 * them (analytics-node with Basic auth, analytics.js cross-origin with the write key in the body).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Runtime } from '.'
import { readBody, sendJson } from './http'
import { QueueFullError } from './pipeline'
import { endpointOf, parseTrackingRequest, TrackingError } from './tracking'

// Browsers running analytics.js on another origin post events here: the Tracking API allows CORS.
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'Content-Type, Authorization',
  'access-control-max-age': '86400'
}

export async function trackingApi(runtime: Runtime, req: IncomingMessage, res: ServerResponse, pathname: string) {
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
