/**
 * What every action checks before sending, and the shape of its answer: a payload becomes the
 * envelope and event TikTok would receive, or the list of what is wrong with it, field by field.
 * Pure: no I/O, the clock is an argument.
 */
import { PARTNER_NAME } from '../tiktok/api'
import type { EventSource, TikTokEnvelope, TikTokEvent, TikTokUser } from '../tiktok/types'
import { CONTENT_TYPES } from './contents'
import { FieldValidationError, type FieldIssue } from './errors'
import { matchKeysOf } from './match-keys'
import { EVENT_TIME_WINDOW, farAhead } from './time'
import { text, withoutEmpty } from './values'

export type Prepared =
  | { ok: true; envelope: TikTokEnvelope; event: TikTokEvent; warnings: FieldIssue[] }
  | { ok: false; errors: FieldIssue[]; warnings: FieldIssue[] }

/** Turns a payload into what TikTok receives (see Prepared); one per action. */
export type Prepare<Payload, Settings> = (payload: Payload, settings: Settings, now: number) => Prepared

/** Custom event names: at most 50 characters, letters, digits, `_` and `-`, starting with a letter. */
export const CUSTOM_EVENT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,49}$/
/** Deprecated by TikTok; still accepted until 2027. */
const DEPRECATED: ReadonlySet<string> = new Set(['ClickButton', 'PlaceAnOrder'])
const CURRENCY = /^[A-Za-z]{3}$/

/** The Event Name: one of `standard`, or a valid custom name. A missing one is the builder's to report. */
export function checkEventName(
  name: unknown,
  standard: ReadonlySet<string>,
  errors: FieldIssue[],
  warnings: FieldIssue[]
) {
  if (typeof name !== 'string' || name.trim() === '') return
  const trimmed = name.trim()
  if (DEPRECATED.has(trimmed)) {
    warnings.push({
      field: 'event',
      message: `Event Name (event) ${trimmed} is deprecated by TikTok (accepted until 2027).`
    })
  }
  if (standard.has(trimmed) || CUSTOM_EVENT_NAME.test(trimmed)) return
  errors.push({
    field: 'event',
    message: `Event Name (event) "${trimmed.slice(0, 60)}" is neither a TikTok standard event nor a valid custom name (at most 50 letters, digits, _ or -, starting with a letter).`
  })
}

/** Value is a finite number, Currency a three-letter code; a Value without a Currency is a warning. */
export function checkValues(
  { value, currency }: { value?: unknown; currency?: unknown },
  errors: FieldIssue[],
  warnings: FieldIssue[]
) {
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

/** A Content Type TikTok does not know is sent as `product`: said as a warning. */
export function checkContentType(given: unknown, event: TikTokEvent | undefined, warnings: FieldIssue[]) {
  const contentType = typeof given === 'string' ? given.trim() : ''
  if (event?.properties?.content_type && contentType && !CONTENT_TYPES.has(contentType.toLowerCase())) {
    warnings.push({
      field: 'content_type',
      message: `Content Type (content_type) "${contentType.slice(0, 40)}" is neither product nor product_group: product is sent.`
    })
  }
}

/**
 * An Event Timestamp well after the time of sending was sent as the time of sending (sentEventTime in
 * time.ts): said as a warning, the clock that wrote it being ahead.
 */
export function checkEventTime(
  timestamp: unknown,
  event: TikTokEvent | undefined,
  now: number,
  warnings: FieldIssue[]
) {
  if (event?.event_time !== now || !farAhead(timestamp, now)) return
  warnings.push({
    field: 'timestamp',
    message: `Event Timestamp (timestamp) is more than ${EVENT_TIME_WINDOW.toleratedSkewSeconds / 60} minutes after the time of sending (a clock ahead): sent as the time of sending.`
  })
}

/** True when TikTok can match the user on any key (see matchKeysOf). */
export const hasMatchKey = (user: TikTokUser | undefined) => matchKeysOf(user).length > 0

/** The warning of an event TikTok cannot attribute: `keys` names what it could have carried. */
export const noMatchKeyWarning = (keys: string): FieldIssue => ({
  field: 'user',
  message: `No identifier TikTok can match (${keys}): the event counts but cannot be attributed to an ad.`
})

/**
 * The top-level keys of the request an event goes in: its source, the id of that source (refused by
 * name when missing) and the test event code, top level only.
 */
export function envelopeOf(
  source: EventSource,
  sourceId: unknown,
  testEventCode: unknown,
  missing: () => FieldValidationError
): TikTokEnvelope {
  const id = text(sourceId)
  if (!id) throw missing()
  return withoutEmpty<TikTokEnvelope>({
    event_source: source,
    event_source_id: id,
    partner_name: PARTNER_NAME,
    test_event_code: text(testEventCode)
  }) as TikTokEnvelope
}

/** Runs a builder step; a FieldValidationError becomes an issue, anything else is thrown on. */
export function attempt<T>(step: () => T, errors: FieldIssue[]): T | undefined {
  try {
    return step()
  } catch (error) {
    if (error instanceof FieldValidationError) {
      errors.push({ field: error.field, message: error.message })
      return undefined
    }
    throw error
  }
}

/** The answer once every check ran: errors stop the event, warnings let it go. */
export function prepared(
  envelope: TikTokEnvelope | undefined,
  event: TikTokEvent | undefined,
  errors: FieldIssue[],
  warnings: FieldIssue[]
): Prepared {
  if (errors.length || !envelope || !event) return { ok: false, errors, warnings }
  return { ok: true, envelope, event, warnings }
}

/** One sentence per problem, for an error message. */
export const describeIssues = (issues: FieldIssue[]) => issues.map((issue) => issue.message).join(' ')
