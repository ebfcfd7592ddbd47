/**
 * Report App Event through actions-core, as a host runs it: the exact bodies TikTok receives for app
 * events as Segment's mobile libraries send them (test/fixtures/mobile-events.ts).
 */
import { createTestIntegration } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import destination from '../../../src/destination'
import { appPresets } from '../../../src/destination/presets'
import { FIXTURE_EVENT_TIME, GAID, IDFA, IDFV, kotlinAndroid, swiftAuthorized } from '../../fixtures/mobile-events'
import { mockTikTok, SETTINGS, sha } from '../../helpers'

const APP_ID = '7301234567890123456'
const APP_SETTINGS = { ...SETTINGS, appID: APP_ID }
const testDestination = createTestIntegration(destination)
const purchase = appPresets.find((preset) => preset.name === 'Complete payment (app)')!.mapping as JSONObject

async function send(event: SegmentEvent, mapping: JSONObject = {}, settings: object = APP_SETTINGS) {
  const { captured } = mockTikTok()
  await testDestination.testAction('reportAppEvent', {
    event,
    mapping: { ...purchase, ...mapping },
    settings: settings as typeof APP_SETTINGS
  })
  return captured.bodies
}

const withDevice = (event: SegmentEvent, device: object, os?: object): SegmentEvent => {
  const context = event.context as Record<string, Record<string, unknown>>
  return {
    ...event,
    context: { ...context, device: { ...context.device, ...device }, ...(os ? { os } : {}) }
  } as SegmentEvent
}

