/**
 * Same or better than Segment's published destination on every event: the places where a Segment
 * customer who switched would have lost data (issue 12), each with the exact body TikTok receives.
 * Events go through actions-core's Destination with the presets, or with a mapping as the runtime's
 * mappings file makes it, or as a new mapping in Segment starts (every field default).
 */
import { defaultValues, Destination } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import destination from '../../src/destination'
import { presets } from '../../src/destination/presets'
import { parseMappings } from '../../src/runtime/routing/subscriptions'
import { mockTikTok, SETTINGS, sendingAt, sha } from '../helpers'

sendingAt()

const runtime = new Destination(destination)
const TIME = '2026-11-02T10:15:30.000Z'
const EVENT_TIME = 1793614530

/** A track event with just what the test sets, plus the ids and time every event has. */
const track = (event: string, extra: Partial<SegmentEvent> = {}): SegmentEvent =>
  ({ type: 'track', event, messageId: 'm-1', timestamp: TIME, userId: 'user-1', ...extra }) as SegmentEvent

/** The one body TikTok receives for `event` under `subscriptions`. */
async function bodyFor(event: SegmentEvent, subscriptions: object[] = presets) {
  const { captured } = mockTikTok()
  await runtime.onEvent(event, { ...SETTINGS, subscriptions } as unknown as JSONObject)
  expect(captured.bodies).toHaveLength(1)
  return captured.bodies[0]
}

/** A mapping of a mappings file, as the runtime lays it over the defaults, subscribed to every track. */
const fromFile = (mapping: JSONObject) => {
  const [made] = parseMappings([{ name: 'm', subscribe: 'type = "track"', mapping }])
  return [{ partnerAction: 'reportWebEvent', subscribe: made.subscribe, mapping: made.mapping }]
}

/** A mapping as a new one starts in Segment: every field default. */
const fromDefinition = (mapping: JSONObject) => [
  {
    partnerAction: 'reportWebEvent',
    subscribe: 'type = "track"',
    mapping: { ...defaultValues(destination.actions.reportWebEvent.fields), ...mapping }
  }
]

const envelope = { event_source: 'web', event_source_id: SETTINGS.pixelCode, partner_name: 'Segment' }
const user1 = { external_id: [sha('user-1')] }

describe('1. travel and vehicle fields come from the event, as Segment maps them', () => {
  const hotel = track('Hotel Viewed', {
    properties: {
      city: 'Lisbon',
      region: 'Lisboa',
      country: 'Portugal',
      checkin_date: '2026-12-01',
      checkout_date: '2026-12-04',
      num_adults: 2,
      num_children: 1,
      suggested_hotels: ['h-1', 'h-2'],
      destination_ids: 'd-9',
      travel_class: 'eco',
      preferred_num_stops: 0,
      make: 'not a travel field'
    }
  })
  const travelBody = {
    ...envelope,
    data: [
      {
        event: 'ViewContent',
        event_time: EVENT_TIME,
        event_id: 'm-1',
        user: user1,
        properties: {
          city: 'Lisbon',
          region: 'Lisboa',
          country: 'Portugal',
          checkin_date: '2026-12-01',
          checkout_date: '2026-12-04',
          num_adults: 2,
          num_children: 1,
          suggested_hotels: ['h-1', 'h-2'],
          destination_ids: ['d-9'],
          travel_class: 'eco',
          preferred_num_stops: 0
        }
      }
    ]
  }

  it('a mappings-file mapping that asks for travel fields sends every one the event has', async () => {
    const mapping = { event: 'ViewContent', event_spec_type: 'travel_fields' }
    expect(await bodyFor(hotel, fromFile(mapping))).toEqual(travelBody)
  })

  it('so does a mapping created from the definition in Segment', async () => {
    const mapping = { event: 'ViewContent', event_spec_type: 'travel_fields' }
    expect(await bodyFor(hotel, fromDefinition(mapping))).toEqual(travelBody)
  })

  it('vehicle fields too, the drivetrain also from Segment\'s "drive_train"', async () => {
    const car = track('Car Viewed', {
      properties: {
        make: 'Volvo',
        model: 'EX30',
        year: 2025,
        state_of_vehicle: 'New',
        mileage_value: 12,
        mileage_unit: 'KM',
        drive_train: 'AWD',
        preferred_price_range_min: 30000,
        preferred_price_range_max: 45000,
        vin: 'YV1XZK7V0R2000001'
      }
    })
    const body = await bodyFor(car, fromFile({ event: 'ViewContent', event_spec_type: 'vehicle_fields' }))
    expect(body).toEqual({
      ...envelope,
      data: [
        {
          event: 'ViewContent',
          event_time: EVENT_TIME,
          event_id: 'm-1',
          user: user1,
          properties: {
            make: 'Volvo',
            model: 'EX30',
            year: 2025,
            state_of_vehicle: 'New',
            mileage: { value: 12, unit: 'KM' },
            drivetrain: 'AWD',
            preferred_price_range: [30000, 45000],
            vin: 'YV1XZK7V0R2000001'
          }
        }
      ]
    })
  })

  it('a mapping that asks for neither sends none of them, and its mapping holds none of their paths', async () => {
    const mapping = fromFile({ event: 'ViewContent' })
    expect(mapping[0].mapping).not.toHaveProperty('travel_fields')
    expect(mapping[0].mapping).not.toHaveProperty('vehicle_fields')
    for (const preset of presets) expect(Object.keys(preset.mapping ?? {})).not.toContain('travel_fields')
    expect(await bodyFor(hotel, mapping)).toEqual({
      ...envelope,
      data: [{ event: 'ViewContent', event_time: EVENT_TIME, event_id: 'm-1', user: user1 }]
    })
  })
})

