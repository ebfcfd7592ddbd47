/**
 * What an event teaches identity memory, read where the plugin's default mappings read it: the email
 * and phone of identify traits, `context.traits` or properties (hashed as the plugin hashes them), the
 * ttclid of properties, the integrations object or the page URL's query, the ttp (`_ttp` cookie) of
 * properties or the integrations object; and the person's ids. Pure.
 */
import type { SegmentEvent } from '@segment/actions-core'
import { toCountryCode } from '../../destination/reportWebEvent/country'
import { hashEmail, hashPhone, phoneCountry } from '../../destination/shared/normalize'
import { identifier, text, ttclidFromUrl } from '../../destination/shared/values'
import { INTEGRATION_NAME } from '../routing/subscriptions'
import { personKey, type Facts, type RememberedKey } from './facts'

type Plain = Record<string, unknown>

export const objectAt = (value: unknown): Plain | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Plain) : undefined

/** The first non-empty text of a value or list. */
const firstText = (value: unknown): string | undefined => {
  for (const entry of Array.isArray(value) ? value : [value]) {
    const found = typeof entry === 'string' ? entry.trim() || undefined : undefined
    if (found) return found
  }
  return undefined
}

/** The destination's own entry of the integrations object (any case of its name). */
export function ownIntegration(event: SegmentEvent): Plain | undefined {
  const integrations = objectAt(event.integrations)
  if (!integrations) return undefined
  const name = Object.keys(integrations).find((key) => key.toLowerCase() === INTEGRATION_NAME.toLowerCase())
  return name === undefined ? undefined : objectAt(integrations[name])
}

/** Where an event carries traits: properties, context.traits, and an identify's traits. */
const traitPlaces = (event: SegmentEvent): Plain[] =>
  [objectAt(event.properties), objectAt(objectAt(event.context)?.traits), objectAt(event.traits)].filter(
    (place): place is Plain => place !== undefined
  )

/** The event's ttclid, where the plugin reads one. */
export function ttclidOf(event: SegmentEvent): string | undefined {
  return (
    identifier(objectAt(event.properties)?.ttclid) ??
    identifier(ownIntegration(event)?.ttclid) ??
    ttclidFromUrl(text(objectAt(objectAt(event.context)?.page)?.url))
  )
}

/** The event's ttp (`_ttp` cookie), where the plugin reads one. */
export function ttpOf(event: SegmentEvent): string | undefined {
  return identifier(objectAt(event.properties)?.ttp) ?? identifier(ownIntegration(event)?.ttp)
}

/**
 * The country a phone without a country code is read in, as the plugin's address field reads it:
 * properties.address.country, else context.traits.address.country (else an identify's traits). The
 * mapping's Default Phone Country is not known here: such a phone is then kept as its digits.
 */
function addressCountry(event: SegmentEvent): string | undefined {
  for (const place of traitPlaces(event)) {
    const country = objectAt(place.address)?.country
    if (country !== undefined && country !== null) return text(country)
  }
  return undefined
}

/** The hashed email and phone the event carries (the first place that has one). */
function hashedContacts(event: SegmentEvent): { email?: string; phone?: string } {
  let email: string | undefined
  let phone: string | undefined
  for (const place of traitPlaces(event)) {
    const rawEmail = firstText(place.email)
    email ??= rawEmail === undefined ? undefined : hashEmail(rawEmail)
    const rawPhone = firstText(place.phone)
    if (phone === undefined && rawPhone !== undefined) {
      phone = hashPhone(rawPhone, phoneCountry(toCountryCode(addressCountry(event))))
    }
  }
  return { email, phone }
}

/** What the event says of its person, seen at `now`. */
export function factsOf(event: SegmentEvent, now: number): Facts {
  const facts: Facts = {}
  const { email, phone } = hashedContacts(event)
  const ttclid = ttclidOf(event)
  const ttp = ttpOf(event)
  if (email) facts.email = { value: email, at: now }
  if (phone) facts.phone = { value: phone, at: now }
  if (ttclid) facts.ttclid = { value: ttclid, at: now }
  if (ttp) facts.ttp = { value: ttp, at: now }
  return facts
}

/** The keys the event's person is known by: its userId's, then its anonymousId's. */
export function personKeysOf(event: SegmentEvent): string[] {
  const keys: string[] = []
  const userId = text(event.userId)
  const anonymousId = text(event.anonymousId)
  if (userId) keys.push(personKey('user', userId))
  if (anonymousId) keys.push(personKey('anonymous', anonymousId))
  return keys
}

/** The keys the event carries, without hashing anything (what memory off notes a person gave). */
export function carriedKeys(event: SegmentEvent): RememberedKey[] {
  const places = traitPlaces(event)
  const keys: RememberedKey[] = []
  if (places.some((place) => firstText(place.email) !== undefined)) keys.push('email')
  if (places.some((place) => firstText(place.phone) !== undefined)) keys.push('phone')
  if (ttclidOf(event) !== undefined) keys.push('ttclid')
  if (ttpOf(event) !== undefined) keys.push('ttp')
  return keys
}
