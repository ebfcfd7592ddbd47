/**
 * Deliveries removed (delivered, or dead-lettered) that Redis is still to forget: acknowledged in the
 * group, deleted from the stream, their retry state deleted, in one script per chunk of ids. A script,
 * not a MULTI: Redis refuses every command queued in a MULTI while it is over maxmemory, but none of
 * XACK, XDEL and HDEL (they free memory), alone or in a script. What fails stays here, still pending for
 * this runtime (the heartbeat holds it: nobody takes it over while this runtime runs, this runtime never
 * again), and goes at the next flush: the next removal or heartbeat. Left unacknowledged when the runtime
 * stops (close() tries once more), another takes it over after REDIS_CLAIM_IDLE_MS and sends it again.
 */
import type Redis from 'ioredis'
import { GROUP, type RedisKeys } from './keys'
import { chunks } from './replies'
import { runScript } from './scripts'

/** KEYS[1] the queue, KEYS[2] the retry hash; ARGV[1] the group, ARGV[2..] the ids. */
const FORGET = `
local ids = { unpack(ARGV, 2) }
redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
redis.call('XDEL', KEYS[1], unpack(ids))
redis.call('HDEL', KEYS[2], unpack(ids))
`

export class Acknowledgements {
  private readonly ids = new Set<string>()

  constructor(
    private readonly client: Redis,
    private readonly keys: RedisKeys
  ) {}

  get size(): number {
    return this.ids.size
  }

  has(id: string): boolean {
    return this.ids.has(id)
  }

  add(ids: Iterable<string>): void {
    for (const id of ids) this.ids.add(id)
  }

  /** Acknowledges and deletes what was added; rejects at the first chunk that fails (the rest waits). */
  async flush(): Promise<void> {
    for (const ids of chunks([...this.ids])) {
      await runScript(this.client, FORGET, [this.keys.queue, this.keys.retry], [GROUP, ...ids])
      for (const id of ids) this.ids.delete(id)
    }
  }
}
