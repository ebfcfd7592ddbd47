/**
 * The TikTok wire: the one place that knows the URL and API version, sends requests, reads TikTok's
 * answer and turns it into actions-core errors. TikTok answers most errors with HTTP 200 and a
 * non-zero `code`, so the HTTP status alone never means "delivered".
 */
import {
  ErrorCodes,
  getErrorCodeFromHttpStatus,
  IntegrationError,
  InvalidAuthenticationError,
  PayloadValidationError,
  RetryableError
} from '@segment/actions-core'
import type { RequestClient } from '@segment/actions-core'
import { MIN_ACCESS_TOKEN_LENGTH, redact, Redaction } from './redact'
import type { TikTokEnvelope, TikTokEvent, TikTokRequestBody } from './types'

export { MIN_ACCESS_TOKEN_LENGTH }

export const API_VERSION = 'v1.3'
export const DEFAULT_BASE_URL = 'https://business-api.tiktok.com'
/** TikTok rejects a request with more events than this as a whole. */
export const MAX_EVENTS_PER_REQUEST = 1000
export const PARTNER_NAME = 'Segment'
/** A request TikTok has not answered after this long is a retryable failure. */
export const REQUEST_TIMEOUT_MS = 15_000

/** Now, in the unit of `event_time`: Unix seconds. */
export const nowSeconds = () => Math.floor(Date.now() / 1000)

/** A Batch Size as sent: a whole number from 1 to TikTok's 1,000 (anything else means 1,000). */
export function requestSize(batchSize: unknown): number {
  const size = typeof batchSize === 'number' ? Math.floor(batchSize) : NaN
  return size >= 1 && size <= MAX_EVENTS_PER_REQUEST ? size : MAX_EVENTS_PER_REQUEST
}

const TRACK_PATH = `/open_api/${API_VERSION}/event/track/`
const DEFAULT_TRACK_URL = `${DEFAULT_BASE_URL}${TRACK_PATH}`

/**
 * The Events API URL at a base: scheme and host (a stand-in's; the path stays). Without a base, the
 * `TIKTOK_API_URL` environment variable does the same, else TikTok's own host is used.
 */
export function eventTrackUrl(base: string | undefined = process.env.TIKTOK_API_URL): string {
  return base ? `${base.replace(/\/+$/, '')}${TRACK_PATH}` : DEFAULT_TRACK_URL
}

/** Where a destination instance sends: read once as each call starts, and used for all its requests. */
export type TrackUrl = () => string

/**
 * The track URL of a destination built for `apiBaseUrl`: that base, fixed; without one, what
 * eventTrackUrl() says at each call (TIKTOK_API_URL, else TikTok), as for the definition a host loads.
 */
export function trackUrlFor(apiBaseUrl?: string): TrackUrl {
  if (!apiBaseUrl) return () => eventTrackUrl()
  const url = eventTrackUrl(apiBaseUrl)
  return () => url
}

/** TikTok's answer, read once. `code` is undefined when the body is not TikTok's JSON envelope. */
export interface TikTokAnswer {
  status: number
  code?: number
  message: string
  requestId?: string
  body: unknown
}

export type DeliveryError = IntegrationError | InvalidAuthenticationError | RetryableError

/** Either TikTok's answer accepting the events, or the actions-core error that says why not. */
export type Outcome = { ok: true; answer: TikTokAnswer } | { ok: false; error: DeliveryError; answer?: TikTokAnswer }

const OK = 0
/** Partial success (meaning unconfirmed): delivered, and TikTok's message surfaced as a warning. */
const PARTIAL_SUCCESS = 20001
const AUTH_CODES: ReadonlySet<number> = new Set([40001, 40105])
const INVALID_PARAMETER = 40002
const RATE_LIMITED = 40100
const MAX_MESSAGE = 500

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * TikTok's answer with the access token taken out of everything kept: the JSON is parsed first, so a
 * token TikTok JSON-escaped is compared decoded, then every string of it is redacted (see redact.ts);
 * the raw text, kept when the answer is not JSON, is redacted in its written form.
 */
function readAnswer(status: number, raw: string, secret: string): TikTokAnswer {
  const parsed = parseBody(raw)
  const redaction = new Redaction(secret)
  const clean = redaction.cannotCarry(raw)
  const body = parsed === undefined || clean ? parsed : redaction.redactDeep(parsed)
  // The raw text is read (and redacted) only when the answer is not TikTok's envelope with a message.
  const text = () => (clean ? raw : redaction.redact(raw))
  const envelope = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined
  const code = typeof envelope?.code === 'number' ? envelope.code : undefined
  const rawMessage = typeof envelope?.message === 'string' ? envelope.message : text()
  return {
    status,
    code,
    message: rawMessage.slice(0, MAX_MESSAGE),
    requestId: typeof envelope?.request_id === 'string' ? envelope.request_id : undefined,
    body: body ?? text().slice(0, MAX_MESSAGE)
  }
}

const describe = (answer: TikTokAnswer) =>
  `${answer.message || 'no message'}${answer.requestId ? ` (request_id ${answer.requestId})` : ''}`

