/**
 * The Match keys panel's answer (`GET /api/match-keys`): per mapping, over its last delivered events
 * (dry-run deliveries included), the share that carried each key its action's events can carry (web:
 * six; app: email, phone, external ID, IP + user agent, IDFA, GAID, IDFV; offline: five), and a
 * sentence for the weakest key naming the field to map. Made from the runtime's tally: counts only.
 */
import { APP_MATCH_KEY_FIELDS } from '../destination/reportAppEvent/match-keys'
import { OFFLINE_MATCH_KEY_FIELDS } from '../destination/reportOfflineEvent/match-keys'
import { WEB_MATCH_KEY_FIELDS } from '../destination/reportWebEvent/match-keys'
import { MATCH_KEYS, type MatchKey, type MatchKeyFields } from '../destination/shared/match-keys'
import type { Runtime } from '../runtime'
import type { MappingMatchKeys } from '../runtime/ops/match-key-tally'
import { DEFAULT_ACTION, fieldsOf, type ActionName } from '../runtime/routing/actions'
import { identityAnswer, type IdentityAnswer } from './identity-panel'
import { percent } from './percent'

const LABELS: Record<MatchKey, string> = {
  email: 'Email',
  phone: 'Phone',
  external_id: 'External ID',
  ttclid: 'TikTok Click ID',
  ttp: 'TikTok Cookie ID',
  ip_user_agent: 'IP + User Agent',
  idfa: 'IDFA',
  gaid: 'GAID',
  idfv: 'IDFV'
}

/** What an event "carries", in a sentence. */
const NOUNS: Record<MatchKey, string> = {
  email: 'an email',
  phone: 'a phone number',
  external_id: 'an external ID',
  ttclid: 'a TikTok Click ID',
  ttp: 'a TikTok Cookie ID',
  ip_user_agent: 'an IP address and user agent',
  idfa: 'an IDFA (iOS advertising ID)',
  gaid: 'a GAID (Android advertising ID)',
  idfv: 'an IDFV (iOS vendor ID)'
}

/** Per action, the keys its events can carry and the fields that fill each. */
const KEY_FIELDS: Record<ActionName, MatchKeyFields> = {
  reportWebEvent: WEB_MATCH_KEY_FIELDS,
  reportAppEvent: APP_MATCH_KEY_FIELDS,
  reportOfflineEvent: OFFLINE_MATCH_KEY_FIELDS
}

/** The keys of an action's events, in the order shown. */
const keysOf = (action: ActionName) => MATCH_KEYS.filter((key) => KEY_FIELDS[action][key])

/**
 * Keys that only events of one platform carry (IDFA and IDFV on iOS, GAID on Android): an app of one
 * platform never carries the others, so none of them is advised as the weakest while the other
 * platform's advertising ID is there.
 */
const PLATFORM_KEYS: ReadonlySet<MatchKey> = new Set(['idfa', 'gaid', 'idfv'])

/** The field to map for a key, by its label in the definition: "Email", "IP Address and User Agent". */
const fieldToMap = (action: ActionName, key: MatchKey) => {
  const fields = fieldsOf(action)
  return (KEY_FIELDS[action][key] ?? []).map((field) => fields[field].label).join(' and ')
}

const NUMBERS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']

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
  /** The action its events are reported with. */
  action: ActionName
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
  /** Identity memory's gain per mapping (or, off, what it would add). */
  identity: IdentityAnswer
  /** Events acknowledged and not delivered: their consent lacks a category CONSENT_CATEGORIES names. */
  consentRefused: number
  /** CONSENT_CATEGORIES. */
  consentCategories: string[]
}

export { percent }

function advice(mapping: string, shares: KeyShare[], weakest: KeyShare & { field: string }): string {
  if (weakest.percent === 100) {
    return shares.every((share) => share.percent === 100)
      ? `Every ${mapping} event carries all ${NUMBERS[shares.length] ?? shares.length} keys.`
      : `Every ${mapping} event carries every key its platform has (an iOS event no GAID, an Android one no IDFA or IDFV).`
  }
  const where = `map ${weakest.field} to where your events keep it.`
  if (weakest.count === 0) return `No ${mapping} event carries ${NOUNS[weakest.key]}: ${where}`
  return `Only ${weakest.percent}% of ${mapping} events carry ${NOUNS[weakest.key]}: ${where}`
}

export function sharesOf(
  { mapping, events, keys }: MappingMatchKeys,
  action: ActionName = DEFAULT_ACTION
): MappingShares {
  const shares = keysOf(action).map((key) => ({
    key,
    label: LABELS[key],
    count: keys[key] ?? 0,
    percent: percent(keys[key] ?? 0, events)
  }))
  // An advertising ID of either platform: the platform keys are then no one's weakest.
  const advertised = (keys.idfa ?? 0) + (keys.gaid ?? 0) > 0
  const candidates = shares.filter((share) => !(advertised && PLATFORM_KEYS.has(share.key)))
  const least = candidates.reduce((weakest, share) => (share.count < weakest.count ? share : weakest))
  const weakest = { ...least, field: fieldToMap(action, least.key) }
  return { mapping, action, events, shares, weakest, advice: advice(mapping, shares, weakest) }
}

export function matchKeysAnswer(runtime: Runtime): MatchKeysAnswer {
  const order = runtime.subscriptions.map((subscription) => subscription.name)
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length)
  const actionOf = (name: string) => runtime.subscriptions[rank(name)]?.action ?? DEFAULT_ACTION
  const mappings = runtime.matchKeys
    .report()
    .sort((a, b) => rank(a.mapping) - rank(b.mapping))
    .map((counts) => sharesOf(counts, actionOf(counts.mapping)))
  return {
    window: runtime.matchKeys.size,
    keys: MATCH_KEYS.map((key) => ({ key, label: LABELS[key] })),
    mappings,
    identity: identityAnswer(runtime),
    consentRefused: runtime.pipeline.counts.refused,
    consentCategories: runtime.consentCategories(),
    message: mappings.length
      ? undefined
      : 'No events yet: the shares appear once events sent to the Tracking API are delivered (in dry-run too).'
  }
}
