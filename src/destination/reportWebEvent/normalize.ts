/**
 * Normalization and SHA-256 hashing of the user fields, as TikTok's Events API expects them.
 * Every function returns undefined for a value that is empty after normalization: nothing empty is
 * ever hashed or sent.
 */
import { createHash } from 'node:crypto'
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js'

const SHA256_HEX = /^[0-9a-f]{64}$/i

/** True for a value that already is a SHA-256 digest in hex: it is passed on, never hashed twice. */
export const isSha256 = (value: string) => SHA256_HEX.test(value)

export const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex')

function hashNormalized(normalized: string): string | undefined {
  if (normalized === '') return undefined
  return isSha256(normalized) ? normalized.toLowerCase() : sha256(normalized)
}

/** Email: trimmed and lowercased, then hashed. */
export const hashEmail = (email: string) => hashNormalized(email.trim().toLowerCase())

/** External ID: trimmed, then hashed (case is kept: IDs are case-sensitive). */
export const hashExternalId = (id: string) => hashNormalized(id.trim())

/** First name, last name, zip code: every whitespace removed, lowercased, then hashed. */
export const hashCompact = (value: string) => hashNormalized(value.replace(/\s+/g, '').toLowerCase())

/** City, state, country: letters and digits only, lowercased, sent in plain text. */
export function plainLocation(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  return value.replace(/[^\p{L}\p{N}]/gu, '').toLowerCase() || undefined
}

/**
 * A phone number in E.164 (`+` and country code). A number written with its country code
 * (`+1 213…`, `(+1)213…`, `0044…` with a known country) keeps it; one without takes the country
 * given; when no country is known it is reduced to its digits with a leading `+`.
 * Undefined when the text holds no digits, or cannot be a phone number of the known country.
 */
export function toE164(phone: string, country: CountryCode | undefined): string | undefined {
  const text = phone.trim()
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
  const trimmed = phone.trim()
  if (isSha256(trimmed)) return trimmed.toLowerCase()
  const e164 = toE164(trimmed, country)
  return e164 === undefined ? undefined : sha256(e164)
}
