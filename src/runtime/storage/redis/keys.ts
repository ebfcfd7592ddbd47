/**
 * The names the runtime uses in Redis. Every key starts with REDIS_PREFIX (default `tiktok-conversions:`):
 *
 * - `queue`: a stream, one entry per delivery (entries.ts). Consumer group `delivery`; each runtime is
 *   one consumer, named at each start (host, pid, random). An entry is deleted once delivered or
 *   dead-lettered, so the stream's length is the shared queue's depth.
 * - `retry`: a hash, stream id → the delivery's retry state as JSON: a stream entry cannot change, and
 *   the next owner goes on from this after a crash.
 * - `dead-letter`: a stream, one entry per dead-lettered event (never trimmed; `tiktok-conversions replay --redis`).
 * - `seen:<messageId>`: one key per messageId accepted within DEDUPE_WINDOW_MS, expiring with it (append.ts):
 *   a client's retry, sent to any runtime, is not stored again.
 * - `marker`: a random value the first runtime writes; gone (or another value), Redis lost its data since
 *   (restarted without persistence, keys deleted): the runtimes say so and write it again.
 * - `memory-probe`: a key of 10 s written every second while Redis is out of memory, to learn when it has room.
 * - `settings`: a hash (accessToken, pixelCode), and the channel of that name that tells every runtime
 *   they were saved.
 * - `identity:u:<sha256>`, `identity:a:<sha256>`: identity memory's hashes, one per person id (identity/redis-store.ts).
 * - `mappings`: a string, the list of mappings saved on the page (JSON), and the channel of that name
 *   that tells every runtime it was saved.
 */

export interface RedisKeys {
  queue: string
  retry: string
  deadLetter: string
  settings: string
  /** The prefix of the seen keys: `seen` + messageId. */
  seen: string
  /** Written once per Redis data set: gone or changed, Redis lost its data. */
  marker: string
  /** A short-lived key written while Redis is out of memory, to learn when it has room (memory.ts). */
  memoryProbe: string
  mappings: string
}

export const redisKeys = (prefix: string): RedisKeys => ({
  queue: `${prefix}queue`,
  retry: `${prefix}retry`,
  deadLetter: `${prefix}dead-letter`,
  settings: `${prefix}settings`,
  seen: `${prefix}seen:`,
  marker: `${prefix}marker`,
  memoryProbe: `${prefix}memory-probe`,
  mappings: `${prefix}mappings`
})

/** The consumer group of the queue stream: every runtime reads in it. */
export const GROUP = 'delivery'

/** The consumer that holds what a runtime handed back: anyone's next take-over (XAUTOCLAIM) takes it. */
export const RELEASED = 'released'
