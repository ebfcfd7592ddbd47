import dayjs from 'dayjs'
import utc from 'dayjs/plugin/utc'

dayjs.extend(utc)

// YYYY-MM-DD, optionally followed by a time of day and a zone designator.
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/
const EPOCH_SECONDS = /^\d{9,10}(?:\.\d+)?$/
const EPOCH_MILLISECONDS = /^\d{12,13}$/

function inRange(match: RegExpMatchArray): boolean {
  const [, year, month, day, hour = '0', minute = '0', second = '0'] = match
  const daysInMonth = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate()
  return (
    Number(month) >= 1 &&
    Number(month) <= 12 &&
    Number(day) >= 1 &&
    Number(day) <= daysInMonth &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second) <= 59
  )
}

/**
 * Unix seconds of an ISO 8601 timestamp (a date-time without a zone is read as UTC). Epoch seconds or
 * milliseconds given as digits are accepted too. Undefined when the text is none of these, including
 * impossible dates such as 2024-13-45.
 */
export function toUnixSeconds(timestamp: string): number | undefined {
  const text = timestamp.trim()
  if (EPOCH_SECONDS.test(text)) return Math.floor(Number(text))
  if (EPOCH_MILLISECONDS.test(text)) return Math.floor(Number(text) / 1000)
  const match = text.match(ISO_8601)
  if (!match || !inRange(match)) return undefined
  // Forms ISO 8601 allows that dayjs does not read: a comma before the fraction, an offset of hours only.
  const parsed = dayjs.utc(text.replace(',', '.').replace(/([+-]\d{2})$/, '$1:00'))
  return parsed.isValid() ? parsed.unix() : undefined
}
