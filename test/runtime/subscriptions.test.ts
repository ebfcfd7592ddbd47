import type { SegmentEvent } from '@segment/actions-core'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  integrationEnabled,
  loadMappingsFile,
  MappingsError,
  parseMappings,
  presetSubscriptions
} from '../../src/runtime/routing/subscriptions'

const track = (event: string, extra: Partial<SegmentEvent> = {}) =>
  ({ type: 'track', event, userId: 'u', ...extra }) as SegmentEvent

describe('subscriptions', () => {
  it('are the presets by default (fifteen web, then eleven app), matched with FQL', () => {
    const subscriptions = presetSubscriptions()
    expect(subscriptions).toHaveLength(26)
    expect(subscriptions.filter((s) => s.action === 'reportWebEvent')).toHaveLength(15)
    expect(subscriptions.filter((s) => s.action === 'reportAppEvent')).toHaveLength(11)
    const matching = (event: SegmentEvent) => subscriptions.filter((s) => s.matches(event)).map((s) => s.name)
    expect(matching(track('Order Completed'))).toEqual(['Complete Payment'])
    expect(matching(track('Order Completed', { context: { device: { type: 'ios' } } }))).toEqual([
      'Complete Payment',
      'Complete payment (app)'
    ])
    expect(matching({ type: 'page', userId: 'u' } as SegmentEvent)).toEqual(['Page View'])
    expect(matching(track('Something Else'))).toEqual([])
  })

  it('come from a mappings file, laid over the field defaults', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mappings-')), 'mappings.json')
    writeFileSync(
      file,
      JSON.stringify([{ name: 'Leads', subscribe: 'event = "Lead Captured"', mapping: { event: 'Lead' } }])
    )
    const [leads] = loadMappingsFile(file)
    expect(leads.name).toBe('Leads')
    expect(leads.matches(track('Lead Captured'))).toBe(true)
    expect(leads.mapping).toMatchObject({ event: 'Lead', timestamp: { '@path': '$.timestamp' }, batch_size: 1000 })
  })

  it('get the travel or vehicle defaults only when Additional Fields asks for them', () => {
    const groups = (mapping: object) =>
      Object.keys(parseMappings([{ name: 'm', subscribe: 'type = "track"', mapping }])[0].mapping).filter((key) =>
        /^(travel|vehicle)_fields$/.test(key)
      )
    expect(groups({ event: 'Lead' })).toEqual([])
    expect(groups({ event: 'ViewContent', event_spec_type: 'travel_fields' })).toEqual(['travel_fields'])
    expect(groups({ event: 'ViewContent', event_spec_type: 'vehicle_fields' })).toEqual(['vehicle_fields'])
    // Decided on each event: either may be needed.
    expect(groups({ event: 'ViewContent', event_spec_type: { '@path': '$.properties.kind' } })).toEqual([
      'vehicle_fields',
      'travel_fields'
    ])
    // What the mapping maps itself stays as it is written.
    const own = { city: { '@path': '$.properties.hotel_city' } }
    const [hotel] = parseMappings([
      {
        name: 'm',
        subscribe: 'type = "track"',
        mapping: { event: 'Lead', event_spec_type: 'travel_fields', travel_fields: own }
      }
    ])
    expect(hotel.mapping.travel_fields).toEqual(own)
  })

  it.each<[string, unknown, string]>([
    ['not a list', { name: 'x' }, 'expected a non-empty JSON list'],
    ['empty', [], 'expected a non-empty JSON list'],
    [
      'more than 50',
      Array.from({ length: 51 }, (_, i) => ({
        name: `m${i}`,
        subscribe: 'type = "track"',
        mapping: { event: 'Lead' }
      })),
      '51 mappings; one destination supports at most 50'
    ],
    [
      'without a name',
      [{ subscribe: 'type = "track"', mapping: { event: 'Lead' } }],
      'mapping 1: "name" must be a non-empty string'
    ],
    [
      'with a name twice',
      [
        { name: 'a', subscribe: 'type = "track"', mapping: { event: 'Lead' } },
        { name: 'a', subscribe: 'type = "track"', mapping: { event: 'Lead' } }
      ],
      'the name "a" is used twice'
    ],
    [
      'with an invalid trigger',
      [{ name: 'a', subscribe: 'event = = "x', mapping: { event: 'Lead' } }],
      'MAPPINGS m.json: mapping 1 ("a"): trigger `event = = "x`: cannot be read: unterminated string (a " is never closed)'
    ],
    [
      'with an unknown field',
      [{ name: 'a', subscribe: 'type = "track"', mapping: { event: 'Lead', colour: 'red' } }],
      'unknown field(s) colour'
    ],
    [
      'without an event name',
      [{ name: 'a', subscribe: 'type = "track"', mapping: {} }],
      'MAPPINGS m.json: mapping 1 ("a"): Event Name (event) is required'
    ],
    [
      'with a batch size over 1000',
      [{ name: 'a', subscribe: 'type = "track"', mapping: { event: 'Lead', batch_size: 5000 } }],
      'MAPPINGS m.json: mapping 1 ("a"): "batch_size": Batch Size must be equal to or less than 1000.'
    ]
  ])('refuse a mappings file %s, saying what is wrong', (_name, entries, message) => {
    expect(() => parseMappings(entries, 'MAPPINGS m.json')).toThrow(MappingsError)
    expect(() => parseMappings(entries, 'MAPPINGS m.json')).toThrow(message)
  })

  it('refuse a CRM mapping without its CRM Event Set ID at start, in words', () => {
    const entries = [
      { name: 'CRM leads', subscribe: 'event = "Lead Qualified"', mapping: { event: 'Lead', event_source: 'crm' } }
    ]
    expect(() => parseMappings(entries, 'MAPPINGS m.json')).toThrow(
      new MappingsError('MAPPINGS m.json', [
        'mapping 1 ("CRM leads"): CRM Event Set ID (crm_event_set_id) is required when Event Source (event_source) is crm'
      ])
    )
    // Mapped from the event, it is known only there: the event is checked when it comes.
    const fromEvent = {
      ...entries[0],
      mapping: { ...entries[0].mapping, crm_event_set_id: { '@path': '$.properties.set' } }
    }
    expect(parseMappings([fromEvent])).toHaveLength(1)
    // An Event Source mapped from the event is checked there too.
    expect(
      parseMappings([{ ...entries[0], mapping: { event: 'Lead', event_source: { '@path': '$.properties.source' } } }])
    ).toHaveLength(1)
  })

  it('report every problem of every mapping at once, each with its mapping', () => {
    const entries = [
      { name: 'Good', subscribe: 'event = "Order Completed"', mapping: { event: 'CompletePayment' } },
      {
        name: 'Orders',
        subscribe: 'event = "Order Completed" AND properties.total > 10',
        mapping: {
          event: 'CompletePayment',
          value: 'lots',
          event_source: 'shop',
          contents: [{ content_id: 'a', price: 'free' }],
          address: { city: { '@pth': '$.properties.city' } },
          batch_size: 0,
          colour: 'red'
        }
      },
      { name: 'CRM', subscribe: 'event = "Lead"', mapping: { event_source: 'crm' } },
      { name: 'Orders', subscribe: '', mapping: [] },
      'not a mapping'
    ]
    let error: MappingsError | undefined
    try {
      parseMappings(entries, 'MAPPINGS m.json')
    } catch (caught) {
      error = caught as MappingsError
    }
    expect(error).toBeInstanceOf(MappingsError)
    expect(error?.problems).toEqual([
      'mapping 2 ("Orders"): trigger `event = "Order Completed" AND properties.total > 10`: write "and" in lower case: "AND" is not read as a conditional',
      'mapping 2 ("Orders"): unknown field(s) colour; see the field table in docs/plugin.md',
      'mapping 2 ("Orders"): "address.city" has an invalid directive: @pth.',
      'mapping 2 ("Orders"): "event_source": Event Source must be one of: "web" or "crm".',
      'mapping 2 ("Orders"): "contents[0].price": Price must be a number but it was a string.',
      'mapping 2 ("Orders"): "value": Value must be a number but it was a string.',
      'mapping 2 ("Orders"): "batch_size": Batch Size must be equal to or greater than 1.',
      'mapping 3 ("CRM"): Event Name (event) is required',
      'mapping 3 ("CRM"): CRM Event Set ID (crm_event_set_id) is required when Event Source (event_source) is crm',
      'mapping 4 ("Orders"): the name "Orders" is used twice',
      'mapping 4 ("Orders"): "subscribe" must be an FQL trigger such as event = "Order Completed"',
      'mapping 4 ("Orders"): "mapping" must be an object of Report Web Event fields',
      'mapping 5: expected an object { name, subscribe, mapping }'
    ])
    expect(error?.message).toMatch(/^MAPPINGS m\.json: 13 problems: \(1\) mapping 2 \("Orders"\): trigger /)
  })

  it.each<[string, string]>([
    ['', '"subscribe" must be an FQL trigger such as event = "Order Completed"'],
    ['event = = "x"', 'a value must follow "event =", not "="'],
    ['event = "x', 'cannot be read: unterminated string (a " is never closed)'],
    ['(event = "x"', 'a "(" is never closed'],
    ['event = "x")', 'a ")" has no matching "("'],
    ['()', 'has empty parentheses'],
    ['"x"', '"x" is not where a condition starts (a condition is like event = "Order Completed")'],
    ['event', '"event" must be followed by an operator (=, !=, <, >, <=, >=), not the end'],
    ['event =', 'a value must follow "event =", not the end'],
    ['event = "x" and', '"and" must be followed by a condition, not the end'],
    ['event = "x" and type', '"type" must be followed by an operator (=, !=, <, >, <=, >=), not the end'],
    ['event = "x" type = "track"', '"type" cannot follow a condition: join conditions with and / or'],
    ['event = "a" OR event = "b"', 'write "or" in lower case: "OR" is not read as a conditional'],
    [
      'event = "a" and type = "track" or event = "b"',
      'mixes "and" and "or" without parentheses, which the matcher would read as all "or" or all "and": group them, as in a and (b or c)'
    ],
    [
      'foo = "x"',
      '"foo" is not something a trigger can test: use type, event, name, userId, properties.<name>, traits.<name> or context.<name>'
    ],
    ['properties = "x"', 'properties needs a name after a dot, as in properties.total'],
    ['event.name = "x"', '"event.name": event has no fields'],
    ['type = track', 'the value after "type =" must be in double quotes: "track"'],
    ["event = 'Order Completed'", `strings take double quotes: write "Order Completed" instead of 'Order Completed'`],
    ['type = "Track"', 'type is one of track, page, screen, identify, group, alias; "Track" never matches'],
    ['userId > null', 'null can only follow = or !=, not "userId >"'],
    ['!type = "page"', '"!" can only negate contains(…) or match(…)'],
    ['contains(event)', 'contains() is written contains(event, "text"); found ")"'],
    [
      'match(event, "Order")',
      'match() needs a pattern that starts or ends with *, as in match(event, "prefix*") or match(event, "*suffix")'
    ],
    ['contains(type, "t")', 'contains() and match() cannot test type'],
    ['event = "x" & type = "y"', 'cannot be read: invalid character "&"']
  ])('explain the trigger %p in words', (subscribe, problem) => {
    const entries = [{ name: 'a', subscribe, mapping: { event: 'Lead' } }]
    const where = subscribe.trim() ? `trigger \`${subscribe}\`: ` : ''
    expect(() => parseMappings(entries, 'M')).toThrow(new MappingsError('M', [`mapping 1 ("a"): ${where}${problem}`]))
  })

  it.each([
    'event = "Order Completed"',
    'type="page"',
    'type = "track" and (event = "A" or event = "B")',
    'properties.total >= 10.5 and properties.coupon != null and traits.vip = true',
    'context.app.name = "Shop" or userId = null',
    '!contains(event, "Test") and match(event, "Order*") and match(name, "*Home")',
    'properties.order_id != null'
  ])('accept the trigger %p', (subscribe) => {
    const [made] = parseMappings([{ name: 'a', subscribe, mapping: { event: 'Lead' } }])
    expect(made.subscribe).toBe(subscribe)
  })

  it('refuse a mappings file that is not JSON', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mappings-')), 'broken.json')
    writeFileSync(file, '[{')
    expect(() => loadMappingsFile(file)).toThrow(/cannot read it as JSON/)
  })
})

describe('the integrations object', () => {
  it.each<[string, object | undefined, boolean]>([
    ['absent', undefined, true],
    ['without this destination', { Amplitude: false }, true],
    ['turning it off', { 'Tiktok Conversions': false }, false],
    ['turning everything off', { All: false }, false],
    ['turning everything off but it', { All: false, 'Tiktok Conversions': true }, true],
    ['turning everything off but giving it options', { All: false, 'Tiktok Conversions': { ttclid: 'x' } }, true],
    ['turning it off, spelled TikTok', { 'TikTok Conversions': false }, false],
    ['turning everything off but it, spelled TikTok', { All: false, 'TikTok Conversions': { ttclid: 'x' } }, true]
  ])('%s → %s', (_name, integrations, enabled) => {
    expect(integrationEnabled(track('A', { integrations } as Partial<SegmentEvent>))).toBe(enabled)
  })
})
