/**
 * Where a destination sends belongs to the definition: one built with destinationFor({ apiBaseUrl })
 * sends there, whatever another instance or the environment says; the default export, what a host
 * loads, follows TIKTOK_API_URL as each call starts.
 */
import { Destination, type JSONObject, type SegmentEvent } from '@segment/actions-core'
import destination, { destinationFor } from '../../src/destination'
import { CONNECTION_TEST_EVENT } from '../../src/destination/tiktok/api'
import { startStandIn } from '../runtime/helpers'
import { presetMapping, SETTINGS } from '../helpers'

const order = (id: string): SegmentEvent => ({
  type: 'track',
  event: 'Order Completed',
  messageId: id,
  userId: `user-${id}`,
  properties: { email: `${id}@example.com`, revenue: 10, currency: 'USD' }
})

const subscribed = {
  ...SETTINGS,
  subscription: {
    partnerAction: 'reportWebEvent',
    subscribe: 'type = "track"',
    mapping: presetMapping('Complete Payment')
  }
} as unknown as JSONObject

type Sent = { requests: { body: { data: { event: string; event_id?: string }[] } }[] }
const eventIds = (standIn: Sent) => standIn.requests.flatMap((request) => request.body.data.map((e) => e.event_id))

afterEach(() => {
  delete process.env.TIKTOK_API_URL
})

describe('destinationFor({ apiBaseUrl })', () => {
  it('sends events, batches and the connection test of each instance to its own URL, side by side', async () => {
    const [a, b] = [await startStandIn(), await startStandIn()]
    process.env.TIKTOK_API_URL = 'http://127.0.0.1:9' // neither instance reads it
    const [toA, toB] = [a, b].map(({ url }) => new Destination(destinationFor({ apiBaseUrl: url })))
    await Promise.all([
      toA.onEvent(order('a1'), subscribed),
      toB.onEvent(order('b1'), subscribed),
      toA.executeBatch('reportWebEvent', {
        events: [order('a2'), order('a3')],
        mapping: presetMapping('Complete Payment'),
        settings: SETTINGS
      }),
      toB.testAuthentication(SETTINGS)
    ])
    expect(eventIds(a).sort()).toEqual(['a1', 'a2', 'a3'])
    expect(b.requests.map((request) => request.body.data[0].event)).toEqual(
      expect.arrayContaining(['CompletePayment', CONNECTION_TEST_EVENT])
    )
    expect(eventIds(b)).toContain('b1')
    expect(b.requests).toHaveLength(2)
  })

  it('keeps the path of the Events API under a base given with a trailing slash', async () => {
    const standIn = await startStandIn()
    await new Destination(destinationFor({ apiBaseUrl: `${standIn.url}/` })).onEvent(order('s1'), subscribed)
    expect(eventIds(standIn)).toEqual(['s1'])
  })
})

describe('the default export', () => {
  it('sends to TIKTOK_API_URL as each call starts', async () => {
    const [first, second] = [await startStandIn(), await startStandIn()]
    const loaded = new Destination(destination)
    process.env.TIKTOK_API_URL = first.url
    await loaded.onEvent(order('first'), subscribed)
    process.env.TIKTOK_API_URL = second.url
    await loaded.onEvent(order('second'), subscribed)
    expect([eventIds(first), eventIds(second)]).toEqual([['first'], ['second']])
  })

  it('is a destinationFor() without a URL: the same definition, field for field', () => {
    expect(JSON.parse(JSON.stringify(destinationFor()))).toEqual(JSON.parse(JSON.stringify(destination)))
  })
})
