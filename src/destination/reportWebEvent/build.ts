/**
 * The pure payload builder: a Report Web Event payload becomes the event TikTok receives, with PII
 * normalized and hashed, and nothing empty in it. No I/O: the clock is an argument.
 */
import type { Settings } from '../generated-types'
import { PARTNER_NAME } from '../tiktok/api'
import type { TikTokContent, TikTokEnvelope, TikTokEvent, TikTokProperties, TikTokUser } from '../tiktok/types'
import { CRM, TRAVEL_FIELDS, VEHICLE_FIELDS, WEB } from './constants'
import { toCountryCode } from './country'
import { FieldValidationError } from './errors'
import type { Payload } from './generated-types'
import {
  clean,
  hashEmail,
  hashExternalId,
  hashName,
  hashPhone,
  hashZip,
  phoneCountry,
  plainLocation
} from './normalize'
import { againstWindow, EVENT_TIME_WINDOW, impossibleOffset, toUnixSeconds } from './time'

type Plain = Record<string, unknown>

/** Drops undefined, empty strings, empty arrays and empty objects; undefined when nothing is left. */
function withoutEmpty<T extends object>(object: T): T | undefined {
  const out: Plain = {}
  let kept = false
  for (const key in object) {
    const value: unknown = object[key]
    if (value === undefined || value === null || value === '') continue
    if (Array.isArray(value) ? value.length === 0 : typeof value === 'object' && isEmptyObject(value as Plain)) continue
    out[key] = value
    kept = true
  }
  return kept ? (out as T) : undefined
}

function isEmptyObject(object: Plain): boolean {
  for (const key in object) if (Object.prototype.hasOwnProperty.call(object, key)) return false
  return true
}

const text = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value.trim() || undefined
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

/** A plain identifier (ttclid, ttp, IP…): text in NFC without invisible characters at its ends. */
const identifier = (value: unknown): string | undefined =>
  typeof value === 'string' ? clean(value) || undefined : text(value)

const finite = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined

/** A single value or an array, as the fields marked "single value or array" accept. */
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value])

/** Each entry normalized and hashed by `hash`; empties and duplicates left out. */
function hashAll(value: unknown, hash: (entry: string) => string | undefined): string[] | undefined {
  const hashes = new Set<string>()
  for (const entry of list(value)) {
    const hashed = typeof entry === 'string' ? hash(entry) : undefined
    if (hashed) hashes.add(hashed)
  }
  return hashes.size ? [...hashes] : undefined
}

/** The text entries of a single value or a list, each once. */
const texts = (value: unknown): string[] | undefined => {
  const out = new Set(
    list(value)
      .map(text)
      .filter((entry): entry is string => entry !== undefined)
  )
  return out.size ? [...out] : undefined
}

/** The ttclid query parameter of the page URL; a malformed URL is ignored. */
function ttclidFromUrl(url: string | undefined): string | undefined {
  // Parsing a URL costs more than the rest of the user block: only parse one that can name ttclid
  // (spelled out, or percent-encoded).
  if (!url || (!url.includes('ttclid') && !url.includes('%'))) return undefined
  try {
    return identifier(new URL(url).searchParams.get('ttclid'))
  } catch {
    return undefined
  }
}

function buildUser(payload: Payload): TikTokUser | undefined {
  const address = payload.address ?? {}
  const addressCountry = text(address.country)
  const addressCode = toCountryCode(addressCountry)
  const country = phoneCountry(addressCode) ?? phoneCountry(toCountryCode(text(payload.default_phone_country)))
  return withoutEmpty<TikTokUser>({
    email: hashAll(payload.email, hashEmail),
    phone: hashAll(payload.phone_number, (phone) => hashPhone(phone, country)),
    external_id: hashAll(payload.external_id, hashExternalId),
    ttclid: identifier(payload.ttclid) ?? ttclidFromUrl(text(payload.url)),
    ttp: identifier(payload.ttp),
    ip: identifier(payload.ip),
    user_agent: identifier(payload.user_agent),
    locale: identifier(payload.locale),
    first_name: onText(payload.first_name, hashName),
    last_name: onText(payload.last_name, hashName),
    city: plainLocation(text(address.city)),
    state: plainLocation(text(address.state)),
    // The ISO 3166 code TikTok matches on, lowercased, when the country is known by code or name.
    country: addressCode?.toLowerCase() ?? plainLocation(addressCountry),
    zip_code: onText(address.zip_code, hashZip)
  })
}

const onText = (value: unknown, fn: (value: string) => string | undefined) => {
  const t = text(value)
  return t === undefined ? undefined : fn(t)
}

function buildContents(contents: Payload['contents']): TikTokContent[] | undefined {
  const out: TikTokContent[] = []
  for (const item of list(contents)) {
    if (typeof item !== 'object' || item === null) continue
    const content = item as Plain
    const built = withoutEmpty<TikTokContent>({
      price: finite(content.price),
      quantity: finite(content.quantity),
      content_id: text(content.content_id),
      content_category: text(content.content_category),
      content_name: text(content.content_name),
      brand: text(content.brand)
    })
    if (built) out.push(built)
  }
  return out.length ? out : undefined
}

