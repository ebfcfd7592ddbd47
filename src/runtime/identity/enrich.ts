/**
 * What identity memory adds to an event before it is mapped: each remembered key the event lacks,
 * placed where the plugin's default mappings read it (the hashed email and phone in `context.traits`,
 * else in properties when the event has an empty one there, which the mapping reads first; ttclid and
 * ttp in properties). The plugin passes a SHA-256 value on without hashing it again. An event that
 * carries a key keeps its own. Pure: the event given is not changed.
 */
import type { SegmentEvent } from '@segment/actions-core'
import { REMEMBERED_KEYS, type Facts, type RememberedKey } from './facts'
import { objectAt, ttclidOf, ttpOf } from './learn'

type Plain = Record<string, unknown>

/** A value the mapping would send: a non-empty text, or a list with one. */
const carried = (value: unknown): boolean =>
  Array.isArray(value) ? value.some(carried) : typeof value === 'string' ? value.trim() !== '' : value !== undefined

/** Email or phone: what the default mapping reads, `properties.<key>` if it exists, else `context.traits.<key>`. */
function lacksContact(event: SegmentEvent, key: 'email' | 'phone'): boolean {
  const properties = objectAt(event.properties)
  if (properties && key in properties && properties[key] !== undefined && properties[key] !== null) {
    return !carried(properties[key])
  }
  return !carried(objectAt(objectAt(event.context)?.traits)?.[key])
}

/** The remembered keys the event lacks. */
export function lackedKeys(event: SegmentEvent): RememberedKey[] {
  const lacked: RememberedKey[] = []
  if (lacksContact(event, 'email')) lacked.push('email')
  if (lacksContact(event, 'phone')) lacked.push('phone')
  if (ttclidOf(event) === undefined) lacked.push('ttclid')
  if (ttpOf(event) === undefined) lacked.push('ttp')
  return lacked
}

/** The event with the remembered keys it lacks, and which those were (none: the same event). */
export function withRemembered(event: SegmentEvent, facts: Facts): { event: SegmentEvent; added: RememberedKey[] } {
  const added = lackedKeys(event).filter((key) => facts[key] !== undefined)
  if (added.length === 0) return { event, added }
  const properties: Plain = { ...objectAt(event.properties) }
  const context: Plain = { ...objectAt(event.context) }
  const traits: Plain = { ...objectAt(context.traits) }
  for (const key of REMEMBERED_KEYS) {
    const fact = facts[key]
    if (!fact || !added.includes(key)) continue
    if ((key === 'email' || key === 'phone') && !(key in properties && properties[key] != null))
      traits[key] = fact.value
    else properties[key] = fact.value
  }
  if (added.includes('email') || added.includes('phone')) context.traits = traits
  return { event: { ...event, properties, context } as SegmentEvent, added }
}
