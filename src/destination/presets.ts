import { defaultValues } from '@segment/actions-core'
import type { Preset } from '@segment/actions-core'
import { fields } from './reportWebEvent/fields'
import { firstOf, path } from './reportWebEvent/fields/path'

/** A Segment ecommerce product (properties of a product event, or one of `properties.products[]`). */
const product = {
  content_id: firstOf('$.product_id', '$.id'),
  content_name: path('$.name'),
  content_category: path('$.category'),
  brand: path('$.brand'),
  price: path('$.price'),
  quantity: path('$.quantity')
}

/** Where a preset reads its Contents from. */
type Contents = 'none' | 'product' | 'products'

const contentsFrom: Record<Contents, object> = {
  none: {},
  product: { contents: { '@arrayPath': ['$.properties', product] } },
  products: { contents: { '@arrayPath': ['$.properties.products', product] } }
}

function preset(name: string, subscribe: string, event: string, contents: Contents = 'none'): Preset {
  return {
    name,
    subscribe,
    partnerAction: 'reportWebEvent',
    mapping: { ...defaultValues(fields), ...contentsFrom[contents], event },
    type: 'automatic'
  }
}

/** The product page's fifteen presets, in its order. */
export const presets: Preset[] = [
  preset('Download', 'event = "Download Link Clicked"', 'Download'),
  preset('Add Payment Info', 'event = "Payment Info Entered"', 'AddPaymentInfo', 'products'),
  preset('Contact', 'event = "Callback Started"', 'Contact'),
  preset('Initiate Checkout', 'event = "Checkout Started"', 'InitiateCheckout', 'products'),
  preset('Complete Payment', 'event = "Order Completed"', 'CompletePayment', 'products'),
  preset('Click Button', 'event = "Product Clicked"', 'ClickButton', 'product'),
  preset('Add to Wishlist', 'event = "Product Added to Wishlist"', 'AddToWishlist', 'product'),
  preset('Search', 'event = "Products Searched"', 'Search'),
  preset('View Content', 'event = "Product Viewed"', 'ViewContent', 'product'),
  preset('Submit Form', 'event = "Form Submitted"', 'SubmitForm'),
  preset('Subscribe', 'event = "Subscription Created"', 'Subscribe'),
  preset('Place an Order', 'event = "Order Placed"', 'PlaceAnOrder', 'products'),
  preset('Page View', 'type="page"', 'PageView'),
  preset('Complete Registration', 'event = "Signed Up"', 'CompleteRegistration'),
  preset('Add to Cart', 'event = "Product Added"', 'AddToCart', 'product')
]