describe('2. External ID is hashed trimmed and lowercased, as Segment hashes it', () => {
  it('a mixed-case user ID keeps the hash it had with Segment', async () => {
    const body = await bodyFor(track('Signed Up', { userId: '  AbC-123 ' }))
    expect(body).toEqual({
      ...envelope,
      data: [
        {
          event: 'CompleteRegistration',
          event_time: EVENT_TIME,
          event_id: 'm-1',
          user: { external_id: ['5942d94f524882e0f29bf0a1e5a6dcc952eea1c0c21dd3588a3fc7db9716db0c'] }
        }
      ]
    })
    expect(body.data[0].user?.external_id).toEqual([sha('abc-123')])
  })
})

describe('3. Contents: TikTok-shaped contents as sent, else products[], else the product itself', () => {
  const tiktokContents: JSONObject[] = [
    {
      content_id: 'sku-1',
      content_name: 'Trail Runner',
      price: 89.5,
      quantity: 1,
      content_category: 'Shoes',
      brand: 'Northwind',
      variant: 'not a TikTok key'
    },
    { content_id: 1002, price: '12.5', quantity: 2 }
  ]
  const products: JSONObject[] = [
    { product_id: 'sku-7', name: 'Wool Socks', price: 12, quantity: 2, category: 'Accessories', brand: 'Northwind' },
    { id: 'sku-8', name: 'Laces', price: 3 }
  ]
  /** `products` as TikTok receives them. */
  const productsAsContents = [
    {
      content_id: 'sku-7',
      content_name: 'Wool Socks',
      price: 12,
      quantity: 2,
      content_category: 'Accessories',
      brand: 'Northwind'
    },
    { content_id: 'sku-8', content_name: 'Laces', price: 3 }
  ]

  it('an order with TikTok-shaped properties.contents sends them as they are, before products[]', async () => {
    const body = await bodyFor(
      track('Order Completed', { properties: { contents: tiktokContents, products, currency: 'usd', value: 114.5 } })
    )
    expect(body).toEqual({
      ...envelope,
      data: [
        {
          event: 'CompletePayment',
          event_time: EVENT_TIME,
          event_id: 'm-1',
          user: user1,
          properties: {
            contents: [
              {
                content_id: 'sku-1',
                content_name: 'Trail Runner',
                price: 89.5,
                quantity: 1,
                content_category: 'Shoes',
                brand: 'Northwind'
              },
              { content_id: '1002', price: 12.5, quantity: 2 }
            ],
            content_type: 'product',
            currency: 'USD',
            value: 114.5
          }
        }
      ]
    })
  })

  it('an order without them maps properties.products[] as before', async () => {
    const body = await bodyFor(track('Order Completed', { properties: { products, contents: [] } }))
    expect(body.data[0].properties).toEqual({
      contents: productsAsContents,
      content_type: 'product'
    })
  })

  it('a single-product event that carries a products[] list sends the list', async () => {
    const body = await bodyFor(
      track('Product Added', { properties: { product_id: 'bundle-1', name: 'Bundle', products, value: 27 } })
    )
    expect(body).toEqual({
      ...envelope,
      data: [
        {
          event: 'AddToCart',
          event_time: EVENT_TIME,
          event_id: 'm-1',
          user: user1,
          properties: {
            contents: productsAsContents,
            content_type: 'product',
            value: 27
          }
        }
      ]
    })
  })

  it('a single-product event with TikTok-shaped contents sends them', async () => {
    const body = await bodyFor(
      track('Product Viewed', { properties: { product_id: 'x', contents: [tiktokContents[1]], products } })
    )
    expect(body.data[0].properties).toEqual({
      contents: [{ content_id: '1002', price: 12.5, quantity: 2 }],
      content_type: 'product'
    })
  })

  it('a single-product event with neither is its own product, as before', async () => {
    const body = await bodyFor(track('Product Viewed', { properties: { product_id: 'sku-1', name: 'Shoe', price: 9 } }))
    expect(body.data[0].properties).toEqual({
      contents: [{ content_id: 'sku-1', content_name: 'Shoe', price: 9 }],
      content_type: 'product'
    })
  })
})

