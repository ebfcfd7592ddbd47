/**
 * Random and malformed Segment events through perform and performBatch (fast-check, fixed seed).
 * Every PII value carries the marker "piimark", which no hash can contain (it is not hex): finding it
 * in a body means raw PII was sent.
 */
import {
  createTestIntegration,
  IntegrationError,
  InvalidAuthenticationError,
  RetryableError
} from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import fc from 'fast-check'
import nock from 'nock'
import destination from '../../../src/destination'
import { webPresets } from '../../../src/destination/presets'
import type { TikTokRequestBody } from '../../../src/destination/tiktok/types'
import { SETTINGS, TIKTOK, TRACK_PATH } from '../../helpers'

const SEED = 20261126
const DAY = 86_400_000
const MARKER = 'piimark'

const testDestination = createTestIntegration(destination)

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

// Anything at all: wrong types, unicode, huge strings, nulls, arrays where scalars go and back.
const scalar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 2, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.string({ minLength: 5_000, maxLength: 20_000 }) }
)
const junk = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), scalar, { maxKeys: 3 }) }
)

/** A PII value: the marker amid random text, padded and cased at random. */
const piiOne = fc
  .tuple(
    fc.string({ maxLength: 8 }),
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.constantFrom('', ' ', '\t '),
    fc.boolean()
  )
  .map(([a, b, pad, upper]) => `${pad}${a}${upper ? MARKER.toUpperCase() : MARKER}${b}${pad}`)
const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 12 }))
const opt = { requiredKeys: [] as never[] }

/**
 * Segment events where each value is plausible `validWeight` times out of `validWeight + 1`, else
 * junk. A low weight hammers validation; a high one gets most events through to TikTok, exercising
 * normalization and hashing on messy but acceptable input.
 */
function segmentEvents(validWeight: number): fc.Arbitrary<SegmentEvent> {
  const or = <T>(valid: fc.Arbitrary<T>) =>
    fc.oneof({ weight: validWeight, arbitrary: valid }, { weight: 1, arbitrary: junk })
  const amount = or(fc.double({ min: -1e6, max: 1e6, noNaN: true }))
  const piiList = or(fc.oneof(piiOne, fc.array(piiOne, { maxLength: 3 }), fc.constant('')))
  const pii = or(piiOne)
  const url = or(
    fc.oneof(
      fc.webUrl({ withQueryParameters: true }),
      fc.constantFrom('http://[', 'javascript:alert(1)', '//no-scheme?ttclid=1', 'https://a.example/?ttclid=', '%%%')
    )
  )
  const timestamp = or(
    fc.oneof(
      // Within TikTok's window (28 days back) or ahead (sent as now); and two out of it.
      fc
        .date({ noInvalidDate: true, min: new Date(Date.now() - 27 * DAY), max: new Date(Date.now() + 5 * DAY) })
        .map((d) => d.toISOString()),
      fc.constantFrom(
        '2026-02-30',
        '',
        'NaN',
        String(Math.floor(Date.now() / 1000) - 3600), // epoch seconds, an hour ago
        'tomorrow',
        '9999-99-99',
        '2026-11-02T10:15:30+25:00',
        '1970-01-01T00:00:00Z',
        '2100-01-01T00:00:00Z'
      )
    )
  )
  const product = or(
    fc.record(
      {
        product_id: or(text),
        id: or(text),
        name: or(text),
        category: or(text),
        brand: or(text),
        price: amount,
        quantity: amount
      },
      opt
    )
  )
  return fc.record(
    {
      type: fc.constantFrom('track', 'page', 'identify', 'screen'),
      event: or(fc.constantFrom('Order Completed', 'Product Added', 'Products Searched', 'Signed Up')),
      messageId: or(fc.uuid()),
      timestamp,
      userId: fc.oneof(piiOne, fc.constant(null)),
      anonymousId: fc.oneof(piiOne, fc.constant(null)),
      context: fc.oneof(
        {
          weight: validWeight,
          arbitrary: fc.record(
            {
              ip: or(text),
              userAgent: or(text),
              locale: or(text),
              page: or(fc.record({ url, referrer: url }, opt)),
              traits: or(
                fc.record(
                  {
                    email: piiList,
                    phone: piiList,
                    first_name: pii,
                    last_name: pii,
                    firstName: pii,
                    address: or(
                      fc.record({ city: or(text), state: or(text), country: or(text), postal_code: pii }, opt)
                    )
                  },
                  opt
                )
              )
            },
            opt
          )
        },
        // actions-core itself throws a TypeError for `context: null`, before any action runs (it
        // destructures context.personas with defaults, which do not apply to null). The local runtime
        // drops a context that is not an object; here, every other kind of junk.
        { weight: 1, arbitrary: junk.filter((value) => value !== null) }
      ),
      properties: or(
        fc.record(
          {
            email: piiList,
            phone: piiList,
            first_name: pii,
            address: or(fc.record({ country: or(text), postal_code: pii }, opt)),
            revenue: amount,
            value: amount,
            currency: or(fc.constantFrom('USD', 'eur', ' Gbp ')),
            products: or(fc.array(product, { maxLength: 4 })),
            product_id: or(text),
            price: amount,
            quantity: amount,
            order_id: or(text),
            content_ids: or(fc.oneof(text, fc.array(text, { maxLength: 3 }))),
            query: or(text),
            ttclid: or(text),
            limited_data_use: or(fc.boolean()),
            lead_id: or(text)
          },
          opt
        )
      ),
      integrations: or(fc.record({ 'TikTok Conversions': fc.record({ ttclid: or(text), ttp: or(text) }, opt) }, opt))
    },
    { requiredKeys: ['type'] }
  ) as unknown as fc.Arbitrary<SegmentEvent>
}

