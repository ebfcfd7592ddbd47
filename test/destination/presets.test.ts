import { Destination } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import { parseFql, validate } from '@segment/destination-subscriptions'
import destination from '../../src/destination'
import { appPresets, presets, webPresets } from '../../src/destination/presets'
import { appSampleEvents, sampleEvents } from '../../src/page/samples'
import { mockTikTok, SETTINGS, sendingAt, sha } from '../helpers'

// The sample events carry no timestamp: sent at this time, their bodies match the snapshots.
sendingAt('2026-11-02T10:15:30Z')

/** The product page's preset table: name, trigger, TikTok event. */
const PAGE_TABLE: [string, string, string][] = [
  ['Download', 'event = "Download Link Clicked"', 'Download'],
  ['Add Payment Info', 'event = "Payment Info Entered"', 'AddPaymentInfo'],
  ['Contact', 'event = "Callback Started"', 'Contact'],
  ['Initiate Checkout', 'event = "Checkout Started"', 'InitiateCheckout'],
  ['Complete Payment', 'event = "Order Completed"', 'CompletePayment'],
  ['Click Button', 'event = "Product Clicked"', 'ClickButton'],
  ['Add to Wishlist', 'event = "Product Added to Wishlist"', 'AddToWishlist'],
  ['Search', 'event = "Products Searched"', 'Search'],
  ['View Content', 'event = "Product Viewed"', 'ViewContent'],
  ['Submit Form', 'event = "Form Submitted"', 'SubmitForm'],
  ['Subscribe', 'event = "Subscription Created"', 'Subscribe'],
  ['Place an Order', 'event = "Order Placed"', 'PlaceAnOrder'],
  ['Page View', 'type="page"', 'PageView'],
  ['Complete Registration', 'event = "Signed Up"', 'CompleteRegistration'],
  ['Add to Cart', 'event = "Product Added"', 'AddToCart']
]

/** Segment's TikTok App Events presets: name (marked as the app's), Segment event, TikTok app event. */
const APP_TABLE: [string, string, string][] = [
  ['Complete payment (app)', 'Order Completed', 'Purchase'],
  ['Add payment information (app)', 'Payment Info Entered', 'AddPaymentInfo'],
  ['Place an order (app)', 'Checkout Started', 'Checkout'],
  ['Search (app)', 'Products Searched', 'Search'],
  ['View details (app)', 'Product Viewed', 'ViewContent'],
  ['Add to cart (app)', 'Product Added', 'AddToCart'],
  ['Add to wishlist (app)', 'Product Added to Wishlist', 'AddToWishlist'],
  ['Install the app (app)', 'Application Installed', 'InstallApp'],
  ['Launch the app (app)', 'Application Opened', 'LaunchAPP'],
  ['Log in successfully (app)', 'Signed In', 'Login'],
  ['Complete the registration (app)', 'Signed Up', 'Registration']
]

describe('presets', () => {
  // The definition holds the web presets first, exactly as before, then the app ones.
  it("are the product page's fifteen, with its names, triggers and TikTok events", () => {
    expect(
      webPresets.map((preset) => [preset.name, 'subscribe' in preset && preset.subscribe, preset.mapping?.event])
    ).toEqual(PAGE_TABLE)
    for (const preset of webPresets) {
      expect(preset).toMatchObject({ partnerAction: 'reportWebEvent', type: 'automatic' })
    }
  })

  it("then Segment's eleven app presets, each for the same Segment event from a mobile device", () => {
    expect(presets).toEqual([...webPresets, ...appPresets])
    expect(destination.presets).toEqual(presets)
    expect(
      appPresets.map((preset) => [preset.name, 'subscribe' in preset && preset.subscribe, preset.mapping?.event])
    ).toEqual(
      APP_TABLE.map(([name, event, tiktok]) => [
        name,
        `event = "${event}" and (context.device.type = "ios" or context.device.type = "android")`,
        tiktok
      ])
    )
    for (const preset of appPresets) {
      expect(preset).toMatchObject({ partnerAction: 'reportAppEvent', type: 'automatic' })
    }
  })

  it.each(APP_TABLE.map(([name]) => name))(
    '%s: the iOS sample gives the exact app body; the web sample of the same event is not taken',
    async (name) => {
      const [, segmentEvent] = APP_TABLE.find(([candidate]) => candidate === name)!
      const web = Object.values(sampleEvents).find((event) => event.event === segmentEvent)
      const matching = (event: typeof web) =>
        appPresets.filter((preset) => 'subscribe' in preset && validate(parseFql(preset.subscribe), event))
      expect(matching(appSampleEvents[name]).map((preset) => preset.name)).toEqual([name])
      if (web) expect(matching(web)).toEqual([])

      const { captured } = mockTikTok()
      await new Destination(destination).onEvent(appSampleEvents[name], {
        ...SETTINGS,
        appID: '7301234567890123456',
        subscriptions: appPresets as unknown as JSONObject[]
      } as JSONObject)
      expect(captured.bodies).toHaveLength(1)
      expect(captured.bodies[0]).toMatchObject({ event_source: 'app', event_source_id: '7301234567890123456' })
      expect(captured.bodies[0]).toMatchSnapshot()
    }
  )

  it.each(PAGE_TABLE.map(([name]) => name))('%s: only its own trigger matches its sample event', (name) => {
    const matching = presets.filter(
      (preset) => 'subscribe' in preset && validate(parseFql(preset.subscribe), sampleEvents[name])
    )
    expect(matching.map((preset) => preset.name)).toEqual([name])
  })

  // Every preset's trigger event through actions-core's Destination with all presets subscribed:
  // exactly one request, and the exact body TikTok receives.
  const runtime = new Destination(destination)
  it.each(PAGE_TABLE.map(([name]) => name))('%s: the trigger event gives the exact body', async (name) => {
    const { captured } = mockTikTok()
    const results = await runtime.onEvent(sampleEvents[name], {
      ...SETTINGS,
      subscriptions: presets as unknown as JSONObject[]
    } as JSONObject)
    expect(results.filter((result) => result.output === 'Action Executed')).toHaveLength(1)
    expect(captured.bodies).toHaveLength(1)
    expect(captured.bodies[0]).toMatchSnapshot()
  })

  it('single-product events send the product of properties as contents', async () => {
    const { captured } = mockTikTok()
    await runtime.onEvent(sampleEvents['Add to Cart'], { ...SETTINGS, subscriptions: presets } as unknown as JSONObject)
    expect(captured.bodies[0].data[0].properties).toEqual({
      contents: [
        {
          content_id: 'sku-1001',
          content_name: 'Trail Runner',
          content_category: 'Shoes',
          brand: 'Northwind',
          price: 89.5,
          quantity: 1
        }
      ],
      content_type: 'product',
      currency: 'USD',
      value: 89.5
    })
  })

  it('cart and order events send properties.products[] as contents', async () => {
    const { captured } = mockTikTok()
    await runtime.onEvent(sampleEvents['Complete Payment'], {
      ...SETTINGS,
      subscriptions: presets
    } as unknown as JSONObject)
    const event = captured.bodies[0].data[0]
    expect(event.properties?.contents?.map((content) => content.content_id)).toEqual(['sku-1001', 'sku-2002'])
    expect(event.properties).toMatchObject({ value: 113.5, currency: 'USD', order_id: 'order-5001' })
    expect(event.user?.email).toEqual([sha('alice.doe@example.com')])
    expect(event.user?.phone).toEqual([sha('+14155550100')])
  })
})
