/**
 * A Redis over its maxmemory is a state, like a full disk (disk-space.ts): a write Redis refuses with
 * `OOM command not allowed` turns it on, and so does a usage over maxmemory in the queue's measure
 * (INFO memory, once a second: a runtime that writes nothing knows it too); it is said once in the log. While it is on, new events are
 * refused (503) without asking Redis, /health names Redis's memory, and a probe every second turns it
 * off (said once too) once Redis takes a small write and either uses less than 90% of maxmemory (room
 * for requests, not one event at the edge, so that intake does not flap) or holds no queued event:
 * delivery frees only the queue's entries, while the seen keys (a day), the dead letters and the rest
 * stay, so a drained queue is all the room that will come without a person. Queued events are still
 * delivered meanwhile: removing a delivered entry (XACK, XDEL, HDEL) is never refused for memory
 * (acknowledgements.ts).
 *
 * Usage is Redis's own measure: it refuses writes once used_memory less mem_not_counted_for_evict
 * (replication and AOF buffers) is over maxmemory.
 */
import type Redis from 'ioredis'
import { describeError, type Log } from '../../ops/log'
import { formatBytes } from '../disk-space'
import { StoreFullError } from '../store'

/** How often the probe tries a write while Redis is full. */
const PROBE_EVERY_MS = 1_000
/** Intake resumes once Redis uses less than this share of maxmemory. */
const ROOM_SHARE = 0.9
/** The probe's key lives this long: it never adds up. */
const PROBE_TTL_MS = 10_000

/** When intake resumes. */
const TAKEN_AGAIN = 'new events are taken again once the queue has drained or Redis uses less than 90% of maxmemory'

/** What a full Redis means for the runtime meanwhile. */
export const NEW_EVENTS_REFUSED = 'new events are refused (503); queued events are still delivered'

/** What the client is told when Redis refuses its events for memory. */
const REFUSAL = 'The shared queue (Redis) is out of memory: it cannot store the events; retry later.'

/**
 * Whether Redis refused a command for memory (maxmemory reached, policy noeviction): `OOM command not
 * allowed…` (Redis 7), or inside a script's error before 7.0 (`ERR Error running script (call to f_…):
 * @user_script:…: -OOM command not allowed…`).
 */
export const isOutOfMemory = (error: unknown): boolean =>
  error instanceof Error && /\bOOM command not allowed/.test(error.message)

export interface RedisMemoryOptions {
  client: Redis
  /** The probe's key. */
  probeKey: string
  /** The queue's stream: empty, Redis has all the room delivery can give, and intake resumes. */
  queueKey?: string
  log: Log
  /** There is room again: write what waited for it (retry states). */
  onRoom?: () => Promise<void>
}

export class RedisMemory {
  private fullSince?: number
  private usage?: { used: number; max: number }
  private timer?: NodeJS.Timeout
  private probing = false

  constructor(private readonly options: RedisMemoryOptions) {}

  get full(): boolean {
    return this.fullSince !== undefined
  }

  /** A command failed: true when Redis refused it for memory (the state is then on; said when it changes). */
  failed(error: unknown, consequence: string): boolean {
    if (!isOutOfMemory(error)) return false
    if (this.turnOn()) void this.readUsage().then(() => this.say(consequence, describeError(error)))
    return true
  }

  /**
   * Redis's usage as INFO memory gave it (the queue's measure, once a second): over maxmemory, Redis
   * refuses every write, so the state is on even for a runtime that has written nothing yet.
   */
  observed(info: string): void {
    this.usage = usageOf(info) ?? this.usage
    const over = this.usage !== undefined && this.usage.max > 0 && this.usage.used > this.usage.max
    if (over && this.turnOn()) this.say(NEW_EVENTS_REFUSED, 'used_memory is over maxmemory')
  }

  /** Turns the state on, with its probe; false when it was on already. */
  private turnOn(): boolean {
    if (this.fullSince !== undefined) return false
    this.fullSince = Date.now()
    this.timer = setInterval(() => void this.check(), PROBE_EVERY_MS)
    this.timer.unref()
    return true
  }

