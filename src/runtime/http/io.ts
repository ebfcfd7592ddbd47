/**
 * HTTP helpers shared by the runtime's routes and the page's: JSON answers, bounded request bodies,
 * and the Host check of routes that only the runtime's own address may reach.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex, Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { TrackingError } from './tracking-request'

/**
 * Largest request body read when the caller gives no limit of its own (the page's API gives 256 KB,
 * the Tracking API MAX_EVENT_KB and MAX_BATCH_KB; the TikTok stand-in takes this much).
 */
export const MAX_BODY_BYTES = 2 * 1024 * 1024

/** A request whose body stopped coming: the client went away, or the server's request timeout closed it. */
export class BodyAbortedError extends Error {}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
  res.end(JSON.stringify(body))
}

/** The refusal of a body past `limit` bytes: 413, unless the caller says otherwise. */
const tooLargeByDefault = (limit: number) =>
  new TrackingError(413, 'payload_too_large', `The body is larger than ${limit} bytes.`)

/** The request body as text (UTF-8, see readBodyBytes). */
export const readBody = (req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> =>
  readBodyBytes(req, limit).then((bytes) => bytes.toString('utf8'))

/**
 * The request body's bytes, gunzipped when its Content-Encoding is gzip (analytics-python's `gzip`
 * option). Past `limit` bytes, by its Content-Length before anything is read, or as it comes (after
 * gunzip), the error `tooLarge` makes (a TrackingError(413) by default); the rest of such a body is
 * read and dropped, within the server's request timeout. A body that stops coming rejects with
 * BodyAbortedError.
 */
export function readBodyBytes(
  req: IncomingMessage,
  limit = MAX_BODY_BYTES,
  tooLarge: (limit: number) => Error = tooLargeByDefault
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const refuse = (error: Error) => {
      reject(error)
      req.resume()
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase()
    if (encoding !== 'identity' && encoding !== 'gzip') {
      return refuse(new TrackingError(415, 'unsupported_encoding', 'Send the body as is or gzipped.'))
    }
    if (Number(req.headers['content-length']) > limit) return refuse(tooLarge(limit))
    req.on('error', () => reject(new BodyAbortedError('The request body did not arrive.')))
    req.on('close', () => {
      if (!req.complete) reject(new BodyAbortedError('The request body did not arrive.'))
    })
    const gunzip = encoding === 'gzip' ? createGunzip() : undefined
    gunzip?.on('error', () => refuse(new TrackingError(400, 'invalid_body', 'The gzipped body cannot be read.')))
    const body: Readable = gunzip ? req.pipe(gunzip) : req
    const chunks: Buffer[] = []
    let size = 0
    body.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) return chunks.push(chunk)
      chunks.length = 0
      if (gunzip) {
        req.unpipe(gunzip)
        gunzip.destroy()
      }
      refuse(tooLarge(limit))
    })
    body.on('end', () => resolve(Buffer.concat(chunks)))
  })
}

/** The answer of a request that never reached a route: malformed, too slow, or with too many headers. */
const CLIENT_ERRORS: Record<string, [status: number, reason: string, code: string, message: string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'Request Timeout',
    'request_timeout',
    'The request did not arrive in time; the connection is closed.'
  ],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'headers_too_large', 'The headers are too large.']
}

/**
 * The server's `clientError`: what Node would answer (408 for a request that did not arrive within the
 * request timeout, 400 for a malformed one), as a JSON body of the Tracking API's shape, then the
 * connection is closed. Nothing is written when a response already started on the socket.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex) {
  const current = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage
  if (socket.writable && !current?.headersSent) {
    const [status, reason, code, message] = CLIENT_ERRORS[error.code ?? ''] ?? [
      400,
      'Bad Request',
      'bad_request',
      'The request is not valid HTTP.'
    ]
    const body = JSON.stringify({ success: false, code, message })
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
    )
  }
  socket.destroy()
}

/**
 * The names this runtime answers to on its page and data routes: its own address, or a loopback name,
 * with its port. Anything else (a DNS-rebinding name) gets 421.
 */
export function ownHost(runtime: { url: string }, host: string | undefined): boolean {
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