/** The non-empty sub-fields of Travel Fields or Vehicle Fields, under TikTok's property names. */
function additionalProperties(payload: Payload): Plain {
  if (payload.event_spec_type === TRAVEL_FIELDS && payload.travel_fields) {
    const { suggested_hotels, destination_ids, suggested_destinations, ...rest } = payload.travel_fields
    return {
      ...plainValues(rest),
      suggested_hotels: texts(suggested_hotels),
      destination_ids: texts(destination_ids),
      suggested_destinations: texts(suggested_destinations)
    }
  }
  if (payload.event_spec_type === VEHICLE_FIELDS && payload.vehicle_fields) {
    const { mileage_value, mileage_unit, preferred_price_range_min, preferred_price_range_max, ...rest } =
      payload.vehicle_fields
    const min = finite(preferred_price_range_min)
    const max = finite(preferred_price_range_max)
    return {
      ...plainValues(rest),
      mileage: withoutEmpty({ value: finite(mileage_value), unit: text(mileage_unit) }),
      preferred_price_range: min !== undefined && max !== undefined ? [min, max] : undefined
    }
  }
  return {}
}

/** Strings trimmed, finite numbers kept, everything else left out. */
function plainValues(object: Plain): Plain {
  const out: Plain = {}
  for (const [key, value] of Object.entries(object)) out[key] = typeof value === 'number' ? finite(value) : text(value)
  return out
}

/** The values of Content Type TikTok knows. */
export const CONTENT_TYPES: ReadonlySet<string> = new Set(['product', 'product_group'])

/** Content Type, lowercased, when TikTok knows it; `product` (TikTok's default) otherwise. */
function contentTypeOf(value: unknown): string {
  const given = text(value)?.toLowerCase()
  return given !== undefined && CONTENT_TYPES.has(given) ? given : 'product'
}

function buildProperties(payload: Payload, source: string): TikTokProperties | undefined {
  const contents = buildContents(payload.contents)
  const contentIds = texts(payload.content_ids)
  return withoutEmpty<TikTokProperties>({
    contents,
    // It says what the contents or content IDs are: without them it means nothing.
    content_type: contents || contentIds ? contentTypeOf(payload.content_type) : undefined,
    content_ids: contentIds,
    currency: text(payload.currency)?.toUpperCase(),
    value: finite(payload.value),
    num_items: finite(payload.num_items),
    query: text(payload.query),
    search_string: text(payload.search_string),
    description: text(payload.description),
    order_id: text(payload.order_id),
    shop_id: text(payload.shop_id),
    delivery_category: text(payload.delivery_category),
    predicted_ltv: finite(payload.predicted_ltv),
    ...(source === WEB ? additionalProperties(payload) : {})
  })
}

/** Unix seconds of the Event Timestamp; `now` when there is none. */
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
 * event_time as TikTok is sent it: the Event Timestamp's (eventTime) within TikTok's window
 * (EVENT_TIME_WINDOW in time.ts): refused, naming the field, when older than 28 days; the time of
 * sending when after it.
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

const eventSourceOf = (payload: Payload) => (payload.event_source === CRM ? CRM : WEB)

/** The event as TikTok receives it in `data[]`. Throws a FieldValidationError naming the field at fault. */
export function buildEvent(payload: Payload, now: number): TikTokEvent {
  const source = eventSourceOf(payload)
  const event = text(payload.event)
  if (!event) throw new FieldValidationError('event', 'Event Name (event) is required.')
  const page = withoutEmpty({ url: text(payload.url), referrer: text(payload.referrer) })
  const lead =
    source === CRM
      ? withoutEmpty({
          lead_id: text(payload.lead_fields?.lead_id),
          lead_event_source: text(payload.lead_fields?.lead_event_source)
        })
      : undefined
  return withoutEmpty<TikTokEvent>({
    event,
    event_time: sentEventTime(payload.timestamp, now),
    event_id: text(payload.event_id),
    user: buildUser(payload),
    properties: buildProperties(payload, source),
    page,
    limited_data_use:
      source === WEB && typeof payload.limited_data_use === 'boolean' ? payload.limited_data_use : undefined,
    lead
  }) as TikTokEvent
}

/**
 * The top-level keys of the request this event goes in. A CRM event goes to its CRM Event Set, never
 * to the Pixel; the test event code is top level only.
 */
export function buildEnvelope(payload: Payload, settings: Settings): TikTokEnvelope {
  const source = eventSourceOf(payload)
  const sourceId = source === CRM ? text(payload.crm_event_set_id) : text(settings.pixelCode)
  if (!sourceId) {
    throw source === CRM
      ? new FieldValidationError(
          'crm_event_set_id',
          'CRM Event Set ID (crm_event_set_id) is required when Event Source is crm.'
        )
      : new FieldValidationError('pixelCode', 'Pixel Code (pixelCode) is missing from the settings.')
  }
  return withoutEmpty<TikTokEnvelope>({
    event_source: source,
    event_source_id: sourceId,
    partner_name: PARTNER_NAME,
    test_event_code: text(payload.test_event_code)
  }) as TikTokEnvelope
}
