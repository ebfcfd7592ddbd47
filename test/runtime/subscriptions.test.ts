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
} from '../../src/runtime/subscriptions'

const track = (event: string, extra: Partial<SegmentEvent> = {}) =>
  ({ type: 'track', event, userId: 'u', ...extra }) as SegmentEvent

describe('subscriptions', () => {
  it('are the fifteen presets by default, matched with FQL', () => {
    const subscriptions = presetSubscriptions()
    expect(subscriptions).toHaveLength(15)
    const matching = (event: SegmentEvent) => subscriptions.filter((s) => s.matches(event)).map((s) => s.name)
    expect(matching(track('Order Completed'))).toEqual(['Complete Payment'])
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
    expect(leads.mapping).toMatchObject({ event: 'Lead', event_id: { '@path': '$.messageId' }, batch_size: 1000 })
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
      'mapping 1 ("a"): trigger "event = = "x" is not valid FQL'
    ],
    [
      'with an unknown field',
      [{ name: 'a', subscribe: 'type = "track"', mapping: { event: 'Lead', colour: 'red' } }],
      'unknown field(s) colour'
    ],
    [
      'without an event name',
      [{ name: 'a', subscribe: 'type = "track"', mapping: {} }],
      '"mapping.event" (Event Name) is required'
    ],
    [
      'with a batch size over 1000',
      [{ name: 'a', subscribe: 'type = "track"', mapping: { event: 'Lead', batch_size: 5000 } }],
      '"batch_size" must be between 1 and 1000'
    ]
  ])('refuse a mappings file %s, saying what is wrong', (_name, entries, message) => {
    expect(() => parseMappings(entries, 'MAPPINGS m.json')).toThrow(MappingsError)
    expect(() => parseMappings(entries, 'MAPPINGS m.json')).toThrow(message)
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
