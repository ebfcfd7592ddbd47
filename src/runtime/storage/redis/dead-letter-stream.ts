/**
 * The shared dead letters: one entry per record (dead-letters.ts) in the stream `dead-letter` (never
 * trimmed), fields `at`, `mapping`, `status`, `reason`, `attempts`, `event`, and `cut` ('1') when the
 * event could not be stored whole. `tiktok-conversions replay --redis` reads them back (deadLetterRecordOf).
 * While Redis is out of memory (memory.ts) records are refused without asking Redis, and a write Redis
 * refuses for memory turns that state on: it is said once, not an error line per request or batch (the
 * caller keeps the events queued, or refuses the request with 503).
 */
import type Redis from 'ioredis'
import { describeError, type Log } from '../../ops/log'
import type { DeadLetterRecord, DeadLetterSink } from '../dead-letters'
import { NEW_EVENTS_REFUSED, type RedisMemory } from './memory'
import { fieldsOf, replies } from './replies'

/** Dead-letter records as entries of a stream (never trimmed), one per event: `replay --redis` posts them back. */
export class RedisDeadLetter implements DeadLetterSink {
  readonly where: string

  constructor(
    private readonly client: Redis,
    private readonly key: string,
    private readonly log: Log,
    private readonly memory?: RedisMemory
  ) {
    this.where = `redis stream ${key}`
  }

  async check(): Promise<void> {
    await this.client.ping()
  }

  async append(records: DeadLetterRecord[]): Promise<boolean> {
    if (records.length === 0) return true
    if (this.memory?.full) return false
    try {
      const multi = this.client.multi()
      for (const { at, mapping, status, reason, attempts, event, cut } of records) {
        const fields = ['at', at, 'mapping', mapping, 'status', String(status), 'reason', reason]
        fields.push('attempts', String(attempts), 'event', event)
        if (cut) fields.push('cut', '1')
        multi.xadd(this.key, '*', ...fields)
      }
      replies(await multi.exec())
      return true
    } catch (error) {
      if (this.memory?.failed(error, NEW_EVENTS_REFUSED)) return false
      this.log.error('dead-letter write failed: the events stay queued', {
        stream: this.key,
        events: records.length,
        mapping: records[0].mapping,
        error: describeError(error)
      })
      return false
    }
  }
}

/** A dead-letter stream entry as a record. */
export function deadLetterRecordOf(fields: string[]): DeadLetterRecord {
  const f = fieldsOf(fields)
  return {
    at: f.at ?? '',
    mapping: f.mapping ?? '',
    status: Number(f.status),
    reason: f.reason ?? '',
    attempts: Number(f.attempts) || 0,
    event: f.event ?? '{}',
    cut: f.cut === '1' || undefined
  }
}
