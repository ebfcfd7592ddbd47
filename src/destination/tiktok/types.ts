/** The shapes TikTok Events API 2.0 receives on `/event/track/`. */

/** A Pixel, a TikTok App ID, an offline event set, a CRM event set. */
export type EventSource = 'web' | 'app' | 'offline' | 'crm'

export interface TikTokUser {
  email?: string[]
  phone?: string[]
  external_id?: string[]
  ttclid?: string
  ttp?: string
  ip?: string
  user_agent?: string
  locale?: string
  first_name?: string
  last_name?: string
  city?: string
  state?: string
  country?: string
  zip_code?: string
  /** App events: the iOS advertising id (IDFA), SHA-256. */
  idfa?: string
  /** App events: the Android advertising id (GAID), SHA-256. */
  gaid?: string
  /** App events: the iOS vendor id (IDFV). */
  idfv?: string
  /** App events: App Tracking Transparency status. */
  att_status?: string
  /** Offline events: the TikTok lead id. */
  lead_id?: string
}

export interface TikTokContent {
  price?: number
  quantity?: number
  content_id?: string
  content_category?: string
  content_name?: string
  brand?: string
}

export type TikTokProperties = {
  contents?: TikTokContent[]
  content_type?: string
  content_ids?: string[]
  currency?: string
  value?: number
  num_items?: number
  query?: string
  search_string?: string
  description?: string
  order_id?: string
  shop_id?: string
  delivery_category?: string
  predicted_ltv?: number
} & Record<string, unknown>

export interface TikTokEvent {
  event: string
  event_time: number
  event_id?: string
  user?: TikTokUser
  properties?: TikTokProperties
  page?: { url?: string; referrer?: string }
  limited_data_use?: boolean
  lead?: { lead_id?: string; lead_event_source?: string }
  /** App events: the app, by its store id or bundle. */
  app?: { app_id?: string; app_name?: string; app_version?: string }
  /** App events: the ad the install or event is attributed to. */
  ad?: TikTokAd
}

export interface TikTokAd {
  callback?: string
  campaign_id?: string
  ad_id?: string
  creative_id?: string
  is_retargeting?: boolean
  attributed?: boolean
  attribution_type?: string
  attribution_provider?: string
}

/** The top-level keys of a request: events that differ in any of them never share a request. */
export interface TikTokEnvelope {
  event_source: EventSource
  event_source_id: string
  partner_name: string
  test_event_code?: string
}

export interface TikTokRequestBody extends TikTokEnvelope {
  data: TikTokEvent[]
}
