/**
 * What ownership asks Redis about the group's pending entries (those read and not yet acknowledged,
 * each pending for one consumer): a narrow port, so that ownership.ts can be tested against a fake.
 */
import type Redis from 'ioredis'
import type { Entry } from './entries'
import type { ConsumerGroup } from './group'
import { GROUP, RELEASED, type RedisKeys } from './keys'
import { HAND_BACK_ENTRIES, RENEW_OWN_ENTRIES, REMOVE_IDLE_CONSUMERS } from './scripts'

/** The idle time given to entries handed back: older than any claim time. */
const HANDED_BACK_IDLE_MS = 100_000_000_000

export interface PendingEntries {
  /**
   * Renews this runtime's hold on every entry pending for it (idle time 0); their ids, and whether
   * Redis lost its data since this runtime last knew it (the marker is gone or new).
   */
  renew(): Promise<{ ids: string[]; emptied: boolean }>
  /** Hands back those of `ids` still pending for this runtime, for anyone to take over at once; their ids. */
  handBack(ids: string[]): Promise<string[]>
  /** Up to `count` entries idle longer than the claim time (XAUTOCLAIM from `cursor`), now this runtime's. */
  takeOver(cursor: string, count: number): Promise<{ next: string; entries: Entry[] }>
  /** The retry state of each of `ids` (null: it never failed). */
  retryStates(ids: string[]): Promise<(string | null)[]>
  /** Removes the consumers that hold nothing and were idle longer than `idleMs`. */
  removeIdleConsumers(idleMs: number): Promise<void>
  /** Whether the connection is up (a failure while it is down says nothing new). */
  connected(): boolean
}

export interface PendingEntriesOptions {
  client: Redis
  keys: RedisKeys
  group: ConsumerGroup
  /** This runtime's consumer name. */
  consumer: string
  claimIdleMs: number
  /** The marker's value this runtime knows (keys.ts). */
  marker: () => string
}

export function pendingEntries({
  client,
  keys,
  group,
  consumer,
  claimIdleMs,
  marker
}: PendingEntriesOptions): PendingEntries {
  return {
    renew: async () => {
      const [emptied, ids] = (await client.eval(
        RENEW_OWN_ENTRIES,
        2,
        keys.queue,
        keys.marker,
        GROUP,
        consumer,
        marker()
      )) as [number, string[]]
      return { ids, emptied: emptied === 1 }
    },
    handBack: async (ids) =>
      (await client.eval(
        HAND_BACK_ENTRIES,
        1,
        keys.queue,
        GROUP,
        consumer,
        RELEASED,
        HANDED_BACK_IDLE_MS,
        ...ids
      )) as string[],
    takeOver: async (cursor, count) => {
      const [next, entries] = (await group.run(() =>
        client.xautoclaim(keys.queue, GROUP, consumer, claimIdleMs, cursor, 'COUNT', count)
      )) as [string, (Entry | null)[]]
      return { next, entries: entries.filter((entry): entry is Entry => entry !== null) }
    },
    retryStates: (ids) => client.hmget(keys.retry, ...ids),
    removeIdleConsumers: async (idleMs) => {
      await client.eval(REMOVE_IDLE_CONSUMERS, 1, keys.queue, GROUP, idleMs, consumer)
    },
    connected: () => client.status === 'ready'
  }
}
