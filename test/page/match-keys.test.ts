/**
 * GET /api/match-keys: per mapping, the share of its last delivered events that carried each match
 * key, and the sentence for the weakest one.
 */
import { sampleEvents } from '../../src/page/samples'
import { percent, sharesOf } from '../../src/page/match-keys-panel'
import type { MatchKey } from '../../src/destination/shared/match-keys'
import { orderCompleted, post, startTestRuntime, waitFor, withKey } from '../runtime/helpers'
import * as fixtures from '../fixtures/mobile-events'

const counts = (events: number, keys: Partial<Record<MatchKey, number>>) => ({
  mapping: 'Complete Payment',
  events,
  keys: { email: 0, phone: 0, external_id: 0, ttclid: 0, ttp: 0, ip_user_agent: 0, idfa: 0, gaid: 0, idfv: 0, ...keys }
})
const ALL = { email: 8, phone: 8, external_id: 8, ttclid: 8, ttp: 8, ip_user_agent: 8 }

describe('the sentence for the weakest key', () => {
  it('says the share and names the field to map', () => {
    expect(sharesOf(counts(8, { ...ALL, email: 1 })).advice).toBe(
      'Only 13% of Complete Payment events carry an email: map Email to where your events keep it.'
    )
    expect(sharesOf(counts(8, { ...ALL, phone: 3 })).advice).toBe(
      'Only 38% of Complete Payment events carry a phone number: map Phone Number to where your events keep it.'
    )
    expect(sharesOf(counts(8, { ...ALL, ip_user_agent: 0 })).advice).toBe(
      'No Complete Payment event carries an IP address and user agent: map IP Address and User Agent to where your events keep it.'
    )
    expect(sharesOf(counts(8, ALL)).advice).toBe('Every Complete Payment event carries all six keys.')
  })

  it.each<[MatchKey, string, string]>([
    ['external_id', 'an external ID', 'External ID'],
    ['ttclid', 'a TikTok Click ID', 'TikTok Click ID'],
    ['ttp', 'a TikTok Cookie ID', 'TikTok Cookie ID']
  ])('for %s names %s and the field %s', (key, noun, field) => {
    const shares = sharesOf(counts(8, { ...ALL, [key]: 2 }))
    expect(shares.weakest).toMatchObject({ key, count: 2, percent: 25, field })
    expect(shares.advice).toBe(
      `Only 25% of Complete Payment events carry ${noun}: map ${field} to where your events keep it.`
    )
  })

  it('takes the first key in the order shown when several are the weakest', () => {
    expect(sharesOf(counts(4, { email: 4, phone: 4, external_id: 4, ip_user_agent: 4 })).weakest.key).toBe('ttclid')
  })

  it('never rounds a share to 0% when one event carried the key, nor to 100% when one did not', () => {
    expect([percent(1, 1000), percent(999, 1000), percent(0, 1000), percent(1000, 1000), percent(1, 3)]).toEqual([
      1, 99, 0, 100, 33
    ])
  })
})