/** The answer table: undefined when TikTok accepted the events, else the error to report. */
export function errorFor(answer: TikTokAnswer): DeliveryError | undefined {
  const { status, code } = answer
  const success = status >= 200 && status < 300
  if (success && (code === OK || code === PARTIAL_SUCCESS)) return undefined
  const what = describe(answer)
  if (status === 401 || status === 403)
    return new InvalidAuthenticationError(`TikTok refused the access token: ${what}`)
  if (status === 429) return new RetryableError(`TikTok rate limit reached: ${what}`, 429)
  if (status === 408) return new RetryableError(`TikTok timed out: ${what}`, 408)
  if (status >= 500) return new RetryableError(`TikTok failed with HTTP ${status}: ${what}`, retryStatus(status))
  const httpError = () => new IntegrationError(`TikTok answered HTTP ${status}: ${what}`, `HTTP_${status}`, status)
  if (code === undefined) {
    return success
      ? new RetryableError(`TikTok answered HTTP ${status} without its JSON envelope: ${what}`, 502)
      : httpError()
  }
  if (code === OK || code === PARTIAL_SUCCESS) return httpError()
  if (AUTH_CODES.has(code))
    return new InvalidAuthenticationError(`TikTok refused the access token (code ${code}): ${what}`)
  if (code === INVALID_PARAMETER) return new PayloadValidationError(`TikTok rejected the event (code ${code}): ${what}`)
  if (code === RATE_LIMITED) return new RetryableError(`TikTok rate limit reached (code ${code}): ${what}`, 429)
  if (code >= 50000 && code < 60000) return new RetryableError(`TikTok failed (code ${code}): ${what}`, 503)
  return new IntegrationError(`TikTok error ${code}: ${what}`, String(code), 400)
}

type RetryStatus = ConstructorParameters<typeof RetryableError>[1]
const RETRY_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504, 505, 506, 507, 508, 509, 510, 511, 598, 599])
const retryStatus = (status: number) => (RETRY_STATUSES.has(status) ? status : 500) as RetryStatus

/** TikTok's message when it reports a partial success, for a warning. */
export function partialSuccess(answer: TikTokAnswer): string | undefined {
  return answer.code === PARTIAL_SUCCESS ? `TikTok reported a partial success: ${describe(answer)}` : undefined
}

