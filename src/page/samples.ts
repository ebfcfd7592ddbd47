/**
 * One realistic Segment event per preset, for the demo, the tests and the event tester. Each event
 * carries the PII a real one would (email, phone, names), so what the destination sends for it shows
 * the hashing at work. The values are invented. None has a timestamp: each is sent as happening now
 * (a fixed one would fall out of TikTok's window, see EVENT_TIME_WINDOW).
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
