/**
 * Normalization and SHA-256 hashing of the user fields, as TikTok's Events API expects them.
 * Every function returns undefined for a value that is empty after normalization: nothing empty is
 * ever hashed or sent.
 *
 * Every identifier is first brought to Unicode NFC and loses the invisible characters and spaces at
 * its ends (see `clean`); ASCII text, nearly every value, takes a fast path that is the same thing.
 */
import * as crypto from 'node:crypto'
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'

const SHA256_HEX = /^[0-9a-f]{64}$/i

/** True for a value that already is a SHA-256 digest in hex: it is passed on, never hashed twice. */
export const isSha256 = (value: string) => SHA256_HEX.test(value)

/** SHA-256 in hex; Node's one-shot `crypto.hash` (20.12 on) takes a third of the time of a Hash object. */
export const sha256: (value: string) => string =
  typeof crypto.hash === 'function'
    ? (value) => crypto.hash('sha256', value, 'hex')
    : (value) => crypto.createHash('sha256').update(value, 'utf8').digest('hex')

function hashNormalized(normalized: string): string | undefined {
  if (normalized === '') return undefined
  return isSha256(normalized) ? normalized.toLowerCase() : sha256(normalized)
}

/**
 * Invisible format characters: soft hyphen, Arabic letter mark, Mongolian vowel separator, zero-width
 * space, non-joiner and joiner, left-to-right and right-to-left marks and embeddings, word joiner and
 * the invisible operators, directional isolates, BOM. `\s` adds every space, no-break ones included
 * (U+00A0, U+202F, U+2007, U+3000…).
 */
const INVISIBLE = '\\u00AD\\u061C\\u180E\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u2064\\u2066-\\u2069\\uFEFF'
/** The same without the zero-width non-joiner and joiner, which belong inside words of some scripts. */
const INVISIBLE_NOT_JOINERS = INVISIBLE.replace('\\u200B-\\u200F', '\\u200B\\u200E\\u200F')
const AT_ENDS = new RegExp(`^[\\s${INVISIBLE}]+|[\\s${INVISIBLE}]+$`, 'g')
const ANYWHERE = new RegExp(`[\\s${INVISIBLE}]+`, 'g')
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/

/** NFC, without invisible characters or spaces at either end. */
export function clean(value: string): string {
  if (PRINTABLE_ASCII.test(value)) return value.trim()
  return value.normalize('NFC').replace(AT_ENDS, '')
}

/** NFC, without any invisible character or space: for values that can hold none (email, phone). */
function withoutSpaces(value: string): string {
  if (PRINTABLE_ASCII.test(value)) return value.includes(' ') ? value.replace(/ +/g, '') : value
  return value.normalize('NFC').replace(ANYWHERE, '')
}

const DECIMAL_DIGIT = /^\p{Nd}$/u
/** A decimal digit of any script but ASCII, and the fullwidth and small plus signs. */
const FOREIGN_DIGIT_OR_PLUS = /[^\P{Nd}0-9]|[\uFF0B\uFE62]/gu

/**
 * The ASCII digit of a decimal digit of any script. Unicode assigns decimal digits only in runs of
 * ten, 0 to 9, so a digit's value is its distance from the start of its block of runs, modulo 10.
 * At most 49 steps back (the mathematical digits are five runs in a row), and only for a digit that is
 * not ASCII: nothing worth keeping between calls.
 */