describe('Report App Event', () => {
  it('sends an iOS purchase to the App ID: app{} from context.app, the IDFA hashed lowercased, the IDFV, AUTHORIZED', async () => {
    const bodies = await send(swiftAuthorized)
    expect(bodies).toEqual([
      {
        event_source: 'app',
        event_source_id: APP_ID,
        partner_name: 'Segment',
        data: [
          {
            event: 'Purchase',
            event_time: FIXTURE_EVENT_TIME,
            event_id: 'fixture-1',
            user: {
              email: [sha('ios.buyer@example.com')],
              external_id: [sha('user-1')],
              idfa: sha(IDFA.toLowerCase()),
              idfv: IDFV,
              att_status: 'AUTHORIZED',
              user_agent:
                'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
              locale: 'en-US'
            },
            properties: {
              contents: [
                {
                  price: 31,
                  quantity: 1,
                  content_id: 'sku-1',
                  content_category: 'Shoes',
                  content_name: 'Trail Runner',
                  brand: 'Northwind'
                },
                {
                  price: 5,
                  quantity: 2,
                  content_id: 'sku-1-b',
                  content_category: 'Accessories',
                  content_name: 'Wool Socks'
                }
              ],
              content_type: 'product',
              currency: 'USD',
              value: 41
            },
            app: { app_id: 'com.example.northwind', app_name: 'Northwind', app_version: '4.2.0' }
          }
        ]
      }
    ])
    // Segment's own test vector of the iOS advertising ID.
    expect(bodies[0].data[0].user?.idfa).toBe('08f1f8e9e433f685c514154e1a5b0dfe1885c6f140a7e3eff08a037bda13dcc1')
  })

  it('sends an Android purchase with the GAID (trimmed, not lowercased), never an IDFA or IDFV, NOT_APPLICABLE', async () => {
    const [body] = await send(kotlinAndroid)
    expect(body).toMatchObject({ event_source: 'app', event_source_id: APP_ID })
    const [event] = body.data
    expect(event.user).toEqual({
      phone: [sha('+14155550106')],
      external_id: [sha('user-6')],
      gaid: sha(GAID.trim()),
      att_status: 'NOT_APPLICABLE',
      user_agent: 'Dalvik/2.1.0 (Linux; U; Android 14; sdk_gphone64_arm64 Build/UE1A.230829.036)',
      locale: 'en-US'
    })
    // analytics-kotlin's app version is a number: sent as text.
    expect(event.app).toEqual({ app_id: 'com.example.northwind', app_name: 'Northwind', app_version: '1' })
    // Segment's own test vector of the Android advertising ID.
    const [segmentVector] = await send(withDevice(kotlinAndroid, { advertisingId: IDFA }))
    expect(segmentVector.data[0].user?.gaid).toBe('d476ca08c0b93013e1dd2ca4d59b225c927355ce5bf6e0cfd222590a89c7dedb')
  })

  it.each<[string, object, object | undefined, string]>([
    ['iOS 17, tracking allowed', { adTrackingEnabled: true }, { version: '17.4' }, 'AUTHORIZED'],
    ['iOS 17, tracking denied', { adTrackingEnabled: false }, { version: '17.4' }, 'DENIED'],
    ['iOS 17, tracking unknown', { adTrackingEnabled: undefined }, { version: '17.4' }, 'NOT_DETERMINED'],
    ['iOS 14.0.0, tracking allowed', { adTrackingEnabled: true }, { version: '14.0.0' }, 'AUTHORIZED'],
    ['iOS 13.7, before App Tracking Transparency', { adTrackingEnabled: true }, { version: '13.7' }, 'NOT_APPLICABLE'],
    ['iOS without a version, tracking denied', { adTrackingEnabled: false }, { name: 'iOS' }, 'DENIED'],
    ['iOS version as a number', { adTrackingEnabled: true }, { version: 13 }, 'NOT_APPLICABLE'],
    ['device type "iOS" written in capitals', { type: 'iOS', adTrackingEnabled: true }, undefined, 'AUTHORIZED'],
    ['Android', { type: 'android', adTrackingEnabled: true }, undefined, 'NOT_APPLICABLE'],
    ['no device type', { type: undefined, adTrackingEnabled: true }, undefined, 'NOT_APPLICABLE']
  ])('AUTO App Tracking Transparency Status: %s → %s', async (_case, device, os, status) => {
    const [body] = await send(withDevice(swiftAuthorized, device, os && { name: 'iOS', ...os }))
    expect(body.data[0].user?.att_status).toBe(status)
  })

  it('sends a status set in the mapping as given, in capitals; refuses one TikTok does not know, by name', async () => {
    expect((await send(swiftAuthorized, { att_status: 'restricted' }))[0].data[0].user?.att_status).toBe('RESTRICTED')
    await expect(send(swiftAuthorized, { att_status: 'maybe' })).rejects.toThrow(
      /App Tracking Transparency Status \(att_status\) must be one of AUTHORIZED, DENIED, NOT_DETERMINED, RESTRICTED, NOT_APPLICABLE, AUTO; got "MAYBE"/
    )
  })

  it('passes an already hashed advertising ID on; sends no all-zero one, and on iOS not the IDFV sent in its place', async () => {
    const hashed = sha('some-idfa')
    expect(
      (await send(withDevice(swiftAuthorized, { advertisingId: hashed.toUpperCase() })))[0].data[0].user?.idfa
    ).toBe(hashed)
    const zeros = (
      await send(withDevice(swiftAuthorized, { advertisingId: '00000000-0000-0000-0000-000000000000' }))
    )[0]
    expect(zeros.data[0].user?.idfa).toBeUndefined()
    const idfvFallback = (
      await send(withDevice(swiftAuthorized, { advertisingId: IDFV.toLowerCase(), adTrackingEnabled: false }))
    )[0]
    expect(idfvFallback.data[0].user).toMatchObject({ idfv: IDFV, att_status: 'DENIED' })
    expect(idfvFallback.data[0].user?.idfa).toBeUndefined()
  })

  it('sends no advertising ID for a device that is neither iOS nor Android, and says so', async () => {
    const warnings: string[] = []
    const { captured } = mockTikTok()
    await testDestination.testAction('reportAppEvent', {
      event: withDevice(swiftAuthorized, { type: 'tvos' }),
      mapping: purchase,
      settings: APP_SETTINGS,
      logger: { warn: (message: string) => warnings.push(message) } as never
    })
    expect(captured.bodies[0].data[0].user).not.toHaveProperty('idfa')
    expect(captured.bodies[0].data[0].user).not.toHaveProperty('idfv')
    expect(warnings).toContain(
      'Mobile Advertising ID (advertising_id) is not sent: Device Type (device_details.device_type) is neither ios nor android.'
    )
  })

  it('keeps a price of 0; refuses a product of a Purchase without a Content ID, naming the item', async () => {
    const free = {
      ...swiftAuthorized,
      properties: { ...swiftAuthorized.properties, products: [{ product_id: 'gift', price: 0, quantity: 1 }] }
    }
    expect((await send(free as SegmentEvent))[0].data[0].properties?.contents).toEqual([
      { price: 0, quantity: 1, content_id: 'gift' }
    ])
    const anonymous = {
      ...free,
      properties: {
        ...free.properties,
        products: [
          { product_id: 'a', price: 1 },
          { name: 'b', price: 2 }
        ]
      }
    }
    await expect(send(anonymous as unknown as SegmentEvent)).rejects.toThrow(
      'Contents (contents) item 2 has no Content ID (content_id): TikTok needs one for Purchase.'
    )
  })

  it('refuses by name: no App ID in the settings, no app ID in the event, a timestamp it cannot read', async () => {
    const { scope } = mockTikTok()
    await expect(send(swiftAuthorized, {}, SETTINGS)).rejects.toThrow(
      'TikTok App ID (appID) is missing from the settings: app events are sent to the TikTok App ID.'
    )
    const noApp = { ...swiftAuthorized, context: { ...swiftAuthorized.context, app: { name: 'Northwind' } } }
    await expect(send(noApp as SegmentEvent)).rejects.toThrow(/app_id/)
    await expect(send({ ...swiftAuthorized, timestamp: 'yesterday' } as SegmentEvent)).rejects.toThrow(
      'Event Timestamp (timestamp) must be an ISO 8601 date-time such as 2024-05-01T12:30:00Z; got "yesterday".'
    )
    expect(scope.isDone()).toBe(false)
  })

  it("accepts TikTok's app event names and custom ones; refuses a name TikTok cannot take", async () => {
    for (const event of ['LaunchAPP', 'InstallApp', 'Checkout', 'Login', 'Registration', 'LevelUp_2']) {
      expect((await send(swiftAuthorized, { event }))[0].data[0].event).toBe(event)
    }
    await expect(send(swiftAuthorized, { event: 'Order Completed!' })).rejects.toThrow(
      /Event Name \(event\) "Order Completed!" is neither a TikTok standard event nor a valid custom name/
    )
  })

  it('sends the ad fields, the test event code at the top level, and limited data use only when a boolean', async () => {
    const campaign = {
      ...swiftAuthorized,
      properties: {
        ...swiftAuthorized.properties,
        campaign: { name: 'cmp-1', ad_group: 'adg-2', ad_creative: 'cr-3' },
        provider: 'AppsFlyer',
        limited_data_use: true
      }
    } as SegmentEvent
    const [body] = await send(campaign, {
      test_event_code: 'TEST123',
      ad: { ...(purchase.ad as object), is_retargeting: false }
    })
    expect(body.test_event_code).toBe('TEST123')
    expect(body.data[0]).not.toHaveProperty('test_event_code')
    expect(body.data[0].ad).toEqual({
      campaign_id: 'cmp-1',
      ad_id: 'adg-2',
      creative_id: 'cr-3',
      is_retargeting: false,
      attribution_provider: 'AppsFlyer'
    })
    expect(body.data[0].limited_data_use).toBe(true)
    expect((await send(swiftAuthorized))[0].data[0]).not.toHaveProperty('limited_data_use')
  })

  it('sends 30 app events in one request, each with its status', async () => {
    const { captured } = mockTikTok()
    const events = Array.from(
      { length: 30 },
      (_, i) => ({ ...(i % 2 ? kotlinAndroid : swiftAuthorized), messageId: `batch-${i}` }) as SegmentEvent
    )
    await testDestination.testBatchAction('reportAppEvent', { events, mapping: purchase, settings: APP_SETTINGS })
    expect(captured.bodies).toHaveLength(1)
    expect(captured.bodies[0]).toMatchObject({ event_source: 'app', event_source_id: APP_ID })
    expect(captured.bodies[0].data.map((event) => event.event_id)).toEqual(events.map((event) => event.messageId))
    expect(captured.bodies[0].data.filter((event) => event.user?.idfa)).toHaveLength(15)
    expect(captured.bodies[0].data.filter((event) => event.user?.gaid)).toHaveLength(15)
    const statuses = testDestination.results[0].multistatus ?? []
    expect(statuses.map((status) => status.status)).toEqual(new Array(30).fill(200))
  })
})