describe("4. Event ID is the Pixel's event_id when the site passed one", () => {
  it('properties.event_id, else messageId', async () => {
    const withPixelId = await bodyFor(track('Form Submitted', { properties: { event_id: 'px-77' } }))
    expect(withPixelId).toEqual({
      ...envelope,
      data: [{ event: 'SubmitForm', event_time: EVENT_TIME, event_id: 'px-77', user: user1 }]
    })
    const numeric = await bodyFor(track('Form Submitted', { properties: { event_id: 1234 } }))
    expect(numeric.data[0].event_id).toBe('1234')
    const without = await bodyFor(track('Form Submitted', { properties: {} }))
    expect(without.data[0].event_id).toBe('m-1')
  })
})

describe('5. page comes from properties.url and properties.referrer without context.page', () => {
  it('a server-side event sends its page, and the ttclid in its URL', async () => {
    const body = await bodyFor(
      track('Callback Started', {
        properties: { url: 'https://shop.example.com/contact?ttclid=CLICK-5', referrer: 'https://www.tiktok.com/' }
      })
    )
    expect(body).toEqual({
      ...envelope,
      data: [
        {
          event: 'Contact',
          event_time: EVENT_TIME,
          event_id: 'm-1',
          user: { ...user1, ttclid: 'CLICK-5' },
          page: { url: 'https://shop.example.com/contact?ttclid=CLICK-5', referrer: 'https://www.tiktok.com/' }
        }
      ]
    })
  })

  it('context.page wins when the event has both', async () => {
    const body = await bodyFor(
      track('Callback Started', {
        context: { page: { url: 'https://a.example/' } },
        properties: { url: 'https://b.example/', referrer: 'https://r.example/' }
      })
    )
    expect(body.data[0].page).toEqual({ url: 'https://a.example/', referrer: 'https://r.example/' })
  })
})

