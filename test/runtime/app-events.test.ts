/**
 * Source routing through the runtime, as `npm start` runs it with TIKTOK_APP_ID: each fixture shaped
 * as a Segment library sends it (test/fixtures/mobile-events.ts) goes to the Tracking API, and what
 * TikTok receives is checked. A mobile purchase is delivered once, as an app event to the App ID;
 * every other one to the Pixel, as before. Without an App ID, mobile events stay web events.
 */
import type { SegmentEvent } from '@segment/actions-core'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TikTokEvent, TikTokRequestBody } from '../../src/destination/tiktok/types'
import { sha } from '../helpers'
import * as fixtures from '../fixtures/mobile-events'
import { startCli } from './cli-process'
import { post, startStandIn, startTestRuntime, waitFor, withKey } from './helpers'

const TOKEN = 'app-events-token-1234'
const PIXEL = 'CPIXEL0001'
const APP_ID = '7301234567890123456'
const EVENT_SET = '7123456789012345678'

/** A live runtime with an App ID, sending to a stand-in; what it received, per event id. */
async function liveWithAppId(env: Record<string, string> = {}) {
  const standIn = await startStandIn()
  const test = await startTestRuntime({
    TIKTOK_ACCESS_TOKEN: TOKEN,
    TIKTOK_PIXEL_CODE: PIXEL,
    TIKTOK_APP_ID: APP_ID,
    TIKTOK_API_URL: standIn.url,
    FLUSH_INTERVAL_MS: '20',
    WORKERS: '0',
    ...env
  })
  /** Posts the events and resolves with each request TikTok got for them: its envelope and event. */
  const deliver = async (...events: SegmentEvent[]) => {
    expect((await post(`${test.runtime.url}/v1/batch`, { batch: events })).status).toBe(200)
    await waitFor(() => test.runtime.pipeline.pending === 0 && test.runtime.pipeline.counts.queued > 0)
    return standIn.requests.flatMap(({ body }) =>
      body.data.map((event) => ({ envelope: { ...body, data: undefined }, event }))
    )
  }
  return { standIn, test, deliver }
}

type Sent = { envelope: Omit<TikTokRequestBody, 'data'> & { data?: undefined }; event: TikTokEvent }
const appEnvelope = { event_source: 'app', event_source_id: APP_ID, partner_name: 'Segment' }
const webEnvelope = { event_source: 'web', event_source_id: PIXEL, partner_name: 'Segment' }

/** What each fixture must become: the envelope, the event name, and what the user must (not) carry. */
const CASES: [string, SegmentEvent, (sent: Sent) => void][] = [
  [
    'analytics-swift, tracking authorized: an app event with the IDFA, the IDFV, AUTHORIZED',
    fixtures.swiftAuthorized,
    ({ envelope, event }) => {
      expect(envelope).toMatchObject(appEnvelope)
      expect(event.event).toBe('Purchase')
      expect(event.app).toEqual({ app_id: 'com.example.northwind', app_name: 'Northwind', app_version: '4.2.0' })
      expect(event.user).toMatchObject({
        idfa: sha(fixtures.IDFA.toLowerCase()),
        idfv: fixtures.IDFV,
        att_status: 'AUTHORIZED',
        email: [sha('ios.buyer@example.com')],
        ip: '127.0.0.1' // filled from the connection, as Segment's API does
      })
      expect(event.properties?.contents?.map((content) => content.content_id)).toEqual(['sku-1', 'sku-1-b'])
    }
  ],
  [
    'analytics-swift, tracking denied: no IDFA (the IDFV sent in its place is not one), DENIED',
    fixtures.swiftDenied,
    ({ envelope, event }) => {
      expect(envelope).toMatchObject(appEnvelope)
      expect(event.user).toMatchObject({ idfv: fixtures.IDFV, att_status: 'DENIED' })
      expect(event.user).not.toHaveProperty('idfa')
    }
  ],
  [
    'analytics-swift on iOS 13: NOT_APPLICABLE',
    fixtures.swiftIos13,
    ({ envelope, event }) => {
      expect(envelope).toMatchObject(appEnvelope)
      expect(event.user).toMatchObject({ idfa: sha(fixtures.IDFA.toLowerCase()), att_status: 'NOT_APPLICABLE' })
    }
  ],
  [
    'analytics-swift without the IDFA plugin: the IDFV, NOT_DETERMINED',
    fixtures.swiftNoIdfaPlugin,
    ({ envelope, event }) => {
      expect(envelope).toMatchObject(appEnvelope)
      expect(event.user).toMatchObject({ idfv: fixtures.IDFV, att_status: 'NOT_DETERMINED' })
      expect(event.user).not.toHaveProperty('idfa')
    }
  ],
  [
    'analytics-swift on an Apple TV: a web event on the Pixel',
    fixtures.swiftTvos,
    ({ envelope, event }) => {
      expect(envelope).toMatchObject(webEnvelope)
      expect(event.event).toBe('CompletePayment')
    }
  ],
  [
    'analytics-kotlin: an app event with the GAID, never an IDFA or IDFV, NOT_APPLICABLE',
    fixtures.kotlinAndroid,
    ({ envelope, event }) => {
      expect(envelope).toMatchObject(appEnvelope)
      expect(event.user).toMatchObject({ gaid: sha(fixtures.GAID.trim()), att_status: 'NOT_APPLICABLE' })
      expect(event.user).not.toHaveProperty('idfa')
      expect(event.user).not.toHaveProperty('idfv')
      expect(event.app).toEqual({ app_id: 'com.example.northwind', app_name: 'Northwind', app_version: '1' })
    }
  ],
  [
    'analytics-react-native on an iPhone: an app event with the IDFV',
    fixtures.reactNativeIos,
    ({ envelope, event }) => {
      expect(envelope).toMatchObject(appEnvelope)
      expect(event.user).toMatchObject({ idfv: 'C0FFEE00-1111-4222-8333-944455556666', att_status: 'NOT_DETERMINED' })
    }
  ],
  [
    'analytics-ios (legacy): an app event with the IDFA',
    fixtures.legacyIos,
    ({ envelope, event }) => {
      expect(envelope).toMatchObject(appEnvelope)
      expect(event.user).toMatchObject({ idfa: sha(fixtures.IDFA.toLowerCase()), att_status: 'AUTHORIZED' })
    }
  ],
  [
    'analytics.js: a web event on the Pixel, with the ttclid of the page',
    fixtures.analyticsJs,
    ({ envelope, event }) => {
      expect(envelope).toMatchObject(webEnvelope)
      expect(event.event).toBe('CompletePayment')
      expect(event.user?.ttclid).toBe('E.C.P.web-click')
    }
  ],
  [
    'analytics-node: a web event on the Pixel',
    fixtures.analyticsNode,
    ({ envelope, event }) => {
      expect(envelope).toMatchObject(webEnvelope)
      expect(event.event).toBe('CompletePayment')
    }
  ]
]

