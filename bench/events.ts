/**
 * N realistic Segment `Order Completed` track events, the same every run but for their times (see
 * START): what both destinations get.
 * Everything that identifies a buyer or an order varies with the event's index.
 */
import type { SegmentEvent } from '@segment/actions-core'

const FIRST_NAMES = ['Alice', 'Bruno', 'Chen', 'Dana', 'Emeka', 'Fatima', 'Gustav', 'Hana']
const LAST_NAMES = ['Doe', 'Silva', 'Wang', 'Cohen', 'Okafor', 'Haddad', 'Berg', 'Sato']
const CITIES = [
  { city: 'San Francisco', state: 'CA', postal_code: '94107' },
  { city: 'Austin', state: 'TX', postal_code: '78701' },
  { city: 'New York', state: 'NY', postal_code: '10001' },
  { city: 'Seattle', state: 'WA', postal_code: '98101' }
]
const CATALOG = [
  { product_id: 'sku-1001', name: 'Trail Runner', category: 'Shoes', brand: 'Northwind', price: 89.5 },
  { product_id: 'sku-2002', name: 'Wool Socks', category: 'Accessories', brand: 'Northwind', price: 12 },
  { product_id: 'sku-3003', name: 'Rain Shell', category: 'Jackets', brand: 'Contoso', price: 149 },
  { product_id: 'sku-4004', name: 'Day Pack 20L', category: 'Bags', brand: 'Fabrikam', price: 64.25 },
  { product_id: 'sku-5005', name: 'Merino Tee', category: 'Shirts', brand: 'Contoso', price: 38 }
]
const USER_AGENT =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15'
/**
 * Event i happened i seconds after this: the start of the day two weeks ago (UTC), so that a run's events
 * (up to 1,000,000 of them) are within TikTok's window (28 days back, see EVENT_TIME_WINDOW) and in the past.
 */
const START = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 14 * 86_400_000

const pick = <T>(list: T[], i: number) => list[i % list.length]
const hex = (i: number, width: number) => i.toString(16).padStart(width, '0')

export function orderCompleted(i: number): SegmentEvent {
  const products = [0, 1].map((k) => ({ ...pick(CATALOG, i + k * 2), quantity: 1 + ((i + k) % 3) }))
  const revenue = products.reduce((sum, { price, quantity }) => sum + price * quantity, 0)
  const place = pick(CITIES, i)
  return {
    type: 'track',
    event: 'Order Completed',
    messageId: `msg-${hex(i, 8)}-bench`,
    userId: `user-${100000 + i}`,
    anonymousId: `anon-${hex(i * 2654435761 + 1, 12).slice(-12)}`,
    timestamp: new Date(START + i * 1000).toISOString(),
    properties: {
      order_id: `order-${200000 + i}`,
      revenue: Math.round(revenue * 100) / 100,
      currency: 'USD',
      products,
      email: `buyer${i}@example.com`,
      phone: `+1 415 555 ${String(i % 10000).padStart(4, '0')}`
    },
    context: {
      ip: `203.0.${(i >> 8) % 256}.${i % 256}`,
      userAgent: USER_AGENT,
      locale: 'en-US',
      page: {
        url: `https://shop.example.com/checkout/complete?order=${200000 + i}&utm_source=tiktok&utm_medium=paid`,
        referrer: 'https://shop.example.com/checkout'
      },
      traits: {
        first_name: pick(FIRST_NAMES, i),
        last_name: pick(LAST_NAMES, i >> 3),
        address: { ...place, country: 'US' }
      }
    }
  }
}

export const orderCompletedEvents = (n: number): SegmentEvent[] =>
  Array.from({ length: n }, (_, i) => orderCompleted(i))

/**
 * The same order from an iPhone, as analytics-swift (with its IDFA plugin, tracking authorized) sends
 * it: an app event once a TikTok App ID is set. No page, no address; the IDFA and IDFV vary with i.
 */
export function appOrderCompleted(i: number): SegmentEvent {
  const { context, ...order } = orderCompleted(i)
  const uuid = (seed: number) => {
    const h = hex(seed * 2654435761 + 7, 32)
      .slice(-32)
      .toUpperCase()
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
  }
  return {
    ...order,
    context: {
      ip: context?.ip,
      locale: 'en-US',
      traits: context?.traits,
      library: { name: 'analytics-swift', version: '1.7.2' },
      app: { name: 'Northwind', version: '4.2.0', build: '412', namespace: 'com.example.northwind' },
      device: {
        manufacturer: 'Apple',
        type: 'ios',
        model: 'iPhone15,2',
        name: 'iPhone',
        id: uuid(i + 1),
        advertisingId: uuid(i + 1_000_003),
        adTrackingEnabled: true
      },
      os: { name: 'iOS', version: '17.4' },
      userAgent:
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148'
    }
  } as SegmentEvent
}

export const appOrderCompletedEvents = (n: number): SegmentEvent[] =>
  Array.from({ length: n }, (_, i) => appOrderCompleted(i))
