// Generated file. DO NOT MODIFY IT BY HAND: change the field definitions and run `npm run types`.

/**
 * The type of events you are uploading through TikTok Events API.
 */
export type EventSource = 'app'
/**
 * Conversion event name: a TikTok app event (Purchase, Checkout, AddToCart, InstallApp, LaunchAPP, Login, Registration, ViewContent…) or a custom name. See TikTok's [Events API for apps](https://business-api.tiktok.com/portal/docs?id=1771101111730178).
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
 * The advertising ID of the device: the IDFA on iOS, the GAID on Android. Hashed with SHA-256 before it is sent (on iOS lowercased first); sent as `idfa` or `gaid` by Device Type. An all-zero ID, and on iOS one equal to the Device ID (the IDFV some apps send when tracking is not allowed), is not sent.
 */
export type MobileAdvertisingID = string
/**
 * The ID of the app: on iOS the App Store ID, on Android the Google Play ID or package name (by default the bundle ID or package name Segment’s libraries send as context.app.namespace).
 */
export type MobileAppID = string
/**
 * The name of the app.
 */
export type AppName = string
/**
 * The version of the app.
 */
export type AppVersion = string
/**
 * Callback information of the ad.
 */
export type Callback = string
/**
 * Campaign ID.
 */
export type CampaignID = string
/**
 * Ad group ID.
 */
export type AdGroupID = string
/**
 * Ad ID.
 */
export type CreativeID = string
/**
 * Whether the campaign is retargeting.
 */
export type IsRetargeting = boolean
/**
 * Whether the event is attributed.
 */
export type Attributed = boolean
/**
 * Attribution type.
 */
export type AttributionType = string
/**
 * Attribution provider.
 */
export type AttributionProvider = string
/**
 * ios or android (in any case); any other type sends no advertising ID.
 */
export type DeviceType = string
/**
 * The iOS IDFV. Android Device ID is not supported.
 */
export type DeviceID = string
/**
 * The version of the operating system, for the AUTO App Tracking Transparency Status.
 */
export type DeviceVersion = string
/**
 * Whether the user allows ad tracking, for the AUTO App Tracking Transparency Status.
 */
export type AdTrackingEnabled = boolean
/**
 * Uniquely identifies the user who triggered the conversion event. Segment will hash this value before sending to TikTok. TikTok Conversions Destination supports both string and string[] types for sending external ID(s).
 */
export type ExternalID = string[]
/**
 * The BCP 47 language identifier. For reference, refer to the [IETF BCP 47 standardized code](https://www.rfc-editor.org/rfc/bcp/bcp47.txt).
 */
export type Locale = string
/**
 * The App Tracking Transparency status of the user on iOS: one of AUTHORIZED, DENIED, NOT_DETERMINED, RESTRICTED, NOT_APPLICABLE, AUTO (in any case). AUTO works it out from the device: on iOS 14 and later, AUTHORIZED or DENIED by Ad Tracking Enabled, NOT_DETERMINED when unknown; on iOS before 14 and on Android, NOT_APPLICABLE.
 */
export type AppTrackingTransparencyStatus = string
/**
 * IP address of the device.
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
 * Product IDs associated with the event, such as SKUs. Do not populate this field if the 'Contents' field is populated. This field accepts a single string value or an array of string values.
 */
export type ContentIDs = string[]
/**
 * Number of items when checkout was initiated. Used with the InitiateCheckout event.
 */
export type NumberOfItems = number
/**
 * Type of the product item: `product` when the Content ID is a SKU, `product_group` when it is an item group ID. Sent only with Contents or Content IDs; `product` when another value.
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
 * Use this field to flag an event for limited data processing. TikTok will recognize this parameter as a request for limited data processing, and will limit its processing activities accordingly if the event shared occurred in an eligible location. To learn more about the Limited Data Use feature, refer to [Events API 2.0 - Limited Data Use](https://ads.tiktok.com/marketing_api/docs?id=1771101204435970).
 */
export type LimitedDataUse = boolean
/**
 * Use this field to specify that events should be test events rather than actual traffic. You can find your Test Event Code in your TikTok Events Manager under the "Test Event" tab. You'll want to remove your Test Event Code when sending real traffic through this integration.
 */
export type TestEventCode = string
/**
 * The text string entered by the user for the search. Optionally used with the Search event.
 */
export type SearchString = string
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
  event_source: EventSource
  event: EventName
  event_id?: EventID
  timestamp?: EventTimestamp
  phone_number?: PhoneNumber
  email?: Email
  advertising_id?: MobileAdvertisingID
  app: AppInformation
  ad?: AdInformation
  device_details?: DeviceDetails
  external_id?: ExternalID
  locale?: Locale
  att_status: AppTrackingTransparencyStatus
  ip?: IPAddress
  user_agent?: UserAgent
  contents?: Contents
  content_ids?: ContentIDs
  num_items?: NumberOfItems
  content_type?: ContentType
  currency?: Currency
  value?: Value
  description?: Description
  limited_data_use?: LimitedDataUse
  test_event_code?: TestEventCode
  search_string?: SearchString
  enable_batching?: BatchDataToTikTok
  batch_size?: BatchSize
  batch_keys?: BatchKeys
}
/**
 * The app the event took place in.
 */
export interface AppInformation {
  app_id: MobileAppID
  app_name?: AppName
  app_version?: AppVersion
}
/**
 * The ad the event is attributed to.
 */
export interface AdInformation {
  callback?: Callback
  campaign_id?: CampaignID
  ad_id?: AdGroupID
  creative_id?: CreativeID
  is_retargeting?: IsRetargeting
  attributed?: Attributed
  attribution_type?: AttributionType
  attribution_provider?: AttributionProvider
}
/**
 * The device the event took place on: it says which advertising ID is sent, and the IDFV on iOS.
 */
export interface DeviceDetails {
  device_type?: DeviceType
  device_id?: DeviceID
  device_version?: DeviceVersion
  ad_tracking_enabled?: AdTrackingEnabled
}
