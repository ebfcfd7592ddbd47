/**
 * Report Offline Event (Track Offline Conversion) through actions-core: the exact body TikTok
 * receives for an in-store sale, and the refusal of one TikTok could never match.
 */
import { createTestIntegration } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import destination from '../../../src/destination'
import { mockTikTok, SETTINGS, sendingAt, sha } from '../../helpers'

sendingAt()

const EVENT_SET = '7123456789012345678'
const OFFLINE_SETTINGS = { ...SETTINGS, offlineEventSetID: EVENT_SET }
const testDestination = createTestIntegration(destination)
/** The offline mapping of docs/runtime.md: CompletePayment, over the field defaults (contents from products[]). */
const MAPPING: JSONObject = { event: 'CompletePayment' }

/** A sale in a shop, as a point-of-sale system sends it with analytics-node. */
const inStore = (extra: Partial<SegmentEvent> = {}, properties: object = {}): SegmentEvent =>
  ({
    type: 'track',
    event: 'Order Completed',
    messageId: 'pos-msg-1',
    timestamp: '2026-11-02T10:15:30.000Z',
    userId: 'Member-0042',
    context: {
      library: { name: '@segment/analytics-node', version: '2.1.2' },
      traits: { email: ' Alice.Doe@Example.com ', phone: '+1 (415) 555-0100' }
    },
    properties: {
      order_id: 'pos-88412',
      shop_id: 'store-sf-01',
      revenue: 64.25,
      currency: 'usd',
      products: [{ product_id: 'sku-4004', name: 'Day Pack 20L', category: 'Bags', price: 64.25, quantity: 1 }],
      ...properties
    },
    ...extra
  }) as SegmentEvent

async function send(event: SegmentEvent, mapping: JSONObject = {}, settings: object = OFFLINE_SETTINGS) {
  const { captured } = mockTikTok()
  await testDestination.testAction('reportOfflineEvent', {
    event,
    mapping: { ...MAPPING, ...mapping },
    settings: settings as typeof OFFLINE_SETTINGS,
    useDefaultMappings: true
  })
  return captured.bodies
}

describe('Report Offline Event', () => {
  it('sends an in-store purchase to the offline event set: hashed email, phone and external ID, order, shop, value, currency', async () => {
    expect(await send(inStore())).toEqual([
      {
        event_source: 'offline',
        event_source_id: EVENT_SET,
        partner_name: 'Segment',
        data: [
          {
            event: 'CompletePayment',
            event_time: 1793614530,
            event_id: 'pos-msg-1',
            user: {
              email: [sha('alice.doe@example.com')],
              phone: [sha('+14155550100')],
              external_id: [sha('member-0042')]
            },
            properties: {
              contents: [
                {
                  price: 64.25,
                  quantity: 1,
                  content_id: 'sku-4004',
                  content_category: 'Bags',
                  content_name: 'Day Pack 20L'
                }
              ],
              content_type: 'product',
              currency: 'USD',
              value: 64.25,
              order_id: 'pos-88412',
              shop_id: 'store-sf-01'
            }
          }
        ]
      }
    ])
  })

  it('refuses an event with no email, phone or external ID, by name, and sends nothing', async () => {
    const { scope } = mockTikTok()
    const nobody = inStore({ userId: undefined, anonymousId: undefined, context: {} })
    await expect(send(nobody)).rejects.toThrow(
      'An offline event needs an Email (email_addresses), a Phone Number (phone_numbers) or an External ID (external_ids): this one has none that can be sent.'
    )
    // An identifier that normalizes to nothing does not count.
    await expect(send(nobody, { email_addresses: ' ', phone_numbers: 'n/a' })).rejects.toThrow(/needs an Email/)
    expect(scope.isDone()).toBe(false)
  })

  it('refuses by name when no offline event set is in the settings', async () => {
    await expect(send(inStore(), {}, SETTINGS)).rejects.toThrow(
      'Offline Event Set ID (offlineEventSetID) is missing from the settings: offline events are sent to it.'
    )
  })

  it('takes the ttclid from the page URL, puts the test event code at the top level, never sends limited data use', async () => {
    const [body] = await send(
      inStore(
        { context: { page: { url: 'https://shop.example.com/pickup?ttclid=E.C.P.store' } }, userId: 'u-1' },
        {
          limited_data_use: true,
          lead_id: 'lead-9'
        }
      ),
      { test_event_code: 'TEST42' }
    )
    expect(body.test_event_code).toBe('TEST42')
    expect(body.data[0]).not.toHaveProperty('test_event_code')
    expect(body.data[0]).not.toHaveProperty('limited_data_use')
    expect(body.data[0].user).toMatchObject({ ttclid: 'E.C.P.store', lead_id: 'lead-9', external_id: [sha('u-1')] })
    expect(body.data[0].page).toEqual({ url: 'https://shop.example.com/pickup?ttclid=E.C.P.store' })
  })

  it('in a batch, refuses only the event without an identifier; the others go in one request', async () => {
    const { captured } = mockTikTok()
    const events = [
      inStore({ messageId: 'a' }),
      inStore({ messageId: 'b', userId: undefined, anonymousId: undefined, context: {} }),
      inStore({ messageId: 'c' })
    ]
    await testDestination.testBatchAction('reportOfflineEvent', {
      events,
      mapping: MAPPING,
      settings: OFFLINE_SETTINGS,
      useDefaultMappings: true
    })
    const statuses = testDestination.results[0].multistatus ?? []
    expect(statuses.map((status) => status.status)).toEqual([200, 400, 200])
    expect(statuses[1]).toMatchObject({ errormessage: expect.stringMatching(/^An offline event needs an Email/) })
    expect(captured.bodies).toHaveLength(1)
    expect(captured.bodies[0].data.map((event) => event.event_id)).toEqual(['a', 'c'])
  })
})