describe('with TIKTOK_APP_ID, through the runtime', () => {
  it.each(CASES)('%s', async (_name, fixture, check) => {
    const { deliver, test } = await liveWithAppId()
    const sent = await deliver(fixture)
    // Delivered once, whatever it became.
    expect(sent).toHaveLength(1)
    expect(sent[0].event.event_id).toBe(fixture.messageId)
    check(sent[0] as Sent)
    expect(test.runtime.pipeline.counts).toMatchObject({ delivered: 1, deadLettered: 0 })
  })

  it('says where app events go on /health and on the page', async () => {
    const { test } = await liveWithAppId()
    const health = await (await fetch(`${test.runtime.url}/health`)).json()
    expect(health.appEvents).toBe(`sent as app events to TikTok App ID ${APP_ID}`)
    const state = await (await fetch(`${test.runtime.url}/api/state`, { headers: withKey(test.runtime) })).json()
    expect(state).toMatchObject({ appID: APP_ID, appEvents: `sent as app events to TikTok App ID ${APP_ID}` })
  })
})

describe('without an App ID', () => {
  it('a mobile purchase stays a web event on the Pixel, once; /health says app events go to the Pixel', async () => {
    const standIn = await startStandIn()
    const test = await startTestRuntime({
      TIKTOK_ACCESS_TOKEN: TOKEN,
      TIKTOK_PIXEL_CODE: PIXEL,
      TIKTOK_API_URL: standIn.url,
      FLUSH_INTERVAL_MS: '20',
      WORKERS: '0'
    })
    expect((await post(`${test.runtime.url}/v1/batch`, { batch: [fixtures.swiftAuthorized] })).status).toBe(200)
    await waitFor(() => test.runtime.pipeline.counts.delivered === 1)
    expect(standIn.requests).toHaveLength(1)
    expect(standIn.requests[0].body).toMatchObject({ ...webEnvelope, data: [{ event: 'CompletePayment' }] })
    const health = await (await fetch(`${test.runtime.url}/health`)).json()
    expect(health.appEvents).toBe('no TikTok App ID is set: events from mobile apps go to the Pixel as web events')

    // Saved on the page, the App ID takes the next mobile purchase as an app event.
    const saved = await post(
      `${test.runtime.url}/api/settings`,
      { pixelCode: PIXEL, appID: ` ${APP_ID} ` },
      withKey(test.runtime)
    )
    expect(saved.json).toMatchObject({ appID: APP_ID, appEvents: `sent as app events to TikTok App ID ${APP_ID}` })
    const next = { ...fixtures.swiftAuthorized, messageId: 'after-save' }
    expect((await post(`${test.runtime.url}/v1/batch`, { batch: [next] })).status).toBe(200)
    await waitFor(() => test.runtime.pipeline.counts.delivered === 2)
    expect(standIn.requests[1].body).toMatchObject({
      ...appEnvelope,
      data: [{ event: 'Purchase', event_id: 'after-save' }]
    })
  })
})

