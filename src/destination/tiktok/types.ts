/** The shapes TikTok Events API 2.0 receives on `/event/track/`. */

export type EventSource = 'web' | 'crm'

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
