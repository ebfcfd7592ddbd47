/**
 * One realistic Segment event per preset, for the demo, the tests and the event tester, and for the
 * tester a mobile event of each platform and an in-store sale. Each event carries the PII a real one
 * would (email, phone, names), so what the destination sends for it shows the hashing at work. The
 * values are invented; the mobile ones have the context analytics-swift and analytics-kotlin fill.
 * None has a timestamp: each is sent as happening now (a fixed one would fall out of TikTok's window,
 * see EVENT_TIME_WINDOW).
 */
import type { SegmentEvent } from '@segment/actions-core'

const context = {
  ip: '203.0.113.7',
  userAgent:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  locale: 'en-US',
  page: {
    path: '/shoes/trail-runner',
    referrer: 'https://www.tiktok.com/',
    title: 'Trail Runner',
    url: 'https://shop.example.com/shoes/trail-runner?ttclid=E.C.P.sampleClickId'
  },
  traits: {
    email: ' Alice.Doe@Example.com ',
    phone: '(415) 555-0100',
    first_name: 'Alice',
    last_name: 'Doe',
    address: { city: 'San Francisco', state: 'CA', country: 'US', postal_code: '94107' }
  }
}

const shoe = {
  product_id: 'sku-1001',
  name: 'Trail Runner',
  category: 'Shoes',
  brand: 'Northwind',
  price: 89.5,
  quantity: 1
}
const socks = {
  product_id: 'sku-2002',
  name: 'Wool Socks',
  category: 'Accessories',
  brand: 'Northwind',
  price: 12,
  quantity: 2
}

function sample(messageId: string, event: Partial<SegmentEvent>): SegmentEvent {
  return {
    type: 'track',
    messageId,
    userId: 'user-8431',
    anonymousId: 'anon-5e1c2d',
    context,
    properties: {},
    ...event
  } as SegmentEvent
}

/** Preset name → a Segment event its trigger matches. */
export const sampleEvents: Record<string, SegmentEvent> = {
  Download: sample('sample-download', {
    event: 'Download Link Clicked',
    properties: { url: 'https://shop.example.com/catalog.pdf' }
  }),
  'Add Payment Info': sample('sample-add-payment-info', {
    event: 'Payment Info Entered',
    properties: { checkout_id: 'co-77', order_id: 'order-5001', payment_method: 'card', products: [shoe] }
  }),
  Contact: sample('sample-contact', {
    event: 'Callback Started',
    properties: { description: 'Asked for a call back' }
  }),
  'Initiate Checkout': sample('sample-initiate-checkout', {
    event: 'Checkout Started',
    properties: { order_id: 'order-5001', value: 113.5, revenue: 113.5, currency: 'usd', products: [shoe, socks] }
  }),
  'Complete Payment': sample('sample-complete-payment', {
    event: 'Order Completed',
    properties: { order_id: 'order-5001', revenue: 113.5, currency: 'usd', products: [shoe, socks] }
  }),
  'Click Button': sample('sample-click-button', { event: 'Product Clicked', properties: { ...shoe, currency: 'USD' } }),
  'Add to Wishlist': sample('sample-add-to-wishlist', {
    event: 'Product Added to Wishlist',
    properties: { ...shoe, wishlist_id: 'wl-3', currency: 'USD' }
  }),
  Search: sample('sample-search', { event: 'Products Searched', properties: { query: 'trail running shoes' } }),
  'View Content': sample('sample-view-content', {
    event: 'Product Viewed',
    properties: { ...shoe, value: 89.5, currency: 'USD' }
  }),
  'Submit Form': sample('sample-submit-form', { event: 'Form Submitted', properties: { form_id: 'newsletter' } }),
  Subscribe: sample('sample-subscribe', {
    event: 'Subscription Created',
    properties: { plan: 'runner-club', value: 9.99, currency: 'USD', predicted_ltv: 120 }
  }),
  'Place an Order': sample('sample-place-an-order', {
    event: 'Order Placed',
    properties: {
      order_id: 'order-5002',
      value: 89.5,
      currency: 'USD',
      products: [shoe],
      delivery_category: 'home_delivery'
    }
  }),
  'Page View': sample('sample-page-view', {
    type: 'page',
    name: 'Trail Runner',
    properties: { title: 'Trail Runner' }
  }),
  'Complete Registration': sample('sample-complete-registration', {
    event: 'Signed Up',
    properties: { method: 'email' }
  }),
  'Add to Cart': sample('sample-add-to-cart', {
    event: 'Product Added',
    properties: { ...shoe, cart_id: 'cart-9', currency: 'USD', value: 89.5 }
  })
}

/**
 * The context analytics-swift fills on an iPhone, with the IDFA its IDFACollection plugin adds once
 * the user allowed tracking (`context.device.advertisingId`, `adTrackingEnabled`).
 */
const iosContext = {
  library: { name: 'analytics-swift', version: '1.7.2' },
  instanceId: '0F3E0B6C-9B5D-4C7A-8E21-5D6F7A8B9C0D',
  app: { name: 'Northwind', version: '4.2.0', build: '412', namespace: 'com.example.northwind' },
  device: {
    manufacturer: 'Apple',
    type: 'ios',
    model: 'iPhone15,2',
    name: 'iPhone',
    id: '5D8C6A0E-3B9F-4E1D-A2C7-6F0B1E2D3C4A',
    advertisingId: '7A3CBEA0-BDF5-11E4-8DFC-AA07A5B093DB',
    adTrackingEnabled: true,
    trackingStatus: 'authorized'
  },
  os: { name: 'iOS', version: '17.4' },
  screen: { width: 393, height: 852 },
  network: { wifi: true, cellular: false, bluetooth: false },
  locale: 'en-US',
  timezone: 'America/Los_Angeles',
  userAgent:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  ip: '203.0.113.24',
  traits: { email: ' Alice.Doe@Example.com ', phone: '+1 (415) 555-0100' }
}

