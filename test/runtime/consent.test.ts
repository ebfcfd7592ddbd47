/**
 * Consent (CONSENT_CATEGORIES): an event whose context.consent.categoryPreferences does not grant every
 * category named is acknowledged and neither delivered nor remembered; one without a consent object
 * flows. LIMITED_DATA_USE=on sends every event with limited_data_use true unless it says otherwise.
 */
import type { SegmentEvent } from '@segment/actions-core'
import { consentCategoriesOf, configFromEnv } from '../../src/runtime/ops/config'
import { consentGiven, withLimitedDataUse } from '../../src/runtime/routing/consent'
import { orderCompleted, post, printedEvents, startTestRuntime, waitFor, withKey } from './helpers'

const READ = { generatedAdminKey: 'k'.repeat(32), machineMemoryMb: 4096 }
const withConsent = <T extends object>(event: T, categoryPreferences: unknown) => ({
  ...event,
  context: { ...(event as { context?: object }).context, consent: { categoryPreferences } }
})

describe('consentGiven', () => {
  const event = (preferences: unknown) => withConsent({ type: 'track', event: 'x' }, preferences) as SegmentEvent

  it('lets every event through when no category is needed', () => {
    expect(consentGiven(event({ Advertising: false }), [])).toBe(true)
  })

  it('lets an event without a consent object through, as Segment does', () => {
    expect(consentGiven({ type: 'track', event: 'x' } as SegmentEvent, ['Advertising'])).toBe(true)
  })

  it('needs every category named to be true', () => {
    expect(consentGiven(event({ Advertising: true, Analytics: true }), ['Advertising', 'Analytics'])).toBe(true)
    expect(consentGiven(event({ Advertising: true }), ['Advertising', 'Analytics'])).toBe(false)
    expect(consentGiven(event({ Advertising: false }), ['Advertising'])).toBe(false)
    expect(consentGiven(event({ Advertising: 'true' }), ['Advertising'])).toBe(false)
    expect(consentGiven(event(undefined), ['Advertising'])).toBe(false)
  })

  it('refuses a consent that is not an object (fail closed), and one without categoryPreferences', () => {
    const consenting = (consent: unknown) =>
      ({ type: 'track', event: 'x', context: { consent } }) as unknown as SegmentEvent
    expect(consentGiven(consenting('Advertising'), ['Advertising'])).toBe(false)
    expect(consentGiven(consenting(['Advertising']), ['Advertising'])).toBe(false)
    expect(consentGiven(consenting(true), ['Advertising'])).toBe(false)
    expect(consentGiven(consenting({}), ['Advertising'])).toBe(false)
    expect(consentGiven(consenting(null), ['Advertising'])).toBe(true)
  })
})

describe('CONSENT_CATEGORIES and LIMITED_DATA_USE', () => {
  it('reads a comma-separated list, CONSENT_CATEGORY as its alias', () => {
    const categories = (env: NodeJS.ProcessEnv) => configFromEnv(env, READ).settings.consentCategories
    expect(categories({ CONSENT_CATEGORIES: ' Advertising, Analytics,,Advertising ' })).toBe('Advertising,Analytics')
    expect(categories({ CONSENT_CATEGORY: 'Advertising' })).toBe('Advertising')
    expect(categories({})).toBeUndefined()
    expect(consentCategoriesOf(undefined)).toEqual([])
    expect(consentCategoriesOf('Advertising,Analytics')).toEqual(['Advertising', 'Analytics'])
  })

  it('refuses a switch that is neither on nor off, by name', () => {
    expect(() => configFromEnv({ LIMITED_DATA_USE: 'maybe' }, READ)).toThrow(
      'LIMITED_DATA_USE must be on or off; got "maybe"'
    )
    expect(configFromEnv({ LIMITED_DATA_USE: 'on' }, READ).settings.limitedDataUse).toBe('on')
    expect(configFromEnv({ IDENTITY_MEMORY: 'false' }, READ).settings.identityMemory).toBe('off')
  })

  it("reads IDENTITY_TTL_DAYS (28 by default, TikTok's longest click-through window), at least 1", () => {
    expect(configFromEnv({}, READ).identityTtlDays).toBe(28)
    expect(configFromEnv({ IDENTITY_TTL_DAYS: '7' }, READ).identityTtlDays).toBe(7)
    expect(() => configFromEnv({ IDENTITY_TTL_DAYS: '0' }, READ)).toThrow(
      'IDENTITY_TTL_DAYS must be a number ≥ 1; got "0"'
    )
  })

  it('sets limited_data_use on a copy, and keeps what an event says', () => {
    const event = { type: 'track', event: 'x', properties: { a: 1 } } as SegmentEvent
    expect(withLimitedDataUse(event).properties).toEqual({ a: 1, limited_data_use: true })
    expect(event.properties).toEqual({ a: 1 })
    const says = { ...event, properties: { limited_data_use: false } } as SegmentEvent
    expect(withLimitedDataUse(says)).toBe(says)
  })
})

describe('the runtime with CONSENT_CATEGORIES=Advertising', () => {
  it('delivers granted events and those without consent, acknowledges and counts the refused ones', async () => {
    const test = await startTestRuntime({ CONSENT_CATEGORIES: 'Advertising', FLUSH_INTERVAL_MS: '20' })
    const { runtime } = test
    const events = [
      withConsent(orderCompleted(1), { Advertising: true, Analytics: false }),
      withConsent(orderCompleted(2), { Advertising: false, Analytics: true }),
      withConsent(orderCompleted(3), { Analytics: true }),
      orderCompleted(4)
    ]
    expect((await post(`${runtime.url}/v1/batch`, { batch: events })).status).toBe(200)
    await waitFor(() => runtime.pipeline.counts.delivered === 2)
    expect(printedEvents(test).map((event) => event.properties.order_id)).toEqual(['order-1', 'order-4'])
    expect(runtime.pipeline.counts).toMatchObject({ received: 4, refused: 2, queued: 2 })

    const metrics = await (await fetch(`${runtime.url}/metrics`)).text()
    expect(metrics).toContain('tiktok_conversions_events_consent_refused_total 2')
    await waitFor(() => test.logs.some((line) => line.includes(' refused=2 ')))
    const line = test.logs.find((line) => line.includes(' refused=2 '))!
    expect(line).toContain(
      'info not routed refused=2 refused_why="their context.consent.categoryPreferences does not grant Advertising (CONSENT_CATEGORIES)"'
    )
    // No PII in the line.
    expect(line).not.toMatch(/buyer|555-|user-/i)

    const panel = await (await fetch(`${runtime.url}/api/match-keys`, { headers: withKey(runtime) })).json()
    expect(panel.consentRefused).toBe(2)
  })

  it('sends every event with limited_data_use true under LIMITED_DATA_USE=on, unless it says false', async () => {
    const test = await startTestRuntime({ LIMITED_DATA_USE: 'on', FLUSH_INTERVAL_MS: '20' })
    const says = orderCompleted(2)
    const events = [orderCompleted(1), { ...says, properties: { ...says.properties, limited_data_use: false } }]
    expect((await post(`${test.runtime.url}/v1/batch`, { batch: events })).status).toBe(200)
    await waitFor(() => test.runtime.pipeline.counts.delivered === 2)
    const sent = test.printed.flatMap((line) => JSON.parse(line).data as { limited_data_use?: boolean }[])
    expect(sent.map((event) => event.limited_data_use)).toEqual([true, false])
  })
})
