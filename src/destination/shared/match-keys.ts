/**
 * The identifiers TikTok matches an event's user on: which match keys a built event carries. Pure, a
 * few property checks. The "no identifier" warning of each action and the runtime's Match keys tally
 * both ask this function, so they never disagree.
 */
import type { TikTokUser } from '../tiktok/types'

/**
 * Every match key, in the order they are shown: the web six, then the app ones (advertising ids of
 * iOS and Android, the iOS vendor id). `ip_user_agent` counts only with both.
 */
export const MATCH_KEYS = [
  'email',
  'phone',
  'external_id',
  'ttclid',
  'ttp',
  'ip_user_agent',
  'idfa',
  'gaid',
  'idfv'
] as const
export type MatchKey = (typeof MATCH_KEYS)[number]

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
  if (present(user.idfa)) keys.push('idfa')
  if (present(user.gaid)) keys.push('gaid')
  if (present(user.idfv)) keys.push('idfv')
  return keys
}

/** What an action's events can carry, and the fields of the action that fill each key (both for IP + User Agent). */
export type MatchKeyFields = Partial<Record<MatchKey, readonly string[]>>
