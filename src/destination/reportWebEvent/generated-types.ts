// Generated file. DO NOT MODIFY IT BY HAND: change the field definitions and run `npm run types`.

/**
 * The type of events you are uploading through TikTok Events API. Please see TikTok's [Events API documentation](https://ads.tiktok.com/marketing_api/docs?id=1701890979375106) for information on how to find this value. If no selection is made 'Web' is assumed.
 */
export type EventSource = 'web' | 'crm'
/**
 * Include fields for travel or vehicle events.
 */
export type AdditionalFields = 'travel_fields' | 'vehicle_fields'
/**
 * Conversion event name. Please refer to the "Supported Web Events" section on in TikTok’s [Events API documentation](https://ads.tiktok.com/marketing_api/docs?id=1701890979375106) for accepted event names.
 */
export type EventName = string
/**
 * Any hashed ID that can identify a unique user/session. TikTok deduplicates the events of the Pixel and of the Events API that share it: by default the `event_id` the site passed to the Pixel (`properties.event_id`), else the message ID.
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
 * Country used to bring a phone number without a country code (e.g. "(415) 555-0100") to E.164 when the event's address has no country. An ISO 3166 code ("US") or an English country name ("United States"). Without any known country such a number is sent as its digits with a leading "+".
 */
export type DefaultPhoneCountry = string
/**
 * A single email address or an array of email addresses. Segment will hash this value before sending to TikTok.
 */
export type Email = string[]
/**
 * The first name of the customer. The name should be in lowercase without any punctuation. Special characters are allowed.
 */
export type FirstName = string
/**
 * The last name of the customer. The name should be in lowercase without any punctuation. Special characters are allowed.
 */
export type LastName = string
/**
 * City of the customer.
 */
export type City = string
/**
 * State or region of the customer.
 */
export type State = string
/**
 * Country of the customer, as an ISO 3166 code or a country name.
 */
export type Country = string
/**
 * Zip or postal code of the customer.
 */
