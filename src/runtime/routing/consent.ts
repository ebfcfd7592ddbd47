/**
 * Consent, read as Segment's Consent Management stamps it: `context.consent.categoryPreferences`, an
 * object of category → true/false. Segment delivers an event to a destination only when every category
 * mapped to it is true there; an event without `context.consent` flows unchanged. A consent that is not
 * an object (a string, a list), or an object without categoryPreferences (`{}`), refuses. Pure.
 */
import type { SegmentEvent } from '@segment/actions-core'

type Plain = Record<string, unknown>

const objectAt = (value: unknown): Plain | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Plain) : undefined

/**
 * Whether the event may go to this destination: true without categories needed or without
 * `context.consent`; else every category needed must be `true` in its categoryPreferences.
 */
export function consentGiven(event: SegmentEvent, categories: readonly string[]): boolean {
  if (categories.length === 0) return true
  const given = objectAt(event.context)?.consent
  if (given === undefined || given === null) return true
  // A consent that is not an object (a string, a list) says nothing was given: fail closed.
  const consent = objectAt(given)
  if (!consent) return false
  const preferences = objectAt(consent.categoryPreferences)
  return categories.every((category) => preferences?.[category] === true)
}

/**
 * The event with `properties.limited_data_use` true (where the actions read it), unless it says
 * true or false itself. A new event: the one given is not changed.
 */
export function withLimitedDataUse(event: SegmentEvent): SegmentEvent {
  const properties = objectAt(event.properties) ?? {}
  if (typeof properties.limited_data_use === 'boolean') return event
  return { ...event, properties: { ...properties, limited_data_use: true } }
}
