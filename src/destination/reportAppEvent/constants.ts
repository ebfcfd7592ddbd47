/** The Event Source of every app event. */
export const APP = 'app'

/** Values of App Tracking Transparency Status; AUTO works it out from the device. */
export const ATT_STATUSES = ['AUTHORIZED', 'DENIED', 'NOT_DETERMINED', 'RESTRICTED', 'NOT_APPLICABLE', 'AUTO'] as const
export const AUTO = 'AUTO'

/** App events about products, whose every content item needs a Content ID (as Segment's App Events requires). */
export const PRODUCT_EVENTS: ReadonlySet<string> = new Set([
  'AddToCart',
  'AddToWishlist',
  'Checkout',
  'Purchase',
  'ViewContent'
])