function asciiDigit(digit: string): string {
  const codePoint = digit.codePointAt(0)!
  let start = codePoint
  while (DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start--
  return String((codePoint - start) % 10)
}

/** Digits of any script (`４`, `٤`, `४`) as ASCII digits; fullwidth `＋` as `+`. */
export function asciiDigits(value: string): string {
  if (PRINTABLE_ASCII.test(value)) return value
  return value.replace(FOREIGN_DIGIT_OR_PLUS, (char) =>
    char === '\uFF0B' || char === '\uFE62' ? '+' : asciiDigit(char)
  )
}

/** Email: without spaces or invisible characters anywhere, lowercased, then hashed. */
export const hashEmail = (email: string) => hashNormalized(withoutSpaces(email).toLowerCase())

/** External ID: cleaned, lowercased (as Segment's TikTok-maintained destination does), then hashed. */
export const hashExternalId = (id: string) => hashNormalized(clean(id).toLowerCase())

/** What a name can do without: spaces, punctuation, invisible characters but the joiners. */
const NOT_IN_A_NAME = new RegExp(`[\\s\\p{P}${INVISIBLE_NOT_JOINERS}]+`, 'gu')

/**
 * First and last name: NFC, lowercased, without spaces or punctuation (`O'Neil` → `oneil`,
 * `Mary-Ann` → `maryann`); letters of any script, accents and other symbols stay (`José`).
 */
export function hashName(name: string): string | undefined {
  const lower = clean(name).toLowerCase().replace(NOT_IN_A_NAME, '')
  return hashNormalized(PRINTABLE_ASCII.test(lower) ? lower : lower.normalize('NFC'))
}

/** Zip code: digits of any script as ASCII, without spaces or invisible characters, lowercased, hashed. */
export const hashZip = (zip: string) => hashNormalized(asciiDigits(withoutSpaces(zip)).toLowerCase())

/** City, state, country: NFC, letters and digits (any script) only, lowercased, sent in plain text. */
export function plainLocation(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const nfc = PRINTABLE_ASCII.test(value) ? value : value.normalize('NFC')
  return nfc.replace(/[^\p{L}\p{N}]/gu, '').toLowerCase() || undefined
}

/** An ISO 3166-1 alpha-2 code as a country libphonenumber knows the numbers of; undefined otherwise. */
export const phoneCountry = (code: string | undefined): CountryCode | undefined =>
  code !== undefined && isSupportedCountry(code) ? code : undefined

/** A phone number as text libphonenumber reads: no invisible characters, ASCII digits and `+`. */
const phoneText = (phone: string) => asciiDigits(withoutSpaces(phone))

/**
 * A phone number in E.164 (`+` and country code). A number written with its country code
 * (`+1 213…`, `(+1)213…`, `0044…` with a known country) keeps it; one without takes the country
 * given; when no country is known it is reduced to its digits with a leading `+`. Digits of any
 * script count (`＋１ ４１５…`, `٠٥٠١…`).
 * Undefined when the text holds no digits, or cannot be a phone number of the known country.
 */
export const toE164 = (phone: string, country: CountryCode | undefined) => e164Of(phoneText(phone), country)

function e164Of(text: string, country: CountryCode | undefined): string | undefined {
  const digits = text.replace(/\D/g, '')
  if (digits === '') return undefined
  const hasCountryCode = /^\(?\+/.test(text)
  if (hasCountryCode || country) {
    const parsed = parsePhoneNumberFromString(text, country)
    if (parsed?.isPossible()) return parsed.number
    if (country && !hasCountryCode) return undefined
  }
  return `+${digits}`
}

/** Phone: brought to E.164 (see toE164), then hashed with its `+`. */
export function hashPhone(phone: string, country: CountryCode | undefined): string | undefined {
  const text = phoneText(phone)
  if (isSha256(text)) return text.toLowerCase()
  const e164 = e164Of(text, country)
  return e164 === undefined ? undefined : sha256(e164)
}

/** An advertising id that says there is none: the zeros iOS and Android give without consent to tracking. */
const ZERO_ID = /^[0-]+$/

/**
 * A mobile advertising id as TikTok matches it, as Segment's TikTok App Events hashes it: the IDFA
 * (`ios`) trimmed and lowercased, the GAID (`android`) trimmed, then SHA-256; one that already is a
 * SHA-256 digest is passed on. Undefined for an empty id or the all-zero one (tracking not allowed).
 */
export function hashAdvertisingId(id: string, platform: 'ios' | 'android'): string | undefined {
  const cleaned = clean(id)
  if (ZERO_ID.test(cleaned)) return undefined
  return hashNormalized(platform === 'ios' ? cleaned.toLowerCase() : cleaned)
}
