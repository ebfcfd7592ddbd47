/**
 * The Match keys tally: counted in the thread that ran the batch, from the delivered events only,
 * kept per mapping over its last events, as numbers only.
 */
import { inspect } from 'node:util'
import type { MatchKey } from '../../src/destination/shared/match-keys'
import { countMatchKeys, MatchKeyTally, type MatchKeyCounts } from '../../src/runtime/ops/match-key-tally'
import { sha } from '../helpers'
import { orderCompleted, post, startStandIn, startTestRuntime, waitFor } from './helpers'

const keys = (counts: Partial<Record<MatchKey, number>> = {}): Record<MatchKey, number> => ({
  email: 0,
  phone: 0,
  external_id: 0,
  ttclid: 0,
  ttp: 0,
  ip_user_agent: 0,
  idfa: 0,
  gaid: 0,
  idfv: 0,
  ...counts
})
const batch = (events: number, counts: Partial<Record<MatchKey, number>> = {}): MatchKeyCounts => ({
  events,
  keys: keys(counts)
})

describe('countMatchKeys', () => {
  it('counts the keys of the events delivered (status 200 with the event sent), and of no other', () => {
    const counts = countMatchKeys([
      { status: 200, sent: { event: 'Purchase', user: { email: ['h'], ip: '203.0.113.7', user_agent: 'UA' } } },
      { status: 200, sent: { event: 'Purchase', user: { email: ['h'], phone: ['h'], ip: '203.0.113.7' } } },
      { status: 200, sent: { event: 'Purchase' } },
      { status: 400, sent: { event: 'Purchase', user: { email: ['h'], ttp: 't' } } },
      { status: 503, sent: { event: 'Purchase', user: { ttclid: 'c' } } },
      { status: 400 }
    ])
    expect(counts).toEqual(batch(3, { email: 2, phone: 1, ip_user_agent: 1 }))
  })

  it('gives nothing when no event of the batch was delivered', () => {
    expect(countMatchKeys([{ status: 400 }, { status: 500, sent: { user: { email: ['h'] } } }])).toBeUndefined()
    expect(countMatchKeys([])).toBeUndefined()
  })
})

describe('MatchKeyTally', () => {
  it('adds up the batches of each mapping apart, in the order mappings first had events', () => {
    const tally = new MatchKeyTally()
    tally.add('Complete Payment', batch(3, { email: 1, external_id: 3 }))
    tally.add('Add to Cart', batch(2, { ttp: 2 }))
    tally.add('Complete Payment', batch(1, { email: 1, ttclid: 1 }))
    tally.add('View Content', batch(0))
    expect(tally.report()).toEqual([
      { mapping: 'Complete Payment', ...batch(4, { email: 2, external_id: 3, ttclid: 1 }) },
      { mapping: 'Add to Cart', ...batch(2, { ttp: 2 }) }
    ])
  })

  it('keeps the last events of a mapping, whole batches: the oldest goes once the newer hold the window', () => {
    const tally = new MatchKeyTally(10)
    tally.add('m', batch(4, { email: 4 }))
    tally.add('m', batch(4, { email: 0 }))
    tally.add('m', batch(4, { email: 2 }))
    // 12 events: without the first batch, 8 would be fewer than 10, so it stays.
    expect(tally.report()).toEqual([{ mapping: 'm', ...batch(12, { email: 6 }) }])
    tally.add('m', batch(3, { email: 3 }))
    // 15 events: the first batch goes (11 left); the second would leave 7, so it stays.
    expect(tally.report()).toEqual([{ mapping: 'm', ...batch(11, { email: 5 }) }])
    tally.add('m', batch(25, { phone: 25 }))
    // One batch larger than the window is kept whole, alone.
    expect(tally.report()).toEqual([{ mapping: 'm', ...batch(25, { phone: 25 }) }])
  })

  it('is bounded: 100,000 single-event batches leave at most the window of entries, with exact counts', () => {
    const tally = new MatchKeyTally(1_000)
    for (let i = 0; i < 100_000; i++) tally.add('m', batch(1, { email: i % 4 === 0 ? 1 : 0, external_id: 1 }))
    expect(tally.batchesHeld('m')).toBe(1_000)
    expect(tally.report()).toEqual([{ mapping: 'm', ...batch(1_000, { email: 250, external_id: 1_000 }) }])
  })

  it('keeps its own copy of the counts it is given', () => {
    const tally = new MatchKeyTally()
    const given = batch(2, { email: 1 })
    tally.add('m', given)
    given.keys.email = 99
    given.events = 99
    expect(tally.report()).toEqual([{ mapping: 'm', ...batch(2, { email: 1 }) }])
  })
})

