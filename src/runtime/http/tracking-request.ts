/**
 * The Segment HTTP Tracking API, as the runtime receives it: which endpoint is which type, the write
 * key, and each message checked and tidied into a Segment event that actions-core can take.
 */
import type { SegmentEvent } from '@segment/actions-core'
import { randomUUID } from 'node:crypto'

import { EVENT_TYPES, type EventType } from '../routing/event-types'
import { bodyText, invalidUtf8Field } from './utf8'

/** `/v1/<type>`, `/v1/batch`, and analytics.js's one-letter forms (`/v1/t`, `/v1/b`…). */
const ENDPOINTS: Record<string, EventType | 'batch'> = {
  track: 'track',
  page: 'page',
  screen: 'screen',
  identify: 'identify',
  group: 'group',
  alias: 'alias',
  batch: 'batch',
  import: 'batch',
  t: 'track',
  p: 'page',
  s: 'screen',
  i: 'identify',
  g: 'group',
  a: 'alias',
  b: 'batch'
}

/**
 * The header `tiktok-conversions replay` sends with dead letters: its events are taken even when their
 * messageId was accepted before (they were, once, and are sent again on purpose).
 */
export const REPLAY_HEADER = 'x-tiktok-conversions-replay'

export function endpointOf(pathname: string): EventType | 'batch' | undefined {
  const match = pathname.match(/^\/v1\/([a-z]+)\/?$/)
  return match ? ENDPOINTS[match[1]] : undefined
}

/**
 * A request the Tracking API refuses as a whole: its HTTP status, a machine code and a sentence. The
 * answer is `{"success": false, "code", "message"}`, the shape Segment's clients read.
 */
export class TrackingError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message)
  }
}

/** How many refused messages of a batch the answer names; the rest are only counted. */
export const MAX_REJECTED_LISTED = 10

export interface TrackingRequest {
  events: SegmentEvent[]
  /** The first refused messages of a batch (at most MAX_REJECTED_LISTED), by position, with the reason. */
  rejected: { index: number; reason: string }[]
  /** How many messages of the batch were refused in all. */
  rejectedCount: number
}

export interface ParseOptions {
  /** The Authorization header: HTTP Basic carries the write key. */
  authorization?: string
  /** The client's address, set as `context.ip` on messages that have none. */
  ip?: string
  receivedAt?: string
  /** Checks the write key before any message is looked at; false refuses the request with 401. */
  acceptWriteKey?: (writeKey: string | undefined) => boolean
  /** The largest message taken, in bytes of its JSON text (MAX_EVENT_KB); unlimited when unset. */
  maxEventBytes?: number
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The write key: the user of HTTP Basic auth (analytics-node), else `writeKey` in the body (analytics.js). */
export function writeKeyOf(authorization: string | undefined, body: unknown): string | undefined {
  const basic = authorization?.match(/^Basic\s+(.+)$/i)
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
    return decoded.slice(0, decoded.includes(':') ? decoded.indexOf(':') : undefined)
  }
  return isObject(body) && typeof body.writeKey === 'string' ? body.writeKey : undefined
}

const idOf = (value: unknown) =>
  typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined

/** An IP the client sent: anything but a missing, null or empty `context.ip` is kept as it is. */
const hasIp = (context: Record<string, unknown>) => context.ip !== undefined && context.ip !== null && context.ip !== ''

/**
 * One message as a Segment event, or the reason it is refused. The envelope objects that actions-core
 * reads (context, properties, traits, integrations) are dropped when they are not objects: actions-core
 * would otherwise fail on them before any mapping runs. `ip` (the connection's address) becomes
 * `context.ip` when the message has none, as Segment's API does; an IP the client sent is never replaced.
 */
export function toEvent(
  message: unknown,
  type: EventType | undefined,
  receivedAt: string,
  ip?: string
): SegmentEvent | string {
  if (!isObject(message)) return 'a message must be a JSON object'
  const eventType = type ?? message.type
  if (typeof eventType !== 'string' || !(EVENT_TYPES as readonly string[]).includes(eventType)) {
    return `"type" must be one of ${EVENT_TYPES.join(', ')}`
  }
  if (eventType === 'track' && (typeof message.event !== 'string' || message.event.trim() === '')) {
    return 'a track call needs an "event" name'
  }
  const userId = idOf(message.userId)
  const anonymousId = idOf(message.anonymousId)
  if (!userId && !anonymousId) return 'a message needs a "userId" or an "anonymousId"'
  const event: Record<string, unknown> = { ...message, type: eventType, userId, anonymousId, receivedAt }
  for (const key of ['context', 'properties', 'traits', 'integrations']) {
    if (key in event && !isObject(event[key])) delete event[key]
  }
  if (typeof event.messageId !== 'string' || event.messageId === '') event.messageId = `api-${randomUUID()}`
  if (event.timestamp === undefined || event.timestamp === null || event.timestamp === '') event.timestamp = receivedAt
  if (ip) {
    const context = (event.context ?? {}) as Record<string, unknown>
    if (!hasIp(context)) event.context = { ...context, ip }
  }
  return event as unknown as SegmentEvent
}

