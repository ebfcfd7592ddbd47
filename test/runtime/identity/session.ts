/** The web session of issue 18, as analytics.js sends it, and what TikTok received of it. */
import { sha } from '../../helpers'
import { post, printedEvents, type TestRuntime } from '../helpers'

export const EMAIL = 'Ada.Lovelace@Example.com'
export const PHONE = '+1 (415) 555-0142'
export const HASHED_EMAIL = sha('ada.lovelace@example.com')
export const HASHED_PHONE = sha('+14155550142')
export const TTCLID = 'E.C.P.xyz'

let n = 0
const id = () => `m-${++n}`

export const page = (anonymousId: string) => ({
  type: 'page',
  messageId: id(),
  anonymousId,
  context: { page: { url: `https://shop.example.com/?ttclid=${TTCLID}` } }
})

export const identify = (anonymousId: string, userId: string) => ({
  type: 'identify',
  messageId: id(),
  anonymousId,
  userId,
  traits: { email: EMAIL, phone: PHONE, firstName: 'Ada', lastName: 'Lovelace' }
})

export const purchase = (anonymousId: string, userId: string | undefined, orderId: string, extra: object = {}) => ({
  type: 'track',
  event: 'Order Completed',
  messageId: id(),
  anonymousId,
  userId,
  properties: { order_id: orderId, revenue: 42, currency: 'USD' },
  ...extra
})

/** Sends events one request each (as a browser does), in order. */
export async function send(url: string, ...events: object[]) {
  for (const event of events) {
    const { status } = await post(`${url}/v1/${(event as { type: string }).type}`, event)
    if (status !== 200) throw new Error(`the runtime answered ${status}`)
  }
}

/** The CompletePayment TikTok received for an order (dry-run). */
export function sentOrder(test: TestRuntime, orderId: string) {
  return printedEvents(test).find((event) => event.event === 'CompletePayment' && event.properties.order_id === orderId)
}
