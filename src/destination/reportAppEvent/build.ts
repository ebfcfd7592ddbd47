/**
 * The pure payload builder of Report App Event: the event TikTok receives from an app, with the
 * identifiers normalized and hashed as for web events, the advertising ID hashed as Segment's TikTok
 * App Events hashes it and sent by platform (`idfa` on iOS, `gaid` on Android), the IDFV on iOS only,
 * and the App Tracking Transparency status worked out from the device when it is AUTO.
 */
import type { Settings } from '../generated-types'
import { buildContents, sentContentType } from '../shared/contents'
import { FieldValidationError } from '../shared/errors'
import { hashAdvertisingId, hashEmail, hashExternalId, hashPhone } from '../shared/normalize'
import { envelopeOf } from '../shared/prepare'
import { sentEventTime } from '../shared/time'
import { finite, hashAll, identifier, text, texts, withoutEmpty } from '../shared/values'
import type { TikTokAd, TikTokEnvelope, TikTokEvent, TikTokProperties, TikTokUser } from '../tiktok/types'
import { APP, ATT_STATUSES, AUTO, PRODUCT_EVENTS } from './constants'
import type { Payload } from './generated-types'

export type Platform = 'ios' | 'android'

/** The platform of Device Type, in any case (Segment's libraries send `ios` and `android`). */
export function platformOf(deviceType: unknown): Platform | undefined {
  const type = text(deviceType)?.toLowerCase()
  return type === 'ios' || type === 'android' ? type : undefined
}

/** Major, minor and patch of a version (`17.4`, `14`, 14 as a number); undefined when it does not start with one. */
function versionOf(version: unknown): number[] | undefined {
  const match = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text(version) ?? '')
  return match ? [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)] : undefined
}

const KNOWN_STATUSES: ReadonlySet<string> = new Set(ATT_STATUSES)

/**
 * App Tracking Transparency Status as sent. AUTO: not iOS, or iOS before 14, is NOT_APPLICABLE; else
 * Ad Tracking Enabled true is AUTHORIZED, false DENIED, unknown NOT_DETERMINED. Any other value is
 * sent as given, in capitals; one TikTok does not know is refused by name.
 */
export function attStatusOf(payload: Payload, platform: Platform | undefined): string {
  const given = (text(payload.att_status) ?? AUTO).toUpperCase()
  if (!KNOWN_STATUSES.has(given)) {
    throw new FieldValidationError(
      'att_status',
      `App Tracking Transparency Status (att_status) must be one of ${ATT_STATUSES.join(', ')}; got "${given.slice(0, 30)}".`
    )
  }
  if (given !== AUTO) return given
  if (platform !== 'ios') return 'NOT_APPLICABLE'
  const version = versionOf(payload.device_details?.device_version)
  if (version && version[0] < 14) return 'NOT_APPLICABLE'
  const tracking = payload.device_details?.ad_tracking_enabled
  if (typeof tracking === 'boolean') return tracking ? 'AUTHORIZED' : 'DENIED'
  return 'NOT_DETERMINED'
}

/**
 * The hashed advertising ID, when the platform is known: not an all-zero one, and on iOS not the
 * IDFV (analytics-swift's IDFA plugin sends the IDFV as the advertising ID when tracking is not allowed).
 */
function advertisingIdOf(payload: Payload, platform: Platform | undefined): string | undefined {
  const id = identifier(payload.advertising_id)
  if (!id || !platform) return undefined
  const idfv = identifier(payload.device_details?.device_id)
  if (platform === 'ios' && idfv && idfv.toLowerCase() === id.toLowerCase()) return undefined
  return hashAdvertisingId(id, platform)
}

function buildUser(payload: Payload, platform: Platform | undefined): TikTokUser | undefined {
  const advertisingId = advertisingIdOf(payload, platform)
  return withoutEmpty<TikTokUser>({
    email: hashAll(payload.email, hashEmail),
    phone: hashAll(payload.phone_number, (phone) => hashPhone(phone, undefined)),
    external_id: hashAll(payload.external_id, hashExternalId),
    idfa: platform === 'ios' ? advertisingId : undefined,
    gaid: platform === 'android' ? advertisingId : undefined,
    idfv: platform === 'ios' ? identifier(payload.device_details?.device_id) : undefined,
    att_status: attStatusOf(payload, platform),
    ip: identifier(payload.ip),
    user_agent: identifier(payload.user_agent),
    locale: identifier(payload.locale)
  })
}

function buildProperties(payload: Payload, event: string): TikTokProperties | undefined {
  const contents = buildContents(payload.contents)
  if (contents && PRODUCT_EVENTS.has(event)) {
    const at = contents.findIndex((content) => content.content_id === undefined)
    if (at >= 0) {
      throw new FieldValidationError(
        'contents',
        `Contents (contents) item ${at + 1} has no Content ID (content_id): TikTok needs one for ${event}.`
      )
    }
  }
  const contentIds = texts(payload.content_ids)
  return withoutEmpty<TikTokProperties>({
    contents,
    content_type: sentContentType(payload.content_type, contents, contentIds),
    content_ids: contentIds,
    currency: text(payload.currency)?.toUpperCase(),
    value: finite(payload.value),
    num_items: finite(payload.num_items),
    search_string: text(payload.search_string),
    description: text(payload.description)
  })
}

/** The booleans of Ad Information when they are booleans, its texts when they are there. */
function buildAd(ad: Payload['ad']): TikTokAd | undefined {
  if (!ad) return undefined
  const flag = (value: unknown) => (typeof value === 'boolean' ? value : undefined)
  return withoutEmpty<TikTokAd>({
    callback: text(ad.callback),
    campaign_id: text(ad.campaign_id),
    ad_id: text(ad.ad_id),
    creative_id: text(ad.creative_id),
    is_retargeting: flag(ad.is_retargeting),
    attributed: flag(ad.attributed),
    attribution_type: text(ad.attribution_type),
    attribution_provider: text(ad.attribution_provider)
  })
}

/** The app event as TikTok receives it in `data[]`. Throws a FieldValidationError naming the field at fault. */
export function buildAppEvent(payload: Payload, now: number): TikTokEvent {
  const event = text(payload.event)
  if (!event) throw new FieldValidationError('event', 'Event Name (event) is required.')
  const platform = platformOf(payload.device_details?.device_type)
  const app = withoutEmpty({
    app_id: text(payload.app?.app_id),
    app_name: text(payload.app?.app_name),
    app_version: text(payload.app?.app_version)
  })
  if (!app?.app_id) {
    throw new FieldValidationError(
      'app',
      'Mobile App ID (app.app_id) is required: map it to the app’s store ID or bundle ID.'
    )
  }
  return withoutEmpty<TikTokEvent>({
    event,
    event_time: sentEventTime(payload.timestamp, now),
    event_id: text(payload.event_id),
    user: buildUser(payload, platform),
    properties: buildProperties(payload, event),
    app,
    ad: buildAd(payload.ad),
    limited_data_use: typeof payload.limited_data_use === 'boolean' ? payload.limited_data_use : undefined
  }) as TikTokEvent
}

/** The top-level keys of an app event's request: the TikTok App ID of the settings. */
export const buildAppEnvelope = (payload: Payload, settings: Settings): TikTokEnvelope =>
  envelopeOf(
    APP,
    settings.appID,
    payload.test_event_code,
    () =>
      new FieldValidationError(
        'appID',
        'TikTok App ID (appID) is missing from the settings: app events are sent to the TikTok App ID.'
      )
  )
