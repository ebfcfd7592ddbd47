/**
 * What the runtime sends where: the destination's presets, or the mappings of a mappings file, each a
 * trigger (FQL, matched with @segment/destination-subscriptions) and a Report Web Event mapping.
 */
import { defaultValues } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import { parseFql, validate } from '@segment/destination-subscriptions'
import { readFileSync } from 'node:fs'
import destination from '../destination'
import { MAX_EVENTS_PER_REQUEST } from '../destination/tiktok/api'

export const ACTION = 'reportWebEvent'
/** The product page: one destination instance supports at most 50 mappings. */
export const MAX_MAPPINGS = 50
/** How the Segment `integrations` object names this destination. */
export const INTEGRATION_NAME = 'Tiktok Conversions'

export interface Subscription {
  name: string
  subscribe: string
  mapping: JSONObject
  matches(event: SegmentEvent): boolean
}

const fields = destination.actions[ACTION].fields

function subscription(name: string, subscribe: string, mapping: JSONObject): Subscription {
  const fql = parseFql(subscribe)
  if ('error' in fql && fql.error) throw new Error(`trigger "${subscribe}" is not valid FQL: ${fql.error.message}`)
  return { name, subscribe, mapping, matches: (event) => validate(fql, event) }
}

/** The fifteen presets of the destination, as the runtime's default subscriptions. */
export function presetSubscriptions(): Subscription[] {
  return (destination.presets ?? []).flatMap((preset) =>
    preset.type === 'automatic'
      ? [subscription(preset.name ?? preset.subscribe, preset.subscribe, preset.mapping ?? {})]
      : []
  )
}

export class MappingsError extends Error {}

/**
 * Reads a mappings file: a JSON list of `{ name, subscribe, mapping }` (at most 50). Each mapping is
 * laid over Report Web Event's field defaults, as a new mapping starts in Segment; unknown fields, a
 * missing Event Name, an invalid trigger or a Batch Size over 1,000 are refused with the entry named.
 */
export function loadMappingsFile(path: string): Subscription[] {
  let entries: unknown
  try {
    entries = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new MappingsError(`MAPPINGS ${path}: cannot read it as JSON (${(error as Error).message})`)
  }
  return parseMappings(entries, `MAPPINGS ${path}`)
}

export function parseMappings(entries: unknown, source = 'mappings'): Subscription[] {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new MappingsError(`${source}: expected a non-empty JSON list of { name, subscribe, mapping }`)
  }
  if (entries.length > MAX_MAPPINGS) {
    throw new MappingsError(`${source}: ${entries.length} mappings; one destination supports at most ${MAX_MAPPINGS}`)
  }
  const names = new Set<string>()
  return entries.map((entry, index) => {
    const where = `${source}, mapping ${index + 1}`
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new MappingsError(`${where}: expected an object { name, subscribe, mapping }`)
    }
    const { name, subscribe, mapping } = entry as Record<string, unknown>
    if (typeof name !== 'string' || !name.trim()) throw new MappingsError(`${where}: "name" must be a non-empty string`)
    if (names.has(name)) throw new MappingsError(`${where}: the name "${name}" is used twice`)
    names.add(name)
    const named = `${where} ("${name}")`
    if (typeof subscribe !== 'string' || !subscribe.trim()) {
      throw new MappingsError(`${named}: "subscribe" must be an FQL trigger such as event = "Order Completed"`)
    }
    if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping)) {
      throw new MappingsError(`${named}: "mapping" must be an object of Report Web Event fields`)
    }
    const unknown = Object.keys(mapping).filter((key) => !(key in fields))
    if (unknown.length) {
      throw new MappingsError(`${named}: unknown field(s) ${unknown.join(', ')}; see the field table in README.md`)
    }
    const full = { ...defaultValues(fields), ...(mapping as JSONObject) } as JSONObject
    if (full.event === undefined || full.event === '')
      throw new MappingsError(`${named}: "mapping.event" (Event Name) is required`)
    const batchSize = full.batch_size
    if (typeof batchSize === 'number' && !(batchSize >= 1 && batchSize <= MAX_EVENTS_PER_REQUEST)) {
      throw new MappingsError(`${named}: "batch_size" must be between 1 and ${MAX_EVENTS_PER_REQUEST}`)
    }
    try {
      return subscription(name, subscribe, full)
    } catch (error) {
      throw new MappingsError(`${named}: ${(error as Error).message}`)
    }
  })
}

/**
 * The Segment `integrations` object: an event is skipped when it turns this destination off
 * (`"Tiktok Conversions": false`), or turns everything off (`All: false`) without turning it on. The
 * key is matched without regard to case: Segment's docs write "Tiktok Conversions", the ttclid and
 * ttp defaults read "TikTok Conversions".
 */
export function integrationEnabled(event: SegmentEvent): boolean {
  const integrations = event.integrations as Record<string, unknown> | undefined
  if (!integrations || typeof integrations !== 'object') return true
  const key = Object.keys(integrations).find((name) => name.toLowerCase() === INTEGRATION_NAME.toLowerCase())
  const own = key === undefined ? undefined : integrations[key]
  if (own === false) return false
  if (integrations.All === false) return own === true || (typeof own === 'object' && own !== null)
  return true
}
