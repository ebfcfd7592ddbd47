import { FieldValidationError } from './errors'
import { text } from './values'

// YYYY-MM-DD, optionally followed by a time of day and a zone designator (Z, ±HH, ±HHMM or ±HH:MM).
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)?)?$/
const EPOCH_SECONDS = /^\d{9,10}(?:\.\d+)?$/
const EPOCH_MILLISECONDS = /^\d{12,13}$/

/** No place keeps a UTC offset beyond ±14:00 (the widest in use is +14:00, in the Line Islands). */
const MAX_OFFSET_MINUTES = 14 * 60
/** Date.UTC reads the years 0 to 99 as 1900 to 1999: those are computed one Gregorian cycle later. */
const CYCLE_YEARS = 400
const CYCLE_MS = 146_097 * 86_400_000

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
const DAYS_IN_MONTH: readonly number[] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const daysInMonth = (year: number, month: number) => (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1])

/**
 * Unix seconds of an ISO 8601 timestamp, trimmed by the caller (a date-time without a zone is read as
 * UTC; a fraction of a second is dropped). Epoch seconds or milliseconds given as digits are accepted
 * too. Undefined when the text is none of these, including impossible dates such as 2024-13-45 and
 * impossible offsets (beyond ±14:00, or minutes beyond 59: see impossibleOffset). This runs for
 * every event: one regular expression, then Date.UTC.
 */
export function toUnixSeconds(text: string): number | undefined {
  if (EPOCH_SECONDS.test(text)) return Math.floor(Number(text))
  if (EPOCH_MILLISECONDS.test(text)) return Math.floor(Number(text) / 1000)
  const match = ISO_8601.exec(text)
  if (!match) return undefined
  const [, y, mo, d, h = '0', mi = '0', s = '0', sign, offsetHours = '0', offsetMinutes = '0'] = match
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h)
  const minute = Number(mi)
  const second = Number(s)
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (hour > 23 || minute > 59 || second > 59) return undefined
  const zoneMinutes = Number(offsetMinutes)
  const offset = Number(offsetHours) * 60 + zoneMinutes
  if (zoneMinutes > 59 || offset > MAX_OFFSET_MINUTES) return undefined
  // Local time minus the offset is UTC; Date.UTC carries minutes out of range into hours and days.
  const utcMinute = sign === '-' ? minute + offset : sign === '+' ? minute - offset : minute
  const early = year < 100
  const ms = Date.UTC(early ? year + CYCLE_YEARS : year, month - 1, day, hour, utcMinute, second)
  return (early ? ms - CYCLE_MS : ms) / 1000
}

/**
 * Why the UTC offset of an ISO 8601 date-time cannot be (`UTC offset +25:00, beyond ±14:00`), or
 * undefined when it can or there is none. For the message of a timestamp toUnixSeconds refused.
 */
export function impossibleOffset(text: string): string | undefined {
  const match = ISO_8601.exec(text)
  const [sign, hours, minutes = '00'] = match?.slice(7) ?? []
  if (!sign) return undefined
  const written = text.slice(text.lastIndexOf(sign))
  if (Number(minutes) > 59) return `UTC offset ${written}, whose minutes are beyond 59`
  if (Number(hours) * 60 + Number(minutes) > MAX_OFFSET_MINUTES)
    return `UTC offset ${written}, beyond ±14:00 (no place keeps a wider one)`
  return undefined
}

/**
 * Unix seconds of the Event Timestamp (`timestamp`); `now` when there is none. One that cannot be read
 * is refused by name, never sent as `event_time: null`.
 */
export function eventTime(timestamp: unknown, now: number): number {
  const given = text(timestamp)
  if (given === undefined) return now
  const seconds = toUnixSeconds(given)
  if (seconds === undefined) {
    const offset = impossibleOffset(given)
    throw new FieldValidationError(
      'timestamp',
      offset
        ? `Event Timestamp (timestamp) has ${offset}; got "${given.slice(0, 40)}".`
        : `Event Timestamp (timestamp) must be an ISO 8601 date-time such as 2024-05-01T12:30:00Z; got "${given.slice(0, 40)}".`
    )
  }
  return seconds
}

/**
 * The window of event_time TikTok is sent within, in one place. TikTok documents none: its help pages
 * and the Events API reference say nothing of it. What is known: TikTok attributes and reports nothing
 * older than its longest attribution window (28 days click-through), and integrators report events
 * older than that refused. So an event older than `maxAgeDays` at the time of sending is refused by
 * name (dead-lettered with the reason) rather than sent to be dropped or misread; and an event_time
 * after the time of sending, which only a clock ahead gives, is sent as the time of sending (an event
 * cannot have happened after it was sent), with a warning when it was more than `toleratedSkewSeconds`
 * ahead (clocks a few minutes apart are common and harmless).
 */
export const EVENT_TIME_WINDOW = { maxAgeDays: 28, toleratedSkewSeconds: 300 } as const

/** Where an event time (Unix seconds) falls against the window at `now` (Unix seconds). */
export function againstWindow(seconds: number, now: number): 'too old' | 'far ahead' | 'ahead' | 'within' {
  const { maxAgeDays, toleratedSkewSeconds } = EVENT_TIME_WINDOW
  if (seconds < now - maxAgeDays * 86_400) return 'too old'
  if (seconds > now + toleratedSkewSeconds) return 'far ahead'
  return seconds > now ? 'ahead' : 'within'
}

/**
 * event_time as TikTok is sent it: the Event Timestamp's (eventTime) within TikTok's window
 * (EVENT_TIME_WINDOW): refused, naming the field, when older than 28 days; the time of sending when
 * after it.
 */
export function sentEventTime(timestamp: unknown, now: number): number {
  const seconds = eventTime(timestamp, now)
  const where = againstWindow(seconds, now)
  if (where === 'too old') {
    throw new FieldValidationError(
      'timestamp',
      `Event Timestamp (timestamp) is more than ${EVENT_TIME_WINDOW.maxAgeDays} days before the time of sending; got "${String(timestamp).trim().slice(0, 40)}". TikTok attributes and reports no event older than its longest attribution window: it is not sent.`
    )
  }
  return where === 'within' ? seconds : now
}

/** True when the Event Timestamp is further after `now` than clocks usually differ (sent as `now`, see sentEventTime). */
export function farAhead(timestamp: unknown, now: number): boolean {
  const given = text(timestamp)
  const seconds = given === undefined ? undefined : toUnixSeconds(given)
  return seconds !== undefined && againstWindow(seconds, now) === 'far ahead'
}
