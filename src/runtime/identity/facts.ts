/**
 * What identity memory keeps of a person: the match keys a later event of theirs may lack, each with
 * when it was last seen. Email and phone only as the plugin sends them (normalized, SHA-256): raw PII
 * is never kept. A person is known by their userId and anonymousId, kept as SHA-256 too (a userId can
 * be an email).
 */
import { sha256 } from '../../destination/shared/normalize'

/** The keys memory learns and adds, in the order shown. */
export const REMEMBERED_KEYS = ['email', 'phone', 'ttclid', 'ttp'] as const
export type RememberedKey = (typeof REMEMBERED_KEYS)[number]

/** One value, as sent to TikTok (email and phone hashed), and when it was seen (ms). */
export interface Fact {
  value: string
  at: number
}

export type Facts = Partial<Record<RememberedKey, Fact>>

/** An id of a person as an event gives it. */
export type IdKind = 'user' | 'anonymous'

/** The key a person's id is kept under: its kind (`u:` a userId, `a:` an anonymousId), then SHA-256 of kind and value. */
export const personKey = (kind: IdKind, id: string) => `${kind === 'user' ? 'u' : 'a'}:${sha256(`${kind}:${id}`)}`

/** The keys an id can be kept under, whichever kind it is (what a request to forget it names). */
export const eitherKey = (id: string) => [personKey('user', id), personKey('anonymous', id)]

/** `b`'s facts over `a`'s where newer (or `a` has none); facts seen before `since` left out. */
export function newest(a: Facts, b: Facts, since = -Infinity): Facts {
  const out: Facts = {}
  for (const key of REMEMBERED_KEYS) {
    const x = a[key] && a[key].at >= since ? a[key] : undefined
    const y = b[key] && b[key].at >= since ? b[key] : undefined
    const fact = x && y ? (y.at >= x.at ? y : x) : (x ?? y)
    if (fact) out[key] = fact
  }
  return out
}

export const hasFacts = (facts: Facts) => REMEMBERED_KEYS.some((key) => facts[key] !== undefined)
