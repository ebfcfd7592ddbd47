/**
 * The pure payload builder of Report Offline Event: an in-store or phone sale as TikTok receives it on
 * the offline event set of the settings, with the identifiers normalized and hashed as for web events.
 * An offline event must carry an email, a phone number or an external ID: without one it is refused by name.
 */
import type { Settings } from '../generated-types'
import { buildContents, sentContentType } from '../shared/contents'
import { FieldValidationError } from '../shared/errors'
import { hashEmail, hashExternalId, hashPhone } from '../shared/normalize'
import { envelopeOf } from '../shared/prepare'
import { sentEventTime } from '../shared/time'
import { finite, hashAll, identifier, text, ttclidFromUrl, withoutEmpty } from '../shared/values'
import type { TikTokEnvelope, TikTokEvent, TikTokProperties, TikTokUser } from '../tiktok/types'
import { OFFLINE } from './constants'
import type { Payload } from './generated-types'

function buildUser(payload: Payload): TikTokUser | undefined {
  const user = withoutEmpty<TikTokUser>({
    email: hashAll(payload.email_addresses, hashEmail),
    phone: hashAll(payload.phone_numbers, (phone) => hashPhone(phone, undefined)),
    external_id: hashAll(payload.external_ids, hashExternalId),
    ttclid: identifier(payload.ttclid) ?? ttclidFromUrl(text(payload.url)),
    ttp: identifier(payload.ttp),
    lead_id: text(payload.lead_id),
    ip: identifier(payload.ip),
    user_agent: identifier(payload.user_agent),
    locale: identifier(payload.locale)
  })
  if (!user?.email && !user?.phone && !user?.external_id) {
    throw new FieldValidationError(
      'email_addresses',
      'An offline event needs an Email (email_addresses), a Phone Number (phone_numbers) or an External ID (external_ids): this one has none that can be sent.'
    )
  }
  return user
}

function buildProperties(payload: Payload): TikTokProperties | undefined {
  const contents = buildContents(payload.contents)
  return withoutEmpty<TikTokProperties>({
    contents,
    content_type: sentContentType(payload.content_type, contents, undefined),
    currency: text(payload.currency)?.toUpperCase(),
    value: finite(payload.value),
    query: text(payload.query),
    description: text(payload.description),
    order_id: text(payload.order_id),
    shop_id: text(payload.shop_id)
  })
}

/** The offline event as TikTok receives it in `data[]`. Throws a FieldValidationError naming the field at fault. */
export function buildOfflineEvent(payload: Payload, now: number): TikTokEvent {
  const event = text(payload.event)
  if (!event) throw new FieldValidationError('event', 'Event Name (event) is required.')
  return withoutEmpty<TikTokEvent>({
    event,
    event_time: sentEventTime(payload.timestamp, now),
    event_id: text(payload.event_id),
    user: buildUser(payload),
    properties: buildProperties(payload),
    page: withoutEmpty({ url: text(payload.url), referrer: text(payload.referrer) })
  }) as TikTokEvent
}

/** The top-level keys of an offline event's request: the offline event set of the settings. */
export const buildOfflineEnvelope = (payload: Payload, settings: Settings): TikTokEnvelope =>
  envelopeOf(
    OFFLINE,
    settings.offlineEventSetID,
    payload.test_event_code,
    () =>
      new FieldValidationError(
        'offlineEventSetID',
        'Offline Event Set ID (offlineEventSetID) is missing from the settings: offline events are sent to it.'
      )
  )
