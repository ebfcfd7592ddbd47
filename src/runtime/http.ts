/**
 * HTTP helpers shared by the runtime's routes and the page's: JSON answers, bounded request bodies,
 * and the Host check of routes that only the runtime's own address may reach.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Runtime } from '.'
import { TrackingError } from './tracking'

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
