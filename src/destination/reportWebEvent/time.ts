// YYYY-MM-DD, optionally followed by a time of day and a zone designator (Z, ±HH, ±HHMM or ±HH:MM).
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)?)?$/
const EPOCH_SECONDS = /^\d{9,10}(?:\.\d+)?$/
const EPOCH_MILLISECONDS = /^\d{12,13}$/

const DAY_SECONDS = 86_400

/** Days from 1970-01-01 to the given date of the proleptic Gregorian calendar (any year, no Date object). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const daysInMonth = (year: number, month: number) => (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1])

/**
 * Unix seconds of an ISO 8601 timestamp, trimmed by the caller (a date-time without a zone is read as
 * UTC; a fraction of a second is dropped). Epoch seconds or milliseconds given as digits are accepted
 * too. Undefined when the text is none of these, including impossible dates such as 2024-13-45. Plain
 * arithmetic: this runs for every event.
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
  const local = daysFromCivil(year, month, day) * DAY_SECONDS + hour * 3600 + minute * 60 + second
  const offset = Number(offsetHours) * 3600 + Number(offsetMinutes) * 60
  return sign === '-' ? local + offset : sign === '+' ? local - offset : local
}
