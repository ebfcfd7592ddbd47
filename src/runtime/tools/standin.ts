/**
 * A TikTok stand-in on loopback: answers `/open_api/<version>/event/track/` the way Events API 2.0
 * does (HTTP 200 with a `code`), with a configurable latency and scripted answers, and records what
 * it receives. Used by the runtime in dry-run, the demo, the benchmark and the end-to-end tests; never
 * by the destination. A body past `maxBodyBytes` gets 413 and the connection is closed unread.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse
} from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TikTokRequestBody } from '../../destination/tiktok/types'
import { sameKey } from '../http/admin-key'
import { MAX_BODY_BYTES } from '../http/io'

export interface StandInAnswer {
  status?: number
  body: object | string
}

export interface StandInOptions {
  /** Milliseconds before each answer (default 0). */
  latencyMs?: number
  /** Keep every request body (default true); off for long benchmarks. */
  keepBodies?: boolean
  /** Answer of the n-th request (from 0); `undefined` means TikTok's normal answer. */
  script?: (body: TikTokRequestBody, n: number) => StandInAnswer | undefined
  /** Told of every request to the track endpoint, with the answer it gets. */
  onRequest?: (request: StandInRequest, answer: StandInAnswer) => void
  /**
   * The only Access-Token taken: any other gets TikTok's 40105 and is neither kept nor told to
   * `onRequest` (the runtime's dry-run records only its own bodies). Any token when unset.
   */
  accessToken?: string
  /** Largest request body taken (default 2 MB); past it, 413 and the connection closed. */
  maxBodyBytes?: number
}

export interface StandInRequest {
  headers: IncomingHttpHeaders
  body: TikTokRequestBody
}

export interface StandInStats {
  /** Requests received on the track endpoint. */
  requests: number
  /** Events of the requests answered with code 0. */
  events: number
  /** Request bytes received: body and header lines. */
  bytes: number
}

export interface StandIn {
  /** `http://127.0.0.1:<port>`: what TIKTOK_API_URL should be. */
  url: string
  requests: StandInRequest[]
  stats: StandInStats
  close(): Promise<void>
}

const TRACK_PATH = /^\/open_api\/v[\d.]+\/event\/track\/?$/
/** `GET` gives the counters as JSON; `DELETE` resets them. For a stand-in in another process. */
const STATS_PATH = '/standin/stats'

/** Bytes of the request line and header lines, as they came on the wire (close enough: HTTP/1.1). */
const headerBytes = (method: string, url: string, rawHeaders: string[]) => {
  let bytes = method.length + url.length + 12 // "METHOD URL HTTP/1.1\r\n"
  for (let i = 0; i < rawHeaders.length; i += 2) bytes += rawHeaders[i].length + rawHeaders[i + 1].length + 4
  return bytes + 2
}

/** A body too large: 413, then the connection is closed without reading the rest. */
function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number) {
  req.pause()
  res.writeHead(413, { 'content-type': 'application/json', connection: 'close' })
  res.end(JSON.stringify({ code: 40002, message: `The body is larger than ${limit} bytes.` }), () => req.destroy())
}

/** TikTok's own refusals that do not depend on the script: no token, or not 1 to 1000 events. */
function standardAnswer(headers: IncomingHttpHeaders, body: TikTokRequestBody | undefined): StandInAnswer {
  if (!headers['access-token']) return { body: { code: 40105, message: 'Access token is required' } }
  const count = Array.isArray(body?.data) ? body.data.length : 0
  if (count < 1 || count > 1000) {
    return { body: { code: 40002, message: `data: between 1 and 1000 events expected, got ${count}` } }
  }
  return { body: { code: 0, message: 'OK', data: {} } }
}

export async function startTikTokStandIn(options: StandInOptions = {}, port = 0): Promise<StandIn> {
  const { latencyMs = 0, keepBodies = true, script, onRequest, accessToken, maxBodyBytes = MAX_BODY_BYTES } = options
  const requests: StandInRequest[] = []
  const stats: StandInStats = { requests: 0, events: 0, bytes: 0 }
  let requestId = 0

  const server: Server = createServer((req, res) => {
    if (Number(req.headers['content-length']) > maxBodyBytes) return refuseTooLarge(req, res, maxBodyBytes)
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBodyBytes) chunks.push(chunk)
      else if (!res.headersSent) refuseTooLarge(req, res, maxBodyBytes)
    })
    req.on('end', () => {
      if (size > maxBodyBytes) return
      const raw = Buffer.concat(chunks)
      if (req.url === STATS_PATH) {
        if (req.method === 'DELETE') Object.assign(stats, { requests: 0, events: 0, bytes: 0 })
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify(stats))
        return
      }
      let body: TikTokRequestBody | undefined
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        body = undefined
      }
      const n = stats.requests++
      stats.bytes += raw.length + headerBytes(req.method ?? '', req.url ?? '', req.rawHeaders)
      let answer: StandInAnswer
      if (req.method !== 'POST' || !TRACK_PATH.test(req.url ?? '')) {
        answer = { status: 404, body: { code: 40400, message: 'Not found' } }
      } else if (accessToken !== undefined && !sameKey(String(req.headers['access-token'] ?? ''), accessToken)) {
        answer = { body: { code: 40105, message: 'Access token is invalid or has expired' } }
      } else {
        answer = (body && script?.(body, n)) ?? standardAnswer(req.headers, body)
        const accepted = typeof answer.body === 'object' && (answer.body as { code?: number }).code === 0
        if (body && accepted && (answer.status ?? 200) === 200) stats.events += body.data.length
        if (body && keepBodies) requests.push({ headers: req.headers, body })
        if (body) onRequest?.({ headers: req.headers, body }, answer)
      }
      const reply = () => {
        const { body: answerBody } = answer
        const isJson = typeof answerBody === 'object'
        const payload = isJson ? JSON.stringify({ request_id: `standin-${++requestId}`, ...answerBody }) : answerBody
        res.writeHead(answer.status ?? 200, { 'content-type': isJson ? 'application/json' : 'text/plain' })
        res.end(payload)
      }
      if (latencyMs > 0) setTimeout(reply, latencyMs)
      else reply()
    })
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const address = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/**
 * `tsx src/standin.ts [--latency ms] [--port n]`: the stand-in as its own process, for benchmarks and
 * manual tries. Prints its URL on the first line of stdout; counters at GET /standin/stats.
 */
if (require.main === module) {
  const arg = (name: string) => {
    const at = process.argv.indexOf(`--${name}`)
    return at > 0 ? Number(process.argv[at + 1]) : undefined
  }
  startTikTokStandIn({ latencyMs: arg('latency') ?? 0, keepBodies: false }, arg('port') ?? 0).then((standIn) => {
    console.log(standIn.url)
    const stop = () => standIn.close().then(() => process.exit(0))
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
  })
}
