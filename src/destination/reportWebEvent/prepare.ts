/**
 * Input checks and the one entry point of every path that sends (perform, performBatch, the local
 * runtime's preview): a payload becomes the envelope and event TikTok would receive, or the list of
 * what is wrong with it, field by field. Pure: no I/O, the clock is an argument.
 */
import type { Settings } from '../generated-types'
import type { TikTokEnvelope, TikTokEvent, TikTokUser } from '../tiktok/types'
import { buildEnvelope, buildEvent, CONTENT_TYPES, farAhead } from './build'
import { EVENT_TIME_WINDOW } from './time'
import { CRM, CUSTOM_EVENT_NAME, STANDARD_EVENTS } from './constants'
import { FieldValidationError, type FieldIssue } from './errors'
import type { Payload } from './generated-types'
import { matchKeysOf } from './match-keys'

const STANDARD: ReadonlySet<string> = new Set<string>(STANDARD_EVENTS)
/** Deprecated by TikTok; still accepted until 2027. */
const DEPRECATED: ReadonlySet<string> = new Set(['ClickButton', 'PlaceAnOrder'])
const CURRENCY = /^[A-Za-z]{3}$/

export type Prepared =
  | { ok: true; envelope: TikTokEnvelope; event: TikTokEvent; warnings: FieldIssue[] }
  | { ok: false; errors: FieldIssue[]; warnings: FieldIssue[] }

function checkEventName(name: unknown, errors: FieldIssue[], warnings: FieldIssue[]) {
  if (typeof name !== 'string' || name.trim() === '') return // the builder reports a missing name
  const trimmed = name.trim()
  if (DEPRECATED.has(trimmed)) {
    warnings.push({
      field: 'event',
      message: `Event Name (event) ${trimmed} is deprecated by TikTok (accepted until 2027).`
    })
  }
  if (STANDARD.has(trimmed) || CUSTOM_EVENT_NAME.test(trimmed)) return
  errors.push({
    field: 'event',
    message: `Event Name (event) "${trimmed.slice(0, 60)}" is neither a TikTok standard event nor a valid custom name (at most 50 letters, digits, _ or -, starting with a letter).`
  })
}

function checkValues(payload: Payload, errors: FieldIssue[], warnings: FieldIssue[]) {
  const { value, currency } = payload
  if (value !== undefined && value !== null && !(typeof value === 'number' && Number.isFinite(value))) {
    errors.push({ field: 'value', message: 'Value (value) must be a finite number.' })
  }
  const code = typeof currency === 'string' ? currency.trim() : currency
  if (code !== undefined && code !== null && code !== '' && !(typeof code === 'string' && CURRENCY.test(code))) {
    errors.push({
      field: 'currency',
      message: `Currency (currency) must be a three-letter ISO 4217 code such as USD; got "${String(code).slice(0, 20)}".`
    })
  }
  if (typeof value === 'number' && !code) {
    warnings.push({
      field: 'currency',
      message: 'Value (value) is sent without a Currency (currency): TikTok cannot use it.'
    })
  }
}

/** True when TikTok can match the user: email, phone, external id, ttclid, ttp, or IP and user agent. */
function hasMatchKey(user: TikTokUser | undefined): boolean {
  return matchKeysOf(user).length > 0
}

export function prepareEvent(payload: Payload, settings: Settings, now: number): Prepared {
  const errors: FieldIssue[] = []
  const warnings: FieldIssue[] = []
  checkEventName(payload.event, errors, warnings)
  checkValues(payload, errors, warnings)
  let envelope: TikTokEnvelope | undefined
  let event: TikTokEvent | undefined
  try {
    envelope = buildEnvelope(payload, settings)
  } catch (error) {
    errors.push(issueOf(error))
  }
  try {
    event = buildEvent(payload, now)
  } catch (error) {
    errors.push(issueOf(error))
  }
  if (event && !hasMatchKey(event.user) && !(envelope?.event_source === CRM && event.lead?.lead_id)) {
    warnings.push({
      field: 'user',
      message:
        'No identifier TikTok can match (email, phone, external id, ttclid, ttp, or IP address with user agent): the event counts but cannot be attributed to an ad.'
    })
  }
  // Sent as the time of sending (buildEvent); said when the clock that wrote it was well ahead.
  if (event?.event_time === now && farAhead(payload.timestamp, now)) {
    warnings.push({
      field: 'timestamp',
      message: `Event Timestamp (timestamp) is more than ${EVENT_TIME_WINDOW.toleratedSkewSeconds / 60} minutes after the time of sending (a clock ahead): sent as the time of sending.`
    })
  }
  const contentType = typeof payload.content_type === 'string' ? payload.content_type.trim() : ''
  if (event?.properties?.content_type && contentType && !CONTENT_TYPES.has(contentType.toLowerCase())) {
    warnings.push({
      field: 'content_type',
      message: `Content Type (content_type) "${contentType.slice(0, 40)}" is neither product nor product_group: product is sent.`
    })
  }
  if (errors.length || !envelope || !event) return { ok: false, errors, warnings }
  return { ok: true, envelope, event, warnings }
}

function issueOf(error: unknown): FieldIssue {
  if (error instanceof FieldValidationError) return { field: error.field, message: error.message }
  throw error
}

/** One sentence per problem, for an error message. */
export const describeIssues = (issues: FieldIssue[]) => issues.map((issue) => issue.message).join(' ')
