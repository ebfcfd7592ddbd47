/**
 * Where identity memory keeps what it learned: one record per person key (a userId's or an
 * anonymousId's, hashed), holding the facts and the keys it is linked to (both ways). Records expire
 * IDENTITY_TTL_DAYS after they were last written. SQLite in DATA_DIR (sqlite-store.ts) or Redis,
 * shared by every runtime (redis-store.ts).
 */
import { newest, REMEMBERED_KEYS, type Facts } from './facts'

/** The SQLite store's file in DATA_DIR. */
export const SQLITE_FILE = 'identities.db'

export interface PersonRecord {
  facts: Facts
  /** The person keys this one was seen with (an anonymousId with its userId). */
  links: string[]
}

export interface IdentityStore {
  /** Where it is, for the log (no password). */
  readonly where: string
  /** The records of these keys that exist and have not expired. */
  load(keys: string[]): Promise<Map<string, PersonRecord>>
  /**
   * Keeps `facts` on every key (newer than what is there) and links every key to the others; each
   * record now expires at `expiresAt` (ms).
   */
  learn(keys: string[], facts: Facts, expiresAt: number): Promise<void>
  /** Removes these records. */
  remove(keys: string[]): Promise<void>
  close(): Promise<void>
}

/** How far a lookup follows links (anonymousId → userId → another device's anonymousId), and how many records. */
const MAX_HOPS = 2
const MAX_RECORDS = 32

/** The keys linked to `keys`, them included, following links up to `hops` (bounded by `max`). */
export async function linked(
  store: IdentityStore,
  keys: string[],
  hops: number,
  max: number
): Promise<Map<string, PersonRecord>> {
  const found = new Map<string, PersonRecord>()
  let frontier = [...new Set(keys)]
  const asked = new Set(frontier)
  for (let hop = 0; frontier.length && hop <= hops && found.size < max; hop++) {
    const records = await store.load(frontier.slice(0, max - found.size))
    const next: string[] = []
    for (const [key, record] of records) {
      found.set(key, record)
      for (const link of record.links) {
        if (!asked.has(link)) {
          asked.add(link)
          next.push(link)
        }
      }
    }
    frontier = next
  }
  return found
}

/** The records of these keys and those linked to them (a lookup: bounded). */
export const lookup = (store: IdentityStore, keys: string[]) => linked(store, keys, MAX_HOPS, MAX_RECORDS)

/** What the records know, seen since `since` (ms). */
export function merged(records: Map<string, PersonRecord>, since: number): Facts {
  let facts: Facts = {}
  for (const record of records.values()) facts = newest(facts, record.facts, since)
  return facts
}

/** What is known of the person of these keys and those linked to them, seen since `since` (ms). */
export async function recall(store: IdentityStore, keys: string[], since: number): Promise<Facts> {
  return merged(await lookup(store, keys), since)
}

/**
 * Whether learning `facts` for `keys` would change nothing worth a write: every key has a record
 * linked to the others, holding each fact's value seen since `fresh` (ms). Most events of a known
 * person are so; a write then would only move their expiry by less than the time since `fresh`.
 */
export function alreadyKnown(records: Map<string, PersonRecord>, keys: string[], facts: Facts, fresh: number): boolean {
  return keys.every((key) => {
    const record = records.get(key)
    if (!record) return false
    if (keys.some((other) => other !== key && !record.links.includes(other))) return false
    return REMEMBERED_KEYS.every((name) => {
      const fact = facts[name]
      const known = record.facts[name]
      return !fact || (known !== undefined && known.value === fact.value && known.at >= fresh)
    })
  })
}

/** Forgets the person of these keys and every key linked to them, however far; returns how many records went. */
export async function forgetPerson(store: IdentityStore, keys: string[]): Promise<number> {
  const records = await linked(store, keys, Infinity, 10_000)
  await store.remove([...records.keys()])
  return records.size
}
