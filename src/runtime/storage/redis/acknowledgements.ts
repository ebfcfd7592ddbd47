/**
 * Deliveries removed (delivered, or dead-lettered) that Redis is still to forget: acknowledged in the
 * group, deleted from the stream, their retry state deleted, in one MULTI per chunk of ids. What
 * fails stays here, still pending for this runtime (nobody takes it over), and goes at the next flush:
 * the next removal or heartbeat.
 */
import type Redis from 'ioredis'
import { GROUP, type RedisKeys } from './keys'
import { chunks, replies } from './replies'

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
      const multi = this.client.multi()
      multi.xack(this.keys.queue, GROUP, ...ids)
      multi.xdel(this.keys.queue, ...ids)
      multi.hdel(this.keys.retry, ...ids)
      replies(await multi.exec())
      for (const id of ids) this.ids.delete(id)
    }
  }
}