export type ZipCode = string
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
 * The value of the ttclid used to match website visitor events with TikTok ads. The ttclid is valid for 7 days. See [Set up ttclid](https://ads.tiktok.com/marketing_api/docs?rid=4eezrhr6lg4&id=1681728034437121) for details.
 */
export type TikTokClickID = string
/**
 * TikTok Cookie ID. If you also use Pixel SDK and have enabled cookies, Pixel SDK automatically saves a unique identifier in the `_ttp` cookie. The value of `_ttp` is used to match website visitor events with TikTok ads. You can extract the value of `_ttp` and attach the value here. To learn more about the `ttp` parameter, refer to [Events API 2.0 - Send TikTok Cookie](https://ads.tiktok.com/marketing_api/docs?id=%201771100936446977) (`_ttp`).
 */
export type TikTokCookieID = string
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
 * IP address of the browser.
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
 * Type of the product item. When the `content_id` in the `Contents` field is specified as a `sku_id`, set this field to `product`. When the `content_id` in the `Contents` field is specified as an `item_group_id`, set this field to `product_group`. Sent only with Contents or Content IDs; `product` when empty or another value.
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
 * A string description of the web event.
 */
export type Description = string
/**
 * The text string that was searched for.
 */
export type Query = string
/**
 * Use this field to flag an event for limited data processing. TikTok will recognize this parameter as a request for limited data processing, and will limit its processing activities accordingly if the event shared occurred in an eligible location. To learn more about the Limited Data Use feature, refer to [Events API 2.0 - Limited Data Use](https://ads.tiktok.com/marketing_api/docs?id=1771101204435970).
 */
export type LimitedDataUse = boolean
/**
 * Use this field to specify that events should be test events rather than actual traffic. You can find your Test Event Code in your TikTok Events Manager under the "Test Event" tab. You'll want to remove your Test Event Code when sending real traffic through this integration.
 */
export type TestEventCode = string
/**
 * Category of the delivery.
 */
export type DeliveryCategory = 'in_store' | 'curbside' | 'home_delivery'
/**
 * Predicted lifetime value of a subscriber as defined by the advertiser and expressed as an exact value.
 */
export type PrediectedLifetimeValue = number
/**
 * The text string entered by the user for the search. Optionally used with the Search event.
 */
export type SearchString = string
/**
 * The ID of the CRM Event Set in TikTok Events Manager that receives CRM lead events. Required when Event Source is CRM: CRM events are sent to this event set, never to the Pixel.
 */
export type CRMEventSetID = string
/**
 * ID of the TikTok lead, as exported from TikTok with the lead.
 */
export type TikTokLeadID = string
/**
 * The CRM system the lead event comes from, such as HubSpot or Salesforce.
 */
export type TikTokLeadEventSource = string
/**
 * Postal code where the vehicle is located.
 */
export type PostalCode = string
/**
 * Make or brand of the vehicle.
 */
export type Make = string
/**
 * Model of the vehicle.
 */
export type Model = string
/**
 * Model year of the vehicle (YYYY).
 */
export type Year = number
/**
 * Whether the vehicle is new, used or certified pre-owned.
 */
export type StateOfVehicle = 'New' | 'Used' | 'CPO'
/**
 * Mileage of the vehicle; 0 for new.
 */
export type MileageValue = number
/**
 * Unit of the mileage: miles (MI) or kilometres (KM).
 */
export type MileageUnit = 'MI' | 'KM'
/**
 * Exterior color of the vehicle.
 */
export type ExteriorColor = string
/**
 * Interior color of the vehicle.
 */
export type InteriorColor = string
/**
 * Transmission of the vehicle.
 */
export type Transmission = 'Automatic' | 'Manual' | 'Other'
/**
 * Body style of the vehicle.
 */
export type BodyStyle =
  | 'Convertible'
  | 'Coupe'
  | 'Crossover'
  | 'Hatchback'
  | 'Minivan'
  | 'Sedan'
  | 'SUV'
  | 'Truck'
  | 'Van'
  | 'Wagon'
  | 'Other'
/**
 * Fuel type of the vehicle.
 */
export type FuelType = 'Diesel' | 'Electric' | 'Flex' | 'Gasoline' | 'Hybrid' | 'Other'
/**
 * Drivetrain of the vehicle.
 */
export type Drivetrain = 'AWD' | 'FOUR_WD' | 'FWD' | 'RWD' | 'TWO_WD' | 'Other'
/**
 * Lowest price the user is looking for.
 */
export type PreferredPriceRangeMin = number
/**
 * Highest price the user is looking for.
 */
export type PreferredPriceRangeMax = number
/**
 * Trim of the vehicle.
 */
export type Trim = string
/**
 * Vehicle identification number (at most 17 characters).
 */
export type VIN = string
/**
 * Condition of the vehicle.
 */
export type Condition = 'Excellent' | 'Good' | 'Fair' | 'Poor' | 'Other'
/**
 * For ViewContent: tells soft-lead landing pages apart.
 */
export type ViewContentType = string
/**
 * For Search: tells other searches (such as a dealer lookup) apart from inventory search.
 */
export type SearchType = string
/**
 * For CompleteRegistration: tells kinds of registration apart.
 */
export type RegistrationType = string
/**
 * City of the hotel.
 */
export type HotelCity = string
/**
 * Region of the hotel.
 */
export type HotelRegion = string
/**
 * Country of the hotel.
 */
export type HotelCountry = string
/**
 * Hotel check-in date. Accepted formats: YYYYMMDD, YYYY-MM-DD, YYYY-MM-DDThh:mmTZD and YYYY-MM-DDThh:mm:ssTZD.
 */
export type CheckInDate = string
/**
 * Hotel check-out date. Accepted formats: YYYYMMDD, YYYY-MM-DD, YYYY-MM-DDThh:mmTZD and YYYY-MM-DDThh:mm:ssTZD.
 */
export type CheckOutDate = string
/**
 * Number of adults travelling.
 */
export type NumberOfAdults = number
/**
 * Number of children travelling.
 */
export type NumberOfChildren = number
/**
 * Number of infants travelling.
 */
export type NumberOfInfants = number
/**
 * Hotels suggested to the user: one ID or a list of IDs.
 */
export type SuggestedHotels = string[]
/**
 * Departure date of the outbound flight. Accepted formats: YYYYMMDD, YYYY-MM-DD, YYYY-MM-DDThh:mmTZD and YYYY-MM-DDThh:mm:ssTZD.
 */
export type DepartingDepartureDate = string
/**
 * Arrival date of the outbound flight. Accepted formats: YYYYMMDD, YYYY-MM-DD, YYYY-MM-DDThh:mmTZD and YYYY-MM-DDThh:mm:ssTZD.
 */
export type DepartingArrivalDate = string
/**
 * Departure date of the return flight. Accepted formats: YYYYMMDD, YYYY-MM-DD, YYYY-MM-DDThh:mmTZD and YYYY-MM-DDThh:mm:ssTZD.
 */
export type ReturningDepartureDate = string
/**
 * Arrival date of the return flight. Accepted formats: YYYYMMDD, YYYY-MM-DD, YYYY-MM-DDThh:mmTZD and YYYY-MM-DDThh:mm:ssTZD.
 */
export type ReturningArrivalDate = string
/**
 * IATA code of the origin airport.
 */
export type OriginAirport = string
/**
 * IATA code of the destination airport.
 */
export type DestinationAirport = string
/**
 * IDs of destinations of your catalog linked to this event: one ID or a list of IDs.
 */
export type DestinationIDs = string[]
/**
 * Class of the flight ticket.
 */
export type TravelClass = 'eco' | 'prem' | 'bus' | 'first'
/**
 * How valuable this potential customer is to you, on your own scale.
 */
export type UserScore = number
/**
 * Number of stops the user prefers; 0 for a direct flight.
 */
export type PreferredNumberOfStops = number
/**
 * First day of the trip. Accepted formats: YYYYMMDD, YYYY-MM-DD, YYYY-MM-DDThh:mmTZD and YYYY-MM-DDThh:mm:ssTZD.
 */
export type TravelStart = string
/**
 * Last day of the trip. Accepted formats: YYYYMMDD, YYYY-MM-DD, YYYY-MM-DDThh:mmTZD and YYYY-MM-DDThh:mm:ssTZD.
 */
export type TravelEnd = string
/**
 * IDs of destinations suggested to the user: one ID or a list of IDs.
 */
export type SuggestedDestinations = string[]
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
  event_source?: EventSource
  event_spec_type?: AdditionalFields
  event: EventName
  event_id?: EventID
  timestamp?: EventTimestamp
  phone_number?: PhoneNumber
  default_phone_country?: DefaultPhoneCountry
  email?: Email
  first_name?: FirstName
  last_name?: LastName
  address?: Address
  order_id?: OrderID
  shop_id?: ShopID
  external_id?: ExternalID
  ttclid?: TikTokClickID
  ttp?: TikTokCookieID
  locale?: Locale
  url?: PageURL
  referrer?: PageReferrer
  ip?: IPAddress
  user_agent?: UserAgent
  contents?: Contents
  content_ids?: ContentIDs
  num_items?: NumberOfItems
  content_type?: ContentType
  currency?: Currency
  value?: Value
  description?: Description
  query?: Query
  limited_data_use?: LimitedDataUse
  test_event_code?: TestEventCode
  delivery_category?: DeliveryCategory
  predicted_ltv?: PrediectedLifetimeValue
  search_string?: SearchString
  crm_event_set_id?: CRMEventSetID
  lead_fields?: CRMFields
  vehicle_fields?: VehicleFields
  travel_fields?: TravelFields
  enable_batching?: BatchDataToTikTok
  batch_size?: BatchSize
  batch_keys?: BatchKeys
}
/**
 * The address of the customer.
 */
