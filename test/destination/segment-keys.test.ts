/**
 * A Segment customer who switches from TikTok App Events or TikTok Offline Conversions keeps every
 * field: each field key of Segment's published actions (test/fixtures/segment-published-fields.json,
 * taken from @segment/action-destinations 3.497.0, the benchmark's) is a field of ours, in Segment's
 * order, with Segment's default, but where docs/plugin.md says we add to it.
 */
import { defaultValues } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import destination from '../../src/destination'
import published from '../fixtures/segment-published-fields.json'

const PRODUCTS_ELSE = { '@if': { exists: { '@path': '$.properties.contents[0]' } } }

describe.each(['reportAppEvent', 'reportOfflineEvent'] as const)("Segment's %s", (action) => {
  const segment = published.actions[action] as { keys: string[]; defaults: JSONObject }
  const fields = destination.actions[action].fields
  const ours = defaultValues(fields) as JSONObject

  it('has every field key of ours, in its order, then our batching fields', () => {
    expect(Object.keys(fields)).toEqual([...segment.keys, 'enable_batching', 'batch_size', 'batch_keys'])
  })

  it('has the same default for each, but where we add a fallback Segment lacks', () => {
    const added: Record<string, unknown> = {}
    for (const key of segment.keys) {
      if (JSON.stringify(ours[key]) === JSON.stringify(segment.defaults[key])) continue
      added[key] = ours[key]
    }
    // Contents: Segment's has no default (its presets map it); ours is properties.contents, else products[].
    expect(segment.defaults.contents).toBeUndefined()
    expect(added.contents).toMatchObject(PRODUCTS_ELSE)
    delete added.contents
    if (action === 'reportOfflineEvent') {
      // Page URL and Referrer: Segment's path first, then the properties a server-side event carries.
      for (const key of ['url', 'referrer'] as const) {
        const segmentPath = segment.defaults[key] as { '@path': string }
        expect(added[key]).toEqual({
          '@if': { exists: segmentPath, then: segmentPath, else: { '@path': `$.properties.${key}` } }
        })
        delete added[key]
      }
    }
    expect(added).toEqual({})
  })
})