/** A preset's mapping, sometimes turned into a crm, travel or vehicle mapping. */
const mapping = fc
  .tuple(
    fc.constantFrom(...webPresets),
    fc.constantFrom<JSONObject>(
      {},
      { event_source: 'crm', crm_event_set_id: 'CRMSET' },
      { event_source: 'crm' },
      { event_spec_type: 'travel_fields' },
      { event_spec_type: 'vehicle_fields' },
      { default_phone_country: 'United States' }
    )
  )
  .map(([preset, extra]) => ({ ...(preset.mapping as JSONObject), ...extra }))

const isActionsCoreError = (error: unknown) =>
  error instanceof IntegrationError ||
  error instanceof InvalidAuthenticationError ||
  error instanceof RetryableError ||
  (error instanceof Error && error.name === 'AggregateAjvError') // actions-core's schema validation

function checkBodies(maxEvents: number) {
  const sent = JSON.stringify(bodies).toLowerCase()
  expect(sent).not.toContain(MARKER)
  for (const body of bodies) {
    expect(body.data.length).toBeGreaterThan(0)
    expect(body.data.length).toBeLessThanOrEqual(Math.min(maxEvents, 1000))
    for (const event of body.data) expect(Number.isInteger(event.event_time)).toBe(true)
  }
}

/** Two kinds of input: mostly junk (hammers validation), and messy but mostly acceptable. */
const LEVELS = [
  { name: 'mostly junk', weight: 1, minDelivered: 0.02 },
  { name: 'messy but plausible', weight: 12, minDelivered: 0.3 }
]

describe.each(LEVELS)('fuzzing with $name events', ({ weight, minDelivered }) => {
  const events = segmentEvents(weight)

  it('perform: only actions-core errors, no raw PII, integer event_time', async () => {
    let sentRuns = 0
    let runs = 0
    await fc.assert(
      fc.asyncProperty(events, mapping, async (event, eventMapping) => {
        bodies = []
        try {
          await testDestination.testAction('reportWebEvent', { event, mapping: eventMapping, settings: SETTINGS })
        } catch (error) {
          if (!isActionsCoreError(error)) throw error
          expect(String((error as Error).message).toLowerCase()).not.toContain(MARKER)
        }
        checkBodies(1)
        runs++
        if (bodies.length) sentRuns++
      }),
      { seed: SEED, numRuns: 250 }
    )
    // Not vacuous: the share of random events that reach TikTok.
    expect(sentRuns / runs).toBeGreaterThan(minDelivered)
  })

  it('performBatch: N statuses for N events, at most batch_size per request, no raw PII', async () => {
    let delivered = 0
    let total = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(events, { minLength: 1, maxLength: 40 }),
        mapping,
        fc.integer({ min: 1, max: 25 }),
        async (batch, eventMapping, batchSize) => {
          bodies = []
          await testDestination.testBatchAction('reportWebEvent', {
            events: batch,
            mapping: { ...eventMapping, batch_size: batchSize },
            settings: SETTINGS
          })
          const statuses = testDestination.results[0].multistatus ?? []
          expect(statuses).toHaveLength(batch.length)
          for (const status of statuses) {
            if ('errormessage' in status) expect(status.errormessage.toLowerCase()).not.toContain(MARKER)
          }
          checkBodies(batchSize)
          // Each event reported delivered was sent exactly once.
          const ok = statuses.filter((status) => status.status === 200).length
          expect(bodies.reduce((sum, body) => sum + body.data.length, 0)).toBe(ok)
          delivered += ok
          total += batch.length
        }
      ),
      { seed: SEED, numRuns: 50 }
    )
    expect(delivered / total).toBeGreaterThan(minDelivered)
  })
})
