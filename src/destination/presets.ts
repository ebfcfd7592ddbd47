import type { Preset } from '@segment/actions-core'
import { defaultMapping as appDefaultMapping } from './reportAppEvent/fields'
import { defaultMapping } from './reportWebEvent/fields'
import { singleProductContents } from './reportWebEvent/fields/properties'
import { eachOf } from './shared/fields/path'
import { product } from './shared/fields/properties'

/**
 * What a single-product preset adds to the field defaults: its Contents fall back to the event's own
 * properties as the product when it has neither `properties.contents` nor `properties.products[]`.
 */
const SINGLE_PRODUCT = { contents: singleProductContents }

function preset(name: string, subscribe: string, event: string, extra: object = {}): Preset {
  return {
    name,
    subscribe,
    partnerAction: 'reportWebEvent',
    mapping: { ...defaultMapping(), ...extra, event },
    type: 'automatic'
  }
}

/** The product page's fifteen presets, in its order. */
export const webPresets: Preset[] = [
  preset('Download', 'event = "Download Link Clicked"', 'Download'),
  preset('Add Payment Info', 'event = "Payment Info Entered"', 'AddPaymentInfo'),
  preset('Contact', 'event = "Callback Started"', 'Contact'),
  preset('Initiate Checkout', 'event = "Checkout Started"', 'InitiateCheckout'),
  preset('Complete Payment', 'event = "Order Completed"', 'CompletePayment'),
  preset('Click Button', 'event = "Product Clicked"', 'ClickButton', SINGLE_PRODUCT),
  preset('Add to Wishlist', 'event = "Product Added to Wishlist"', 'AddToWishlist', SINGLE_PRODUCT),
  preset('Search', 'event = "Products Searched"', 'Search'),
  preset('View Content', 'event = "Product Viewed"', 'ViewContent', SINGLE_PRODUCT),
  preset('Submit Form', 'event = "Form Submitted"', 'SubmitForm'),
  preset('Subscribe', 'event = "Subscription Created"', 'Subscribe'),
  preset('Place an Order', 'event = "Order Placed"', 'PlaceAnOrder'),
  preset('Page View', 'type="page"', 'PageView'),
  preset('Complete Registration', 'event = "Signed Up"', 'CompleteRegistration'),
  preset('Add to Cart', 'event = "Product Added"', 'AddToCart', SINGLE_PRODUCT)
]

/** An app preset's trigger: its Segment event, from a mobile device (the type Segment's libraries send). */
export const fromMobile = (event: string) =>
  `event = "${event}" and (context.device.type = "ios" or context.device.type = "android")`

/** Contents of an app preset, as Segment's TikTok App Events maps them: each of `products[]`, or the event itself. */
const MULTI = { contents: eachOf('$.properties.products', product) }
const SINGLE = { contents: eachOf('$.properties', product) }

/** Segment's name of an app preset, marked as the app's: the web presets use some of the same names. */
export const appPresetName = (name: string) => `${name} (app)`

function appPreset(name: string, event: string, tiktokEvent: string, extra: object = {}): Preset {
  return {
    name: appPresetName(name),
    subscribe: fromMobile(event),
    partnerAction: 'reportAppEvent',
    mapping: { ...appDefaultMapping(), ...extra, event: tiktokEvent },
    type: 'automatic'
  }
}

/** Segment's TikTok App Events' eleven presets, in its order, each for events from a mobile device. */
export const appPresets: Preset[] = [
  appPreset('Complete payment', 'Order Completed', 'Purchase', MULTI),
  appPreset('Add payment information', 'Payment Info Entered', 'AddPaymentInfo', MULTI),
  appPreset('Place an order', 'Checkout Started', 'Checkout', MULTI),
  appPreset('Search', 'Products Searched', 'Search'),
  appPreset('View details', 'Product Viewed', 'ViewContent', SINGLE),
  appPreset('Add to cart', 'Product Added', 'AddToCart', SINGLE),
  appPreset('Add to wishlist', 'Product Added to Wishlist', 'AddToWishlist', SINGLE),
  appPreset('Install the app', 'Application Installed', 'InstallApp'),
  appPreset('Launch the app', 'Application Opened', 'LaunchAPP'),
  appPreset('Log in successfully', 'Signed In', 'Login'),
  appPreset('Complete the registration', 'Signed Up', 'Registration')
]

/** Every preset of the destination: the web ones, then the app ones. Offline has none (see docs/runtime.md). */
export const presets: Preset[] = [...webPresets, ...appPresets]