/**
 * Why a message is refused before it is looked at: a field that held invalid UTF-8 (`twin` is the
 * message from the body's other marked parse, see utf8.ts), or a JSON text larger than `maxBytes`.
 * A message that cannot be written as JSON at all (nested too deeply) is measured by no one here:
 * intake dead-letters it with its reason.
 */
function refusedAsSent(message: unknown, twin: unknown, maxBytes: number | undefined): string | undefined {
  if (twin !== undefined) {
    const field = invalidUtf8Field(message, twin)
    if (field !== undefined) return `${field} is not valid UTF-8 (send text as UTF-8)`
  }
  if (maxBytes === undefined) return undefined
  let bytes: number
  try {
    bytes = Buffer.byteLength(JSON.stringify(message))
  } catch {
    return undefined
  }
  if (bytes <= maxBytes) return undefined
  const kb = Math.round((maxBytes / 1024) * 100) / 100
  return `the message is ${bytes.toLocaleString('en-US')} bytes, over the ${kb} KB an event may take (MAX_EVENT_KB)`
}

/** The body as JSON: parsed once when it is valid UTF-8; else twice, with different marks (utf8.ts). */
function parseJson(raw: string | Buffer): { body: unknown; twin?: unknown } {
  const text = typeof raw === 'string' ? { text: raw } : bodyText(raw)
  try {
    if (text.text !== undefined) return { body: JSON.parse(text.text) }
    return { body: JSON.parse(text.marked[0]), twin: JSON.parse(text.marked[1]) }
  } catch {
    throw new TrackingError(
      400,
      'invalid_json',
      text.text !== undefined ? 'The body is not valid JSON.' : 'The body is not valid JSON (nor valid UTF-8).'
    )
  }
}

/**
 * Parses the body of a Tracking API request: one message, or `{ batch: [...] }`. The write key is
 * checked (`acceptWriteKey`) as soon as the body is JSON, before any message is looked at. A message
 * with invalid UTF-8, or larger than `maxEventBytes`, is refused by name (a single call with 400). Of
 * the refused messages of a batch only the first MAX_REJECTED_LISTED are kept: the answer stays small
 * however many there are.
 */
export function parseTrackingRequest(
  endpoint: EventType | 'batch',
  raw: string | Buffer,
  options: ParseOptions = {}
): TrackingRequest {
  const { authorization, ip, receivedAt = new Date().toISOString(), acceptWriteKey, maxEventBytes } = options
  const { body, twin } = parseJson(raw)
  if (!isObject(body)) throw new TrackingError(400, 'invalid_request', 'The body must be a JSON object.')
  if (acceptWriteKey) {
    const writeKey = writeKeyOf(authorization, body)
    if (!acceptWriteKey(writeKey)) throw invalidWriteKey(writeKey)
  }
  if (endpoint !== 'batch') {
    const refused = refusedAsSent(body, twin, maxEventBytes)
    if (refused !== undefined) {
      const code = refused.includes('UTF-8') ? 'invalid_message' : 'payload_too_large'
      throw new TrackingError(400, code, `Invalid ${endpoint} call: ${refused}.`)
    }
    const event = toEvent(body, endpoint, receivedAt, ip)
    if (typeof event === 'string') {
      throw new TrackingError(400, 'invalid_message', `Invalid ${endpoint} call: ${event}.`)
    }
    return { events: [event], rejected: [], rejectedCount: 0 }
  }
  if (!Array.isArray(body.batch)) {
    throw new TrackingError(400, 'invalid_request', 'A batch call needs "batch": a list of messages.')
  }
  const twins = isObject(twin) && Array.isArray(twin.batch) ? twin.batch : []
  const events: SegmentEvent[] = []
  const rejected: TrackingRequest['rejected'] = []
  let rejectedCount = 0
  body.batch.forEach((message, index) => {
    const event = refusedAsSent(message, twins[index], maxEventBytes) ?? toEvent(message, undefined, receivedAt, ip)
    if (typeof event !== 'string') events.push(event)
    else if (++rejectedCount <= MAX_REJECTED_LISTED) rejected.push({ index, reason: event })
  })
  if (events.length === 0 && rejectedCount > 0) {
    throw new TrackingError(
      400,
      'invalid_message',
      `No valid message in the batch; message ${rejected[0].index}: ${rejected[0].reason}.`
    )
  }
  return { events, rejected, rejectedCount }
}

/** The 401 of a write key that is missing or not the configured one. */
export const invalidWriteKey = (writeKey: string | undefined) =>
  new TrackingError(401, 'invalid_write_key', writeKey ? 'Invalid write key.' : 'A write key is required.')