/** Order Completed events: every one with a user id, an IP (from the connection) and no user agent unless asked. */
function orders(specs: { email?: boolean; phone?: boolean; userAgent?: boolean; ttclid?: boolean }[]) {
  return specs.map((spec, i) => {
    const event = orderCompleted(1000 + i)
    const properties: Record<string, unknown> = { ...event.properties }
    if (!spec.email) delete properties.email
    if (!spec.phone) delete properties.phone
    if (spec.ttclid) properties.ttclid = `E.C.P.click-${i}`
    const context = spec.userAgent ? { userAgent: 'Mozilla/5.0 (Match keys test)' } : {}
    return { ...event, properties, context }
  })
}

describe('the runtime', () => {
  it.each([
    ['worker threads', {}],
    ['the main thread', { WORKERS: '0' }]
  ])(
    'counts the delivered events of each mapping in dry-run, in %s, and keeps no value',
    async (_where, env: Record<string, string>) => {
      const { runtime } = await startTestRuntime({ FLUSH_INTERVAL_MS: '20', ...env })
      const events = orders([
        { email: true, phone: true, userAgent: true },
        { email: true, ttclid: true },
        { phone: true, userAgent: true },
        {},
        { userAgent: true }
      ])
      expect((await post(`${runtime.url}/v1/batch`, { batch: events })).status).toBe(200)
      await waitFor(() => runtime.pipeline.counts.delivered === 5)
      expect(runtime.matchKeys.report()).toEqual([
        {
          mapping: 'Complete Payment',
          ...batch(5, { email: 2, phone: 2, external_id: 5, ttclid: 1, ip_user_agent: 3 })
        }
      ])

      // Numbers only: nothing of any event sent is held, as typed or as hashed.
      const held = inspect(runtime.matchKeys, { depth: Infinity, maxArrayLength: Infinity, showHidden: true })
      expect(held).toContain('Complete Payment') // what it holds is in view
      for (let i = 1000; i < 1005; i++) {
        for (const value of [`buyer${i}@example.com`, sha(`buyer${i}@example.com`), `user-${i}`, sha(`user-${i}`)]) {
          expect(held.toLowerCase()).not.toContain(value)
        }
        expect(held).not.toContain(`555-${i}`)
        expect(held).not.toContain(sha(`+1415555${i}`))
      }
      for (const value of ['203.0.113.9', '127.0.0.1', 'Mozilla', 'click-', 'order-']) expect(held).not.toContain(value)
    }
  )

  it('counts an event once, when delivered: not when refused, not for a failed attempt', async () => {
    const standIn = await startStandIn({
      script: (_body, n) => (n === 0 ? { status: 503, body: { message: 'busy' } } : undefined)
    })
    const { runtime } = await startTestRuntime({
      TIKTOK_ACCESS_TOKEN: 'match-keys-token-1234',
      TIKTOK_PIXEL_CODE: 'CPIX',
      TIKTOK_API_URL: standIn.url,
      FLUSH_INTERVAL_MS: '20'
    })
    const [good, other, refused] = orders([{ email: true }, {}, { email: true }])
    refused.properties.currency = 'dollars'
    expect((await post(`${runtime.url}/v1/batch`, { batch: [good, other, refused] })).status).toBe(200)
    await waitFor(() => runtime.pipeline.pending === 0)
    expect(runtime.pipeline.counts).toMatchObject({ delivered: 2, deadLettered: 1, retried: 2 })
    expect(standIn.requests).toHaveLength(2)
    expect(runtime.matchKeys.report()).toEqual([
      { mapping: 'Complete Payment', ...batch(2, { email: 1, external_id: 2 }) }
    ])
  })
})