/** The row of the request a 40002 message names (`Batch.3.…` or `data.3.…`), if any. */
export function rejectedRow(answer: TikTokAnswer | undefined): number | undefined {
  if (answer?.code !== INVALID_PARAMETER || answer.status < 200 || answer.status >= 300) return undefined
  const match = answer.message.match(/\b(?:batch|data)(?:\.|\[)(\d+)/i)
  return match ? Number(match[1]) : undefined
}

/**
 * Posts the body and reads the answer; never throws. A failure to reach TikTok is retryable. The
 * access token (sent as a header by the destination's extendRequest) is needed here only to check it
 * is set and to keep it out of every message.
 */
export async function trySendEvents(
  request: RequestClient,
  body: TikTokRequestBody,
  accessToken: string,
  { url = eventTrackUrl(), timeoutMs = REQUEST_TIMEOUT_MS }: { url?: string; timeoutMs?: number } = {}
): Promise<Outcome> {
  if (!accessToken) {
    return {
      ok: false,
      error: new InvalidAuthenticationError('Access Token (accessToken) is missing from the settings.')
    }
  }
  if (accessToken.length < MIN_ACCESS_TOKEN_LENGTH) {
    return {
      ok: false,
      error: new InvalidAuthenticationError(
        `Access Token (accessToken) must be at least ${MIN_ACCESS_TOKEN_LENGTH} characters; paste the whole token from TikTok.`
      )
    }
  }
  const secret = accessToken
  let status: number
  let text: string
  try {
    const response = await request(url, {
      method: 'post',
      json: body,
      throwHttpErrors: false,
      // Explicit: with a caller's abort signal, actions-core sets no timeout of its own.
      timeout: timeoutMs,
      // The answer is read once, as text: no need for actions-core to clone the response first.
      skipResponseCloning: true
    })
    status = response.status
    text = (response as { content?: string }).content ?? (await response.text())
  } catch (error) {
    const reason = redact(error instanceof Error ? error.message : String(error), secret)
    return { ok: false, error: new RetryableError(`Could not reach TikTok: ${reason}`, 503) }
  }
  const answer = readAnswer(status, text, secret)
  const error = errorFor(answer)
  return error ? { ok: false, error, answer } : { ok: true, answer }
}

/**
 * Posts the body; resolves with TikTok's answer when the events were accepted (a partial success is
 * told to `warn`), else throws the error.
 */
export async function sendEvents(
  request: RequestClient,
  body: TikTokRequestBody,
  accessToken: string,
  warn: (message: string) => void = () => undefined,
  url = eventTrackUrl()
): Promise<unknown> {
  const outcome = await trySendEvents(request, body, accessToken, { url })
  if (!outcome.ok) throw outcome.error
  const partial = partialSuccess(outcome.answer)
  if (partial) warn(partial)
  return outcome.answer.body
}

/** The delivery status of one event of a batch. */
export type EventStatus =
  | { ok: true; status: number; body: unknown; warning?: string }
  | { ok: false; status: number; errortype: keyof typeof ErrorCodes; errormessage: string; body?: unknown }

/** The status every event of a refused request gets: the answer table, per event. */
export function statusOf(error: DeliveryError, body?: unknown): EventStatus {
  const status = error.status ?? 500
  const errortype =
    error.code && error.code in ErrorCodes
      ? (error.code as keyof typeof ErrorCodes)
      : getErrorCodeFromHttpStatus(status)
  return { ok: false, status, errortype, errormessage: error.message, body }
}

/**
 * Sends events that share an envelope, in requests of at most `batchSize` (never more than TikTok's
 * 1,000), one request at a time. Returns one status per event, in order. When TikTok refuses a request
 * with 40002 naming a row, that event gets 400 with TikTok's message and the others are sent again once
 * without it; when the second answer names another row, the events not yet delivered get a retryable
 * status, so that a retry peels the next bad row off instead of losing good events.
 */
export async function deliverEvents(
  request: RequestClient,
  envelope: TikTokEnvelope,
  events: TikTokEvent[],
  accessToken: string,
  batchSize?: number,
  url = eventTrackUrl()
): Promise<EventStatus[]> {
  const size = requestSize(batchSize)
  const statuses: EventStatus[] = []
  for (let start = 0; start < events.length; start += size) {
    statuses.push(...(await deliverChunk(request, envelope, events.slice(start, start + size), accessToken, url)))
  }
  return statuses
}

async function deliverChunk(
  request: RequestClient,
  envelope: TikTokEnvelope,
  events: TikTokEvent[],
  accessToken: string,
  url: string
): Promise<EventStatus[]> {
  const statuses: EventStatus[] = new Array(events.length)
  let pending = events.map((_, index) => index)
  for (let attempt = 0; pending.length > 0; attempt++) {
    const outcome = await trySendEvents(request, { ...envelope, data: pending.map((i) => events[i]) }, accessToken, {
      url
    })
    if (outcome.ok) {
      const warning = partialSuccess(outcome.answer)
      for (const i of pending) statuses[i] = { ok: true, status: 200, body: outcome.answer.body, warning }
      break
    }
    const row = outcome.error instanceof PayloadValidationError ? rejectedRow(outcome.answer) : undefined
    if (row === undefined || row >= pending.length) {
      for (const i of pending) statuses[i] = statusOf(outcome.error, outcome.answer?.body)
      break
    }
    statuses[pending[row]] = statusOf(outcome.error, outcome.answer?.body)
    pending = pending.filter((_, position) => position !== row)
    if (attempt === 1) {
      const why = new RetryableError(
        `Not delivered: TikTok refused the request again because of another event (${outcome.error.message}). Send it again.`,
        500
      )
      for (const i of pending) statuses[i] = statusOf(why)
      break
    }
  }
  return statuses
}

/** Event and test code of the connection check: a custom event marked as test traffic. */
export const CONNECTION_TEST_EVENT = 'SegmentConnectionTest'
export const CONNECTION_TEST_CODE = 'SEGMENT_CONNECTION_TEST'

/**
 * Checks the Access Token and Pixel Code with one harmless call: a single custom event, marked with
 * a test event code, so TikTok checks token and pixel exactly as for real traffic while nothing
 * counts as a conversion. Fails with a sentence a marketer can act on.
 */
export async function testConnection(
  request: RequestClient,
  pixelCode: string,
  accessToken: string,
  url = eventTrackUrl()
): Promise<unknown> {
  const now = nowSeconds()
  const outcome = await trySendEvents(
    request,
    {
      event_source: 'web',
      event_source_id: pixelCode,
      partner_name: PARTNER_NAME,
      test_event_code: CONNECTION_TEST_CODE,
      data: [{ event: CONNECTION_TEST_EVENT, event_time: now, event_id: `connection-test-${now}` }]
    },
    accessToken,
    { url }
  )
  if (outcome.ok) return outcome.answer.body
  const { error, answer } = outcome
  // Refused here, before TikTok was asked (no token, one too short): said as ours, never as TikTok's.
  if (!answer && !(error instanceof RetryableError)) throw error
  const said = (answer ? describe(answer) : error.message).replace(/\.+$/, '')
  if (error instanceof InvalidAuthenticationError) {
    throw new InvalidAuthenticationError(
      `TikTok did not accept this Access Token for Pixel Code ${pixelCode}: ${said}. Generate a new token for this pixel in TikTok Events Manager and paste it again.`
    )
  }
  if (error instanceof RetryableError) {
    throw new RetryableError(
      `TikTok could not check the settings right now (${error.message}). Nothing is wrong with them as far as we know; try again in a minute.`,
      error.status
    )
  }
  if (error instanceof PayloadValidationError) {
    throw new PayloadValidationError(
      `TikTok did not accept Pixel Code ${pixelCode}: ${said}. Copy the Pixel Code again from TikTok Events Manager.`
    )
  }
  throw new IntegrationError(
    `TikTok did not accept these settings: ${error.message}`,
    error.code ?? 'TIKTOK_ERROR',
    400
  )
}