  /** Says the state began, with what is known of Redis's usage (unless it ended meanwhile). */
  private say(consequence: string, reason: string): void {
    if (this.fullSince === undefined) return
    this.options.log.error('Redis out of memory', {
      used: formatBytes(this.usage?.used),
      maxmemory: formatBytes(this.usage?.max),
      meanwhile: consequence,
      next_step: `raise maxmemory, or let delivery drain the queue (check /health for TikTok); ${TAKEN_AGAIN}`,
      reason
    })
  }

  /** A write succeeded: Redis has room (said when it changes). */
  wrote(): void {
    if (this.fullSince === undefined) return
    const seconds = Math.round((Date.now() - this.fullSince) / 1000)
    this.fullSince = undefined
    clearInterval(this.timer)
    this.timer = undefined
    this.options.log.info('Redis has room again: new events are taken', {
      used: formatBytes(this.usage?.used),
      maxmemory: formatBytes(this.usage?.max),
      full_for: `${seconds} s`
    })
    this.options.onRoom?.().catch(() => undefined)
  }

  /** "Redis is out of memory (used 20 MB of maxmemory 20 MB, since …)", while it is. */
  describe(): string | undefined {
    if (this.fullSince === undefined) return undefined
    const usage = this.usage
      ? ` (used ${formatBytes(this.usage.used)} of maxmemory ${formatBytes(this.usage.max)})`
      : ''
    return `Redis is out of memory${usage} since ${new Date(this.fullSince).toISOString()}`
  }

  /** /health's reason while Redis is full: what is refused, until when, and what to do. */
  reason(): string | undefined {
    const full = this.describe()
    if (full === undefined) return undefined
    return `${full}: new events are refused (503) and queued events are still delivered; ${TAKEN_AGAIN}. Raise maxmemory, or see why delivery waits`
  }

  /** The error a refused append rejects with: the pipeline answers 503 without a log line per request. */
  refusal(): StoreFullError {
    return new StoreFullError(`${this.describe() ?? 'Redis is out of memory'}: the events were not stored`, REFUSAL)
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /**
   * While full (every second): Redis's usage, and once it is under 90% of maxmemory or the queue is
   * empty, a small write with a short life, which Redis takes once it has room: the state ends then.
   */
  async check(): Promise<void> {
    if (this.fullSince === undefined) return
    if (this.probing) return
    this.probing = true
    try {
      await this.readUsage()
      const crowded = this.usage && this.usage.max > 0 && this.usage.used >= this.usage.max * ROOM_SHARE
      if (crowded && !(await this.drained())) return
      await this.options.client.set(this.options.probeKey, '1', 'PX', PROBE_TTL_MS)
      this.wrote()
    } catch {
      // Still full, or Redis away (the connection's log says so): tried again in a second.
    } finally {
      this.probing = false
    }
  }

  /** Whether the queue holds no entry (delivery has freed all it can). */
  private async drained(): Promise<boolean> {
    if (this.options.queueKey === undefined) return false
    return (await this.options.client.xlen(this.options.queueKey)) === 0
  }

  private async readUsage(): Promise<void> {
    try {
      this.usage = usageOf(await this.options.client.info('memory')) ?? this.usage
    } catch {
      // Unknown for now: the description goes without it.
    }
  }
}

/**
 * What counts against maxmemory (used_memory less mem_not_counted_for_evict, as Redis counts it before
 * refusing a write) and maxmemory (0: no limit), of an INFO memory answer.
 */
function usageOf(info: string): { used: number; max: number } | undefined {
  const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1])
  const max = Number(/^maxmemory:(\d+)/m.exec(info)?.[1])
  const notCounted = Number(/^mem_not_counted_for_evict:(\d+)/m.exec(info)?.[1] ?? 0)
  if (!(used >= 0 && max >= 0)) return undefined
  return { used: Math.max(0, used - (notCounted >= 0 ? notCounted : 0)), max }
}
