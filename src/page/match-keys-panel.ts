/**
 * The Match keys panel's answer (`GET /api/match-keys`): per mapping, over its last delivered events
 * (dry-run deliveries included), the share that carried each key TikTok matches on, and a sentence
 * for the weakest key naming the field to map. Made from the runtime's tally: counts only.
 */
import destination from '../destination'
import { MATCH_KEY_FIELDS, MATCH_KEYS, type MatchKey } from '../destination/reportWebEvent/match-keys'
import type { Runtime } from '../runtime'
import type { MappingMatchKeys } from '../runtime/ops/match-key-tally'

const LABELS: Record<MatchKey, string> = {
  email: 'Email',
  phone: 'Phone',
  external_id: 'External ID',
  ttclid: 'TikTok Click ID',
  ttp: 'TikTok Cookie ID',
  ip_user_agent: 'IP + User Agent'
}

/** What an event "carries", in a sentence. */
const NOUNS: Record<MatchKey, string> = {
  email: 'an email',
  phone: 'a phone number',
  external_id: 'an external ID',
  ttclid: 'a TikTok Click ID',
  ttp: 'a TikTok Cookie ID',
  ip_user_agent: 'an IP address and user agent'
}

const { fields } = destination.actions.reportWebEvent

/** The field to map for a key, by its label in the definition: "Email", "IP Address and User Agent". */
const fieldToMap = (key: MatchKey) => MATCH_KEY_FIELDS[key].map((field) => fields[field].label).join(' and ')

export interface KeyShare {
  key: MatchKey
  label: string
  /** Events that carried the key. */
  count: number
  /** Whole percent of the events; never 0 when one carried it, never 100 when one did not. */
  percent: number
}

export interface MappingShares {
  mapping: string
  /** How many delivered events the shares are out of. */
  events: number
  shares: KeyShare[]
  /** The key carried least (the first of those when several are), and the field to map for it. */
  weakest: KeyShare & { field: string }
  /** The sentence about the weakest key. */
  advice: string
}

export interface MatchKeysAnswer {
  /** How many of its last delivered events a mapping's shares are taken over (at least). */
  window: number
  keys: { key: MatchKey; label: string }[]
  mappings: MappingShares[]
  /** Said when no event has been delivered yet. */
  message?: string
}

export function percent(count: number, total: number): number {
  if (total <= 0 || count <= 0) return 0
  if (count >= total) return 100
  return Math.min(99, Math.max(1, Math.round((count / total) * 100)))
}

function advice(mapping: string, weakest: KeyShare & { field: string }): string {
  if (weakest.percent === 100) return `Every ${mapping} event carries all six keys.`
  const where = `map ${weakest.field} to where your events keep it.`
  if (weakest.count === 0) return `No ${mapping} event carries ${NOUNS[weakest.key]}: ${where}`
  return `Only ${weakest.percent}% of ${mapping} events carry ${NOUNS[weakest.key]}: ${where}`
}

export function sharesOf({ mapping, events, keys }: MappingMatchKeys): MappingShares {
  const shares = MATCH_KEYS.map((key) => ({
    key,
    label: LABELS[key],
    count: keys[key],
    percent: percent(keys[key], events)
  }))
  const least = shares.reduce((weakest, share) => (share.count < weakest.count ? share : weakest))
  const weakest = { ...least, field: fieldToMap(least.key) }
  return { mapping, events, shares, weakest, advice: advice(mapping, weakest) }
}

export function matchKeysAnswer(runtime: Runtime): MatchKeysAnswer {
  const order = runtime.subscriptions.map((subscription) => subscription.name)
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length)
  const mappings = runtime.matchKeys
    .report()
    .sort((a, b) => rank(a.mapping) - rank(b.mapping))
    .map(sharesOf)
  return {
    window: runtime.matchKeys.size,
    keys: MATCH_KEYS.map((key) => ({ key, label: LABELS[key] })),
    mappings,
    message: mappings.length
      ? undefined
      : 'No events yet: the shares appear once events sent to the Tracking API are delivered (in dry-run too).'
  }
}
