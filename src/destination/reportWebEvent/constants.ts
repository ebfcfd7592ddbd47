/** Values of the Event Source field. */
export const WEB = 'web'
export const CRM = 'crm'

/** Values of the Additional Fields field. */
export const TRAVEL_FIELDS = 'travel_fields'
export const VEHICLE_FIELDS = 'vehicle_fields'

/** TikTok's standard event names (Events API 2.0). Any other name must pass the custom-name rule. */
export const STANDARD_EVENTS = [
  'AddPaymentInfo',
  'AddToCart',
  'AddToWishlist',
  'ApplicationApproval',
  'ClickButton',
  'CompletePayment',
  'CompleteRegistration',
  'Contact',
  'CustomizeProduct',
  'Download',
  'FindLocation',
  'InitiateCheckout',
  'Lead',
  'PageView',
  'PlaceAnOrder',
  'Purchase',
  'Schedule',
  'Search',
  'StartTrial',
  'SubmitApplication',
  'SubmitForm',
  'Subscribe',
  'ViewContent'
] as const

/** Custom web event names: at most 50 characters, letters, digits, `_` and `-`, starting with a letter. */
export const CUSTOM_EVENT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,49}$/
