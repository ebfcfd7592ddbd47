import type { Preset } from '@segment/actions-core'
import { defaultMapping } from './reportWebEvent/fields'
import { singleProductContents } from './reportWebEvent/fields/properties'

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
export const presets: Preset[] = [
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
