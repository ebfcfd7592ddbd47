/**
 * A corpus of web sessions, the same every run (a seeded generator): people who visit on one to three
 * devices (a new anonymousId each), some of them from a TikTok ad click (the landing page's URL has a
 * ttclid), most of them identify (email and phone as traits) before or after buying, and buy once or
 * twice from any of their devices, as analytics.js sends it: the purchase carries no email and no
 * ttclid, the userId once the device has identified. A few purchases come from a server with the email.
 */
import type { SegmentEvent } from '@segment/actions-core'

export interface CorpusShape {
  people: number
  /** Share of people who came from an ad click. */
  clicked: number
  /** Share of people who identify at some point. */
  identify: number
  /** Of those, the share who identify before their first purchase. */
  identifyFirst: number
  /** Share of purchases sent by a server, with the email. */
  serverSide: number
}

export const DEFAULT_SHAPE: CorpusShape = {
  people: 2_000,
  clicked: 0.4,
  identify: 0.7,
  identifyFirst: 0.5,
  serverSide: 0.15
}

/** mulberry32: a small seeded generator, so every run has the same corpus. */
function generator(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The corpus's events, in the order they happen (person after person, each person's in time order). */
export function sessionCorpus(shape: CorpusShape = DEFAULT_SHAPE, seed = 18): SegmentEvent[] {
  const random = generator(seed)
  const events: SegmentEvent[] = []
  let message = 0
  const stamp = (event: object) => events.push({ messageId: `s-${++message}`, ...event } as SegmentEvent)
  for (let p = 0; p < shape.people; p++) {
    const userId = `user-${p}`
    const email = `person${p}@example.com`
    const phone = `+1415555${String(p % 10_000).padStart(4, '0')}`
    const devices = Array.from({ length: random() < 0.6 ? 1 : random() < 0.75 ? 2 : 3 }, (_, d) => `anon-${p}-${d}`)
    const identified = new Set<string>()
    const clicked = random() < shape.clicked
    const identifies = random() < shape.identify
    const identifyFirst = random() < shape.identifyFirst
    const purchases = random() < 0.7 ? 1 : 2
    const identifyOn = (device: string) => {
      stamp({ type: 'identify', anonymousId: device, userId, traits: { email, phone, firstName: `P${p}` } })
      identified.add(device)
    }
    // The first visit: from the ad when clicked.
    const landing = clicked ? `https://shop.example.com/?ttclid=E.C.P.click-${p}` : 'https://shop.example.com/'
    stamp({ type: 'page', anonymousId: devices[0], context: { page: { url: landing } } })
    if (identifies && identifyFirst) identifyOn(devices[0])
    for (let k = 0; k < purchases; k++) {
      const device = devices[Math.floor(random() * devices.length)]
      if (device !== devices[0]) {
        stamp({ type: 'page', anonymousId: device, context: { page: { url: 'https://shop.example.com/' } } })
        // Someone who identified once logs in on their other devices too.
        if (identified.size) identifyOn(device)
      }
      const order = { order_id: `order-${p}-${k}`, revenue: 40 + k, currency: 'USD' }
      if (random() < shape.serverSide) {
        stamp({ type: 'track', event: 'Order Completed', userId, properties: { ...order, email } })
      } else {
        const user = identified.has(device) ? { userId } : {}
        stamp({ type: 'track', event: 'Order Completed', anonymousId: device, ...user, properties: order })
      }
      if (identifies && !identifyFirst && k === 0) identifyOn(device)
    }
  }
  return events
}