export interface Address {
  city?: City
  state?: State
  country?: Country
  zip_code?: ZipCode
}
/**
 * Fields related to CRM events.
 */
export interface CRMFields {
  lead_id?: TikTokLeadID
  lead_event_source?: TikTokLeadEventSource
}
/**
 * Fields related to vehicle events.
 */
export interface VehicleFields {
  postal_code?: PostalCode
  make?: Make
  model?: Model
  year?: Year
  state_of_vehicle?: StateOfVehicle
  mileage_value?: MileageValue
  mileage_unit?: MileageUnit
  exterior_color?: ExteriorColor
  interior_color?: InteriorColor
  transmission?: Transmission
  body_style?: BodyStyle
  fuel_type?: FuelType
  drivetrain?: Drivetrain
  preferred_price_range_min?: PreferredPriceRangeMin
  preferred_price_range_max?: PreferredPriceRangeMax
  trim?: Trim
  vin?: VIN
  condition_of_vehicle?: Condition
  viewcontent_type?: ViewContentType
  search_type?: SearchType
  registration_type?: RegistrationType
}
/**
 * Fields related to travel events.
 */
export interface TravelFields {
  city?: HotelCity
  region?: HotelRegion
  country?: HotelCountry
  checkin_date?: CheckInDate
  checkout_date?: CheckOutDate
  num_adults?: NumberOfAdults
  num_children?: NumberOfChildren
  num_infants?: NumberOfInfants
  suggested_hotels?: SuggestedHotels
  departing_departure_date?: DepartingDepartureDate
  departing_arrival_date?: DepartingArrivalDate
  returning_departure_date?: ReturningDepartureDate
  returning_arrival_date?: ReturningArrivalDate
  origin_airport?: OriginAirport
  destination_airport?: DestinationAirport
  destination_ids?: DestinationIDs
  travel_class?: TravelClass
  user_score?: UserScore
  preferred_num_stops?: PreferredNumberOfStops
  travel_start?: TravelStart
  travel_end?: TravelEnd
  suggested_destinations?: SuggestedDestinations
}