/**
 * The context analytics-kotlin fills on an Android phone (it overwrites app, device and os; its app
 * version and OS version may be numbers), with the GAID its advertising-id plugin adds.
 */
const androidContext = {
  library: { name: 'analytics-kotlin', version: '1.15.0' },
  instanceId: '49f19161-6d56-4024-b23d-7f32d6ab9982',
  app: { name: 'Northwind', version: '4.2.0', namespace: 'com.example.northwind', build: '412' },
  device: {
    id: '87bc73d4e4ca1608da083c14b5b0e8bc4cc5e4a5c9f2b7e1d0a3f6c8b9e21586',
    manufacturer: 'Google',
    model: 'Pixel 8',
    name: 'shiba',
    type: 'android',
    advertisingId: '38400000-8CF0-11BD-B23E-10B96E40000D',
    adTrackingEnabled: true
  },
  os: { name: 'Android', version: 14 },
  screen: { density: 2.625, height: 2400, width: 1080 },
  network: { wifi: true, bluetooth: false, cellular: false },
  locale: 'en-US',
  userAgent: 'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP1A.240405.002)',
  timezone: 'America/Chicago',
  ip: '203.0.113.25',
  traits: { email: 'bruno.silva@example.com' }
}

const merinoTee = {
  product_id: 'sku-5005',
  name: 'Merino Tee',
  category: 'Shirts',
  brand: 'Contoso',
  price: 38,
  quantity: 1
}

function mobileSample(messageId: string, context: object, event: Partial<SegmentEvent>): SegmentEvent {
  return sample(messageId, { context, ...event } as Partial<SegmentEvent>)
}

const iosSample = (messageId: string, event: Partial<SegmentEvent>) => mobileSample(messageId, iosContext, event)

/** App preset name → an iOS event (as analytics-swift sends it) its trigger matches. */
export const appSampleEvents: Record<string, SegmentEvent> = {
  'Complete payment (app)': iosSample('sample-app-complete-payment', {
    event: 'Order Completed',
    properties: { order_id: 'order-7001', revenue: 113.5, currency: 'USD', products: [shoe, socks] }
  }),
  'Add payment information (app)': iosSample('sample-app-add-payment-info', {
    event: 'Payment Info Entered',
    properties: { checkout_id: 'co-78', payment_method: 'apple_pay', products: [shoe] }
  }),
  'Place an order (app)': iosSample('sample-app-place-an-order', {
    event: 'Checkout Started',
    properties: { order_id: 'order-7001', value: 113.5, currency: 'USD', products: [shoe, socks] }
  }),
  'Search (app)': iosSample('sample-app-search', {
    event: 'Products Searched',
    properties: { query: 'trail running shoes', search_string: 'trail running shoes' }
  }),
  'View details (app)': iosSample('sample-app-view-details', {
    event: 'Product Viewed',
    properties: { ...shoe, value: 89.5, currency: 'USD' }
  }),
  'Add to cart (app)': iosSample('sample-app-add-to-cart', {
    event: 'Product Added',
    properties: { ...shoe, value: 89.5, currency: 'USD' }
  }),
  'Add to wishlist (app)': iosSample('sample-app-add-to-wishlist', {
    event: 'Product Added to Wishlist',
    properties: { ...shoe, value: 89.5, currency: 'USD' }
  }),
  'Install the app (app)': iosSample('sample-app-install', {
    event: 'Application Installed',
    properties: { version: '4.2.0', build: '412' }
  }),
  'Launch the app (app)': iosSample('sample-app-launch', {
    event: 'Application Opened',
    properties: { from_background: false, version: '4.2.0', build: '412' }
  }),
  'Log in successfully (app)': iosSample('sample-app-login', { event: 'Signed In', properties: { method: 'email' } }),
  'Complete the registration (app)': iosSample('sample-app-registration', {
    event: 'Signed Up',
    properties: { method: 'email' }
  })
}

/** A sale in a shop, as a point-of-sale or CRM system sends it to the Tracking API (a server: a web source). */
export const offlineSampleEvent: SegmentEvent = sample('sample-in-store-purchase', {
  event: 'Order Completed',
  context: {
    library: { name: 'analytics-node', version: '2.1.2' },
    traits: { email: ' Alice.Doe@Example.com ', phone: '(415) 555-0100' }
  },
  properties: {
    order_id: 'pos-88412',
    shop_id: 'store-sf-01',
    channel: 'in_store',
    revenue: 64.25,
    currency: 'USD',
    products: [{ product_id: 'sku-4004', name: 'Day Pack 20L', category: 'Bags', price: 64.25, quantity: 1 }]
  }
})

/** What the event tester offers: a web event per preset, a mobile event of each platform, an in-store sale. */
export const testerSamples: Record<string, SegmentEvent> = {
  ...sampleEvents,
  'iOS app: Order Completed (analytics-swift)': appSampleEvents['Complete payment (app)'],
  'Android app: Order Completed (analytics-kotlin)': mobileSample('sample-android-order', androidContext, {
    event: 'Order Completed',
    userId: 'user-5120',
    anonymousId: '1f0e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
    properties: { order_id: 'order-7002', revenue: 38, currency: 'USD', products: [merinoTee] }
  }),
  'In-store purchase (offline mapping)': offlineSampleEvent
}
