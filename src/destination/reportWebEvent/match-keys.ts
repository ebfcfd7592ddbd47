/**
 * The identifiers TikTok matches an event's user on: which of the six match keys a built event
 * carries. Pure, a few property checks. `hasMatchKey` (prepare.ts, the "no identifier" warning) and
 * the runtime's Match keys tally both ask this function, so they never disagree.
 */
import type { TikTokUser } from '../tiktok/types'

/** The six match keys, in the order they are shown. `ip_user_agent` counts only with both. */
export const MATCH_KEYS = ['email', 'phone', 'external_id', 'ttclid', 'ttp', 'ip_user_agent'] as const
export type MatchKey = (typeof MATCH_KEYS)[number]

/** The fields of Report Web Event that fill each key (both for IP + User Agent). */
export const MATCH_KEY_FIELDS: Readonly<Record<MatchKey, readonly string[]>> = {
  email: ['email'],
  phone: ['phone_number'],
  external_id: ['external_id'],
  ttclid: ['ttclid'],
  ttp: ['ttp'],
  ip_user_agent: ['ip', 'user_agent']
}

/** A value of the user object that is there: a non-empty string or list. */
const present = (value: string | string[] | undefined) => value !== undefined && value.length > 0

/** The match keys a built event's user carries, in MATCH_KEYS order. */
export function matchKeysOf(user: TikTokUser | undefined): MatchKey[] {
  const keys: MatchKey[] = []
  if (!user) return keys
  if (present(user.email)) keys.push('email')
  if (present(user.phone)) keys.push('phone')
  if (present(user.external_id)) keys.push('external_id')
  if (present(user.ttclid)) keys.push('ttclid')
  if (present(user.ttp)) keys.push('ttp')
  if (present(user.ip) && present(user.user_agent)) keys.push('ip_user_agent')
  return keys
}
