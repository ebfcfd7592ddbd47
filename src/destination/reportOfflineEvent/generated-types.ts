// Generated file. DO NOT MODIFY IT BY HAND: change the field definitions and run `npm run types`.

/**
 * Conversion event name: a TikTok standard event (CompletePayment, Purchase, Contact, Subscribe, SubmitForm…) or a custom name. There is no default: each offline mapping names its event.
 */
export type EventName = string
/**
 * Any hashed ID that can identify a unique user/session. By default the message ID.
 */
export type EventID = string
/**
 * Timestamp that the event took place, in ISO 8601 format.
 */
export type EventTimestamp = string
/**
 * A single phone number or array of phone numbers in E.164 standard format. Segment will hash this value before sending to TikTok. e.g. +14150000000. Segment will hash this value before sending to TikTok.
 */
export type PhoneNumber = string[]
/**
 * A single email address or an array of email addresses. Segment will hash this value before sending to TikTok.
 */
export type Email = string[]
/**
 * Order ID of the transaction.
 */
export type OrderID = string
/**
 * Shop ID of the transaction.
 */
export type ShopID = string
/**
 * Uniquely identifies the user who triggered the conversion event. Segment will hash this value before sending to TikTok. TikTok Conversions Destination supports both string and string[] types for sending external ID(s).
 */
export type ExternalID = string[]
/**
 * The ttclid of the ad click that led to the sale, when known. The ttclid is valid for 7 days. By default the event’s `properties.ttclid`, else the ttclid query parameter of the Page URL.
 */
export type TikTokClickID = string
/**
 * The value of the `_ttp` cookie of the Pixel, when the sale started on the website.
 */
export type TikTokCookieID = string
/**
 * ID of the TikTok lead, as exported from TikTok with the lead.
 */
export type TikTokLeadID = string
/**
 * The BCP 47 language identifier. For reference, refer to the [IETF BCP 47 standardized code](https://www.rfc-editor.org/rfc/bcp/bcp47.txt).
 */
export type Locale = string
/**
 * The page URL where the conversion event took place.
 */
export type PageURL = string
/**
 * The page referrer.
 */
export type PageReferrer = string
/**
 * IP address of the device the sale was recorded with, if any.
 */
export type IPAddress = string
/**
 * User agent from the user’s device.
 */
export type UserAgent = string
/**
 * Price of the item.
 */
export type Price = number
/**
 * Number of items.
 */
export type Quantity = number
/**
 * Category of the product item.
 */
export type ContentCategory = string
/**
 * ID of the product item.
 */
export type ContentID = string
/**
 * Name of the product item.
 */
export type ContentName = string
/**
 * Brand name of the product item.
 */
export type Brand = string
/**
 * Related item details for the event.
 */
export type Contents = {
  price?: Price
  quantity?: Quantity
  content_category?: ContentCategory
  content_id?: ContentID
  content_name?: ContentName
  brand?: Brand
}[]
/**
 * Type of the product item: `product` when the Content ID is a SKU, `product_group` when it is an item group ID. Sent only with Contents; `product` when another value.
 */
export type ContentType = string
/**
 * Currency for the value specified as ISO 4217 code.
 */
export type Currency = string
/**
 * Value of the order or items sold.
 */
export type Value = number
/**
 * A string description of the event.
 */
export type Description = string
/**
 * The text string that was searched for.
 */
export type Query = string
/**
 * Use this field to flag an event for limited data processing. TikTok will recognize this parameter as a request for limited data processing, and will limit its processing activities accordingly if the event shared occurred in an eligible location. To learn more about the Limited Data Use feature, refer to [Events API 2.0 - Limited Data Use](https://ads.tiktok.com/marketing_api/docs?id=1771101204435970). TikTok takes it for web and app events only: it is not sent with an offline event.
 */
export type LimitedDataUse = boolean
/**
 * Use this field to specify that events should be test events rather than actual traffic. You can find your Test Event Code in your TikTok Events Manager under the "Test Event" tab. You'll want to remove your Test Event Code when sending real traffic through this integration.
 */
export type TestEventCode = string
/**
 * When enabled, events are sent to TikTok in batches of up to 1000 events per request, each event with its own delivery status.
 */
export type BatchDataToTikTok = boolean
/**
 * Most events in one request to TikTok (at most 1000, TikTok's limit).
 */
export type BatchSize = number
/**
 * Events with different values of these fields are never sent in the same request.
 */
export type BatchKeys = string[]

export interface Payload {
  event: EventName
  event_id?: EventID
  timestamp?: EventTimestamp
  phone_numbers?: PhoneNumber
  email_addresses?: Email
  order_id?: OrderID
  shop_id?: ShopID
  external_ids?: ExternalID
  ttclid?: TikTokClickID
  ttp?: TikTokCookieID
  lead_id?: TikTokLeadID
  locale?: Locale
  url?: PageURL
  referrer?: PageReferrer
  ip?: IPAddress
  user_agent?: UserAgent
  contents?: Contents
  content_type?: ContentType
  currency?: Currency
  value?: Value
  description?: Description
  query?: Query
  limited_data_use?: LimitedDataUse
  test_event_code?: TestEventCode
  enable_batching?: BatchDataToTikTok
  batch_size?: BatchSize
  batch_keys?: BatchKeys
}
