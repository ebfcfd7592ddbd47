/**
 * The pure payload builder: a Report Web Event payload becomes the event TikTok receives, with PII
 * normalized and hashed, and nothing empty in it. No I/O: the clock is an argument.
 */
import type { Settings } from '../generated-types'
import { buildContents, sentContentType } from '../shared/contents'
import { FieldValidationError } from '../shared/errors'
import {
  hashEmail,
  hashExternalId,
  hashName,
  hashPhone,
  hashZip,
  phoneCountry,
  plainLocation
} from '../shared/normalize'
import { envelopeOf } from '../shared/prepare'
import { sentEventTime } from '../shared/time'
import { finite, hashAll, identifier, onText, text, texts, ttclidFromUrl, withoutEmpty } from '../shared/values'
import type { TikTokEnvelope, TikTokEvent, TikTokProperties, TikTokUser } from '../tiktok/types'
import { CRM, TRAVEL_FIELDS, VEHICLE_FIELDS, WEB } from './constants'
import { toCountryCode } from './country'
import type { Payload } from './generated-types'

type Plain = Record<string, unknown>

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

function buildProperties(payload: Payload, source: string): TikTokProperties | undefined {
  const contents = buildContents(payload.contents)
  const contentIds = texts(payload.content_ids)
  return withoutEmpty<TikTokProperties>({
    contents,
    // It says what the contents or content IDs are: without them it means nothing.
    content_type: sentContentType(payload.content_type, contents, contentIds),
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
  return eventSourceOf(payload) === CRM
    ? envelopeOf(
        CRM,
        payload.crm_event_set_id,
        payload.test_event_code,
        () =>
          new FieldValidationError(
            'crm_event_set_id',
            'CRM Event Set ID (crm_event_set_id) is required when Event Source is crm.'
          )
      )
    : envelopeOf(
        WEB,
        settings.pixelCode,
        payload.test_event_code,
        () => new FieldValidationError('pixelCode', 'Pixel Code (pixelCode) is missing from the settings.')
      )
}