describe('app and offline mappings in a mappings file', () => {
  /** Web sales, app sales and in-store sales apart, by trigger and kind of source. */
  const MAPPINGS = [
    {
      name: 'Online orders',
      subscribe: 'event = "Order Completed" and properties.channel != "in_store"',
      mapping: { event: 'CompletePayment' }
    },
    {
      name: 'App orders',
      subscribe: 'event = "Order Completed"',
      action: 'reportAppEvent',
      mapping: { event: 'Purchase' }
    },
    {
      name: 'In-store orders',
      subscribe: 'event = "Order Completed" and properties.channel = "in_store"',
      action: 'reportOfflineEvent',
      mapping: { event: 'CompletePayment' }
    }
  ]
  const mappingsFile = () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mappings-')), 'mappings.json')
    writeFileSync(file, JSON.stringify(MAPPINGS))
    return file
  }
  const inStore = {
    ...fixtures.analyticsNode,
    messageId: 'in-store-1',
    properties: {
      ...fixtures.analyticsNode.properties,
      channel: 'in_store',
      shop_id: 'store-sf-01',
      email: 'Shopper@Example.com'
    }
  } as SegmentEvent

  it('delivers each sale to its source: the web one to the Pixel, the app one to the App ID, the in-store one to the event set', async () => {
    const { deliver } = await liveWithAppId({ MAPPINGS: mappingsFile(), TIKTOK_OFFLINE_EVENT_SET_ID: EVENT_SET })
    const sent = await deliver(fixtures.analyticsJs, fixtures.swiftAuthorized, inStore)
    const byId = Object.fromEntries(sent.map((one) => [one.event.event_id, one]))
    expect(sent).toHaveLength(3)
    expect(byId['fixture-9'].envelope).toMatchObject(webEnvelope)
    expect(byId['fixture-1'].envelope).toMatchObject(appEnvelope)
    expect(byId['in-store-1'].envelope).toMatchObject({ event_source: 'offline', event_source_id: EVENT_SET })
    expect(byId['in-store-1'].event).toMatchObject({
      event: 'CompletePayment',
      user: { email: [sha('shopper@example.com')], external_id: [sha('user-10')] },
      properties: { order_id: 'order-10', shop_id: 'store-sf-01', value: 50, currency: 'USD' }
    })
  })

  it('prints app and offline bodies in dry-run like web ones', async () => {
    const test = await startTestRuntime({ MAPPINGS: mappingsFile(), TIKTOK_APP_ID: APP_ID, FLUSH_INTERVAL_MS: '20' })
    expect(test.runtime.mode()).toBe('dry-run')
    expect((await post(`${test.runtime.url}/v1/batch`, { batch: [fixtures.kotlinAndroid, inStore] })).status).toBe(200)
    await waitFor(() => test.printed.length === 2)
    const printed = test.printed.map((line) => JSON.parse(line) as TikTokRequestBody)
    const bySource = Object.fromEntries(printed.map((body) => [body.event_source, body]))
    expect(bySource.app).toMatchObject({
      event_source_id: APP_ID,
      data: [{ event: 'Purchase', event_id: 'fixture-6' }]
    })
    expect(bySource.app.data[0].user?.gaid).toBe(sha(fixtures.GAID.trim()))
    // No offline event set saved: dry-run shows where it would go.
    expect(bySource.offline).toMatchObject({
      event_source_id: 'DRY_RUN_OFFLINE_EVENT_SET',
      data: [{ event: 'CompletePayment', event_id: 'in-store-1' }]
    })
  })
})

describe('npm start with TIKTOK_APP_ID', () => {
  it('sends an analytics-swift purchase to the App ID and an analytics.js one to the Pixel', async () => {
    const standIn = await startStandIn()
    const cli = await startCli({
      TIKTOK_ACCESS_TOKEN: TOKEN,
      TIKTOK_PIXEL_CODE: PIXEL,
      TIKTOK_APP_ID: APP_ID,
      TIKTOK_API_URL: standIn.url,
      FLUSH_INTERVAL_MS: '20'
    })
    expect(
      (await post(`${cli.url}/v1/batch`, { batch: [fixtures.swiftAuthorized, fixtures.analyticsJs] })).status
    ).toBe(200)
    await waitFor(() => standIn.stats.events === 2)
    const bodies = standIn.requests.map(({ body }) => body)
    expect(bodies.find((body) => body.event_source === 'app')).toMatchObject({
      ...appEnvelope,
      data: [{ event: 'Purchase', event_id: 'fixture-1', user: { idfa: sha(fixtures.IDFA.toLowerCase()) } }]
    })
    expect(bodies.find((body) => body.event_source === 'web')).toMatchObject({
      ...webEnvelope,
      data: [{ event: 'CompletePayment', event_id: 'fixture-9' }]
    })
    expect(cli.stderr.join('\n')).toMatch(/ info listening .* app_id=7301234567890123456/)
    cli.child.kill('SIGTERM')
    expect(await cli.exit).toBe(0)
  })
})
