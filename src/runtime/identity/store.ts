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
   * record now expires at `expiresAt` (ms). Facts a record holds that were seen before `since` (ms:
   * the TTL ago) are dropped, so a record kept alive by new facts never keeps an old one.
   */
  learn(keys: string[], facts: Facts, expiresAt: number, since: number): Promise<void>
  /** The keys of the records that link to this one (a user's devices, even after the user's record expired). */
  linkedTo(key: string): Promise<string[]>
  /** Removes these records. */
  remove(keys: string[]): Promise<void>
  close(): Promise<void>
}

/** How many device records a lookup reads at most for one user. */
const MAX_DEVICES = 32

const isUser = (key: string) => key.startsWith('u:')

/** The users a record was seen with. */
const usersOf = (record: PersonRecord | undefined) => record?.links.filter(isUser) ?? []

/**
 * The records of the person of these keys: their user's record and those of their devices (the
 * anonymousIds seen with it); with an anonymousId alone, the user it was seen with, if only one. With
 * `strict` (a lookup), a device seen with another user too (a shared computer) is left out, so that
 * nobody's keys go on someone else's event; without (forgetting), it goes with each of them.
 */
async function personOf(store: IdentityStore, keys: string[], strict: boolean): Promise<Map<string, PersonRecord>> {
  const found = await store.load([...new Set(keys)])
  const seenWith = new Set(keys.filter((key) => !isUser(key)).flatMap((key) => usersOf(found.get(key))))
  const user = keys.find(isUser) ?? (seenWith.size === 1 ? [...seenWith][0] : undefined)
  if (user !== undefined && !found.has(user))
    for (const [key, record] of await store.load([user])) found.set(key, record)
  // Forgetting also asks which records link to the user (its own record may have expired before
  // theirs), and takes them all; a lookup reads at most MAX_DEVICES.
  const linking = strict || user === undefined ? [] : await store.linkedTo(user)
  const devices = [...new Set([...(found.get(user ?? '')?.links ?? []), ...linking])].filter(
    (key) => !isUser(key) && !found.has(key)
  )
  for (const [key, record] of await store.load(strict ? devices.slice(0, MAX_DEVICES) : devices)) found.set(key, record)
  if (strict) {
    for (const [key, record] of found) {
      const others = usersOf(record).filter((other) => other !== user)
      if (!isUser(key) && (others.length > 0 || (user === undefined && usersOf(record).length > 1))) found.delete(key)
    }
  }
  return found
}

/** The records of the person of these keys, for a lookup (bounded; no shared device). */
export const lookup = (store: IdentityStore, keys: string[]) => personOf(store, keys, true)

/** What the records know, seen since `since` (ms). */
export function merged(records: Map<string, PersonRecord>, since: number): Facts {
  let facts: Facts = {}
  for (const record of records.values()) facts = newest(facts, record.facts, since)
  return facts
}

/** What is known of the person of these keys (see personOf), seen since `since` (ms). */
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

/**
 * Forgets the person of these keys: their user's record and every device seen with it, however many,
 * found from either side's links (a device
 * shared with another user goes too: it may hold this person's keys); returns how many records went.
 */
export async function forgetPerson(store: IdentityStore, keys: string[]): Promise<number> {
  // An id is asked for as both kinds: only the kind kept names the person (a user also when only
  // their devices' records are left).
  const found = await store.load(keys)
  const kept: string[] = []
  for (const key of keys) if (found.has(key) || (isUser(key) && (await store.linkedTo(key)).length > 0)) kept.push(key)
  const records = await personOf(store, kept, false)
  await store.remove([...new Set([...kept, ...records.keys()])])
  return records.size
}