describe('GET /api/match-keys', () => {
  it('says there are no events yet, then gives each mapping’s shares over its delivered events; a Preview does not count', async () => {
    const { runtime } = await startTestRuntime({ FLUSH_INTERVAL_MS: '20' })
    const get = () => fetch(`${runtime.url}/api/match-keys`, { headers: withKey(runtime) })
    const empty = await get()
    expect(empty.status).toBe(200)
    expect(empty.headers.get('content-security-policy')).toContain("default-src 'none'")
    expect(await empty.json()).toEqual({
      window: 1000,
      keys: [
        { key: 'email', label: 'Email' },
        { key: 'phone', label: 'Phone' },
        { key: 'external_id', label: 'External ID' },
        { key: 'ttclid', label: 'TikTok Click ID' },
        { key: 'ttp', label: 'TikTok Cookie ID' },
        { key: 'ip_user_agent', label: 'IP + User Agent' },
        { key: 'idfa', label: 'IDFA' },
        { key: 'gaid', label: 'GAID' },
        { key: 'idfv', label: 'IDFV' }
      ],
      mappings: [],
      message: 'No events yet: the shares appear once events sent to the Tracking API are delivered (in dry-run too).',
      identity: { memory: 'off', ttlDays: 28, mappings: [] },
      consentRefused: 0,
      consentCategories: []
    })

    // Four orders, one with an email; two Add to Cart events without a user agent.
    const emails = ['first@example.com']
    const batch = [0, 1, 2, 3].map((i) => {
      const event = orderCompleted(i)
      const { email: _email, ...properties } = event.properties
      return { ...event, properties: i === 0 ? { ...properties, email: emails[0] } : properties }
    })
    const carts = [1, 2].map((i) => ({
      type: 'track',
      event: 'Product Added',
      userId: `cart-${i}`,
      properties: { product_id: `sku-${i}`, price: 3, email: `cart${i}@example.com`, ttclid: `click-${i}` }
    }))
    emails.push('cart1@example.com', 'cart2@example.com')
    expect((await post(`${runtime.url}/v1/batch`, { batch: [...carts, ...batch] })).status).toBe(200)
    await waitFor(() => runtime.pipeline.counts.delivered === 6)
    const preview = await post(
      `${runtime.url}/api/preview`,
      { event: JSON.stringify(sampleEvents['Complete Payment']) },
      withKey(runtime)
    )
    expect(preview.json.matches[0].body).toBeDefined()

    const answer = await get()
    const text = await answer.text()
    for (const email of emails) expect(text).not.toContain(email)
    const { mappings, message } = JSON.parse(text)
    expect(message).toBeUndefined()
    // In the order of the presets, whatever order they came in.
    expect(mappings.map((mapping: { mapping: string }) => mapping.mapping)).toEqual(['Complete Payment', 'Add to Cart'])
    const [orders, added] = mappings
    expect(orders.events).toBe(4)
    expect(orders.shares.map(({ label, count, percent }: Record<string, unknown>) => [label, count, percent])).toEqual([
      ['Email', 1, 25],
      ['Phone', 4, 100],
      ['External ID', 4, 100],
      ['TikTok Click ID', 0, 0],
      ['TikTok Cookie ID', 0, 0],
      ['IP + User Agent', 4, 100]
    ])
    expect(orders.advice).toBe(
      'No Complete Payment event carries a TikTok Click ID: map TikTok Click ID to where your events keep it.'
    )
    expect(added).toMatchObject({
      mapping: 'Add to Cart',
      events: 2,
      weakest: { key: 'phone', count: 0, field: 'Phone Number' },
      advice: 'No Add to Cart event carries a phone number: map Phone Number to where your events keep it.'
    })
    expect(
      added.shares.filter((share: { percent: number }) => share.percent === 100).map((s: { key: string }) => s.key)
    ).toEqual(['email', 'external_id', 'ttclid'])
  })
})

describe('the Match keys of app mappings', () => {
  it('count the IDFA, GAID and IDFV, and never advise the other platform’s advertising ID', async () => {
    const { runtime } = await startTestRuntime({ FLUSH_INTERVAL_MS: '20', TIKTOK_APP_ID: '7301234567890123456' })
    const batch = [fixtures.swiftAuthorized, fixtures.swiftDenied, fixtures.kotlinAndroid, fixtures.reactNativeIos]
    expect((await post(`${runtime.url}/v1/batch`, { batch })).status).toBe(200)
    await waitFor(() => runtime.pipeline.counts.delivered === 4)
    const { mappings } = await (await fetch(`${runtime.url}/api/match-keys`, { headers: withKey(runtime) })).json()
    expect(mappings).toHaveLength(1)
    const [app] = mappings
    expect(app).toMatchObject({ mapping: 'Complete payment (app)', action: 'reportAppEvent', events: 4 })
    expect(app.shares.map(({ label, count }: Record<string, unknown>) => [label, count])).toEqual([
      ['Email', 2],
      ['Phone', 1],
      ['External ID', 4],
      ['IP + User Agent', 3],
      ['IDFA', 1],
      ['GAID', 1],
      ['IDFV', 3]
    ])
    // GAID (1 of 4) is rarer than the phone, but an iOS event never carries one.
    expect(app.advice).toBe(
      'Only 25% of Complete payment (app) events carry a phone number: map Phone Number to where your events keep it.'
    )
  })

  it('advise the Mobile Advertising ID when no event carries one', () => {
    const shares = sharesOf(
      {
        mapping: 'App',
        events: 4,
        keys: { ...counts(4, {}).keys, email: 4, phone: 4, external_id: 4, ip_user_agent: 4, idfv: 4 }
      },
      'reportAppEvent'
    )
    expect(shares.weakest).toMatchObject({ key: 'idfa', field: 'Mobile Advertising ID' })
    expect(shares.advice).toBe(
      'No App event carries an IDFA (iOS advertising ID): map Mobile Advertising ID to where your events keep it.'
    )
    const keys = (more: object) => ({
      ...counts(2, {}).keys,
      email: 2,
      phone: 2,
      external_id: 2,
      ip_user_agent: 2,
      ...more
    })
    expect(
      sharesOf({ mapping: 'App', events: 2, keys: keys({ idfa: 1, gaid: 1, idfv: 1 }) }, 'reportAppEvent').advice
    ).toBe('Every App event carries every key its platform has (an iOS event no GAID, an Android one no IDFA or IDFV).')
    expect(
      sharesOf({ mapping: 'App', events: 2, keys: keys({ idfa: 2, gaid: 2, idfv: 2 }) }, 'reportAppEvent').advice
    ).toBe('Every App event carries all seven keys.')
  })
})
