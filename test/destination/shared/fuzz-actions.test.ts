/**
 * Random variations of mobile and in-store events through Report App Event and Track Offline
 * Conversion in batches (fast-check, fixed seed). Every PII value and every advertising ID carries the
 * marker "piimark", which no hash can contain: finding it in a body means it was sent unhashed.
 */
import { createTestIntegration } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import fc from 'fast-check'
import nock from 'nock'
import destination from '../../../src/destination'
import { appPresets } from '../../../src/destination/presets'
import type { TikTokRequestBody } from '../../../src/destination/tiktok/types'
import * as fixtures from '../../fixtures/mobile-events'
import { SETTINGS, TIKTOK, TRACK_PATH } from '../../helpers'

const MARKER = 'piimark'
const testDestination = createTestIntegration(destination)
const settings = { ...SETTINGS, appID: '7301', offlineEventSetID: '7123' }

let bodies: TikTokRequestBody[] = []
beforeEach(() => {
  bodies = []
  nock(TIKTOK)
    .persist()
    .post(TRACK_PATH)
    .reply((_uri, body) => {
      bodies.push(body as TikTokRequestBody)
      return [200, { code: 0, message: 'OK' }, { 'content-type': 'application/json' }]
    })
})

const junk = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null))
const pii = fc
  .tuple(fc.string({ maxLength: 6 }), fc.constantFrom('', ' ', '\u200b'), fc.boolean())
  .map(([text, pad, upper]) => `${pad}${text}${upper ? MARKER.toUpperCase() : MARKER}${pad}`)
const maybe = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: junk })

/** A fixture with its identifiers, device and products varied. */
const events: fc.Arbitrary<SegmentEvent> = fc
  .record({
    base: fc.constantFrom(
      ...Object.values(fixtures).filter((value): value is SegmentEvent => typeof value === 'object')
    ),
    email: maybe(pii),
    phone: maybe(pii),
    userId: fc.oneof(pii, fc.constant(null)),
    advertisingId: maybe(pii),
    type: maybe(fc.constantFrom('ios', 'android', 'IOS', 'Android', 'tvos')),
    version: maybe(fc.oneof(fc.constantFrom('13.7', '14.0', '17.4', 'beta'), fc.integer({ min: 10, max: 18 }))),
    tracking: maybe(fc.boolean()),
    price: maybe(fc.double({ min: 0, max: 1e4, noNaN: true })),
    productId: maybe(fc.string({ maxLength: 8 })),
    // An hour ago (ISO, then epoch seconds), two that cannot be read, and two out of TikTok's window.
    timestamp: maybe(
      fc.constantFrom(
        new Date(Date.now() - 3_600_000).toISOString(),
        String(Math.floor(Date.now() / 1000) - 3600),
        'tomorrow',
        '2026-02-30',
        '1970-01-01T00:00:00Z',
        '2100-01-01T00:00:00Z'
      )
    )
  })
  .map(({ base, email, phone, userId, advertisingId, type, version, tracking, price, productId, timestamp }) => {
    const context = (base.context ?? {}) as Record<string, Record<string, unknown>>
    return {
      ...base,
      userId,
      timestamp,
      context: {
        ...context,
        traits: { email, phone },
        device: { ...context.device, type, advertisingId, adTrackingEnabled: tracking },
        os: { ...context.os, version }
      },
      properties: { ...base.properties, products: [{ product_id: productId, price, quantity: 1 }] }
    } as unknown as SegmentEvent
  })

const MAPPINGS: [string, JSONObject][] = [
  ['reportAppEvent', appPresets[0].mapping as JSONObject],
  ['reportOfflineEvent', { event: 'CompletePayment' }]
]

describe.each(MAPPINGS)('%s with messy events', (action, mapping) => {
  it('gives N statuses for N events, sends no PII or advertising ID unhashed, and an integer event_time', async () => {
    let delivered = 0
    let total = 0
    await fc.assert(
      fc.asyncProperty(fc.array(events, { minLength: 1, maxLength: 20 }), async (batch) => {
        bodies = []
        await testDestination.testBatchAction(action, { events: batch, mapping, settings, useDefaultMappings: true })
        const statuses = testDestination.results[0].multistatus ?? []
        expect(statuses).toHaveLength(batch.length)
        for (const status of statuses) {
          if ('errormessage' in status) expect(status.errormessage.toLowerCase()).not.toContain(MARKER)
        }
        expect(JSON.stringify(bodies).toLowerCase()).not.toContain(MARKER)
        for (const body of bodies) for (const event of body.data) expect(Number.isInteger(event.event_time)).toBe(true)
        const ok = statuses.filter((status) => status.status === 200).length
        expect(bodies.reduce((sum, body) => sum + body.data.length, 0)).toBe(ok)
        delivered += ok
        total += batch.length
      }),
      { seed: 20261128, numRuns: 60 }
    )
    // Not vacuous: many reach TikTok (an app event needs context.app, which web fixtures lack; a
    // Purchase needs a Content ID on each product; an offline one an identifier).
    expect(delivered / total).toBeGreaterThan(0.2)
  })
})