describe('6. content_type only with contents or content IDs, taken from the event', () => {
  it('a Page View and a Complete Registration without contents send none', async () => {
    const page = await bodyFor({
      type: 'page',
      name: 'Home',
      messageId: 'm-1',
      timestamp: TIME,
      userId: 'user-1',
      properties: { url: 'https://shop.example.com/' }
    } as SegmentEvent)
    expect(page).toEqual({
      ...envelope,
      data: [
        {
          event: 'PageView',
          event_time: EVENT_TIME,
          event_id: 'm-1',
          user: user1,
          page: { url: 'https://shop.example.com/' }
        }
      ]
    })
    const signUp = await bodyFor(track('Signed Up'))
    expect(signUp).toEqual({
      ...envelope,
      data: [{ event: 'CompleteRegistration', event_time: EVENT_TIME, event_id: 'm-1', user: user1 }]
    })
  })

  it("the event's properties.content_type is sent with its contents", async () => {
    const body = await bodyFor(
      track('Product Viewed', { properties: { product_id: 'group-4', content_type: 'product_group' } })
    )
    expect(body).toEqual({
      ...envelope,
      data: [
        {
          event: 'ViewContent',
          event_time: EVENT_TIME,
          event_id: 'm-1',
          user: user1,
          properties: { contents: [{ content_id: 'group-4' }], content_type: 'product_group' }
        }
      ]
    })
  })

  it('content IDs alone bring product; a content type TikTok does not know becomes product', async () => {
    const ids = await bodyFor(track('Signed Up', { properties: { content_ids: ['a', 'b'] } }))
    expect(ids.data[0].properties).toEqual({ content_ids: ['a', 'b'], content_type: 'product' })
    const unknown = await bodyFor(track('Product Viewed', { properties: { product_id: 'p', content_type: 'Shoes' } }))
    expect(unknown.data[0].properties).toEqual({ contents: [{ content_id: 'p' }], content_type: 'product' })
  })
})

describe('7. a mappings-file mapping that passes the start check delivers', () => {
  it('a CRM mapping with its CRM Event Set ID sends to that set', async () => {
    const lead = track('Lead Qualified', {
      properties: { lead_id: 'lead-1', lead_event_source: 'Salesforce', email: 'Lead@Example.com' }
    })
    const body = await bodyFor(lead, fromFile({ event: 'Lead', event_source: 'crm', crm_event_set_id: 'CRMSET9' }))
    expect(body).toEqual({
      event_source: 'crm',
      event_source_id: 'CRMSET9',
      partner_name: 'Segment',
      data: [
        {
          event: 'Lead',
          event_time: EVENT_TIME,
          event_id: 'm-1',
          user: { email: [sha('lead@example.com')], external_id: [sha('user-1')] },
          lead: { lead_id: 'lead-1', lead_event_source: 'Salesforce' }
        }
      ]
    })
  })
})

describe('hard identifiers reach TikTok normalized', () => {
  it('digits of other scripts, an alpha-3 country, invisible characters, punctuated and decomposed names', async () => {
    const body = await bodyFor(
      track('Signed Up', {
        userId: '\u200BUser-42\u00A0',
        context: {
          traits: {
            email: '\u200B Alice@Example.com',
            phone: ['＋１ ４１５ ５５５ ０１００', '٠٢٠ ٧٩٤٦ ٠٩٥٨'],
            first_name: 'Jose\u0301',
            last_name: "O'Neil-Smith",
            address: { city: 'Mu\u0308nchen\u200B', country: 'GBR', postal_code: '\uFEFFSW1A 1AA' }
          }
        }
      })
    )
    expect(body).toEqual({
      ...envelope,
      data: [
        {
          event: 'CompleteRegistration',
          event_time: EVENT_TIME,
          event_id: 'm-1',
          user: {
            email: ['ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976'],
            phone: [
              '40d3f4e02db27d66cf4cfdda506c2c945f115a7955cc8491dda98ce5beabcda0',
              'f0bf0228144d9fe2bdf1da2d8ca698f17bf1410ee688b075c27062e47b6f0b6d'
            ],
            external_id: [sha('user-42')],
            first_name: 'd994e1d001886fe5b45b1267bd1fa2b752ac50742579bd3dad7b2a2aa0ed6866',
            last_name: sha('oneilsmith'),
            city: 'münchen',
            country: 'gb',
            zip_code: sha('sw1a1aa')
          }
        }
      ]
    })
  })
})
