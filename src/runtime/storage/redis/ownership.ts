/**
 * What this runtime holds of the shared queue, and keeping it so. XREADGROUP puts what a runtime
 * reads in its pending list; it is that runtime's until it removes it. Every third of
 * REDIS_CLAIM_IDLE_MS the heartbeat renews everything still pending for it (its idle time goes back
 * to 0), so nobody takes it over while it is alive. Reads also take over entries idle longer than
 * REDIS_CLAIM_IDLE_MS: those of a runtime that crashed or lost Redis, with their retry state. A runtime
 * that stops hands back what it still holds (to the consumer `released`, with a long idle time), so
 * another one takes it at its next read rather than after the claim time.
 *
 * A read and the heartbeat share one connection: Redis answers them in the order they were sent, but
 * both answers can arrive together, and the heartbeat's code can then run before the read's has
 * recorded what it read. So the heartbeat waits for the reads sent before it: else it would take the
 * entries they just made this runtime's for ones it lost track of, and hand back what it is sending.
 *
 * Redis is reached through a narrow port (pending-entries.ts) and time through `now`, so that a test
 * can run this against a fake.
 */
import { describeError, type Log } from '../../ops/log'
import type { StoredDelivery } from '../store'
import { deliveryOf, type Entry } from './entries'
import type { PendingEntries } from './pending-entries'
import { chunks } from './replies'

/** The most entries taken over at once (XAUTOCLAIM looks at up to ten times as many). */
const TAKE_OVER_COUNT = 1_000
/** How often a runtime removes consumers that hold nothing and were idle for ten claim times. */
const CLEANUP_EVERY_MS = 60_000

/** Removed deliveries not yet acknowledged in Redis (acknowledgements.ts): still pending for this runtime. */
export interface Unacknowledged {
  readonly size: number
  has(id: string): boolean
  /** Acknowledges them; rejects when Redis did not (they stay for the next time). */
  flush(): Promise<void>
}

export interface OwnershipOptions {
  pending: PendingEntries
  unacknowledged: Unacknowledged
  /** This runtime's consumer name. */
  consumer: string
  claimIdleMs: number
  log: Log
  /** Told which ids this runtime no longer holds without having removed them (taken over, handed back). */
  onDropped?: (ids: string[]) => void
  /** Redis lost its data since the last beat: `vanished` of what this runtime held went with it. */
  onEmptied?: (vanished: number) => void
  now?: () => number
}

export class Ownership {
  /** Deliveries taken over from runtimes that stopped answering (or handed them back), since start. */
  claimed = 0
  /** Deliveries held here that another runtime took over while this one did not answer. */
  lost = 0
  private readonly pending: PendingEntries
  private readonly unacknowledged: Unacknowledged
  private readonly consumer: string
  private readonly claimIdleMs: number
  private readonly log: Log
  private readonly onDropped: (ids: string[]) => void
  private readonly onEmptied: (vanished: number) => void
  private readonly now: () => number
  /** Read and not yet removed: this runtime's (the heartbeat keeps them so). */
  private readonly owned = new Set<string>()
  /** Reads that make entries this runtime's (XREADGROUP, XAUTOCLAIM) until they recorded them, by number. */
  private readonly reads = new Map<number, Promise<unknown>>()
  private readsSent = 0
  private cursor = '0-0'
  private nextTakeOverAt = 0
  private readonly takeOverEveryMs: number
  private lastCleanup: number
  private heartbeat?: NodeJS.Timeout
  private beating?: Promise<void>
  private stopped = false

  constructor(options: OwnershipOptions) {
    this.pending = options.pending
    this.unacknowledged = options.unacknowledged
    this.consumer = options.consumer
    this.claimIdleMs = options.claimIdleMs
    this.log = options.log
    this.onDropped = options.onDropped ?? (() => undefined)
    this.onEmptied = options.onEmptied ?? (() => undefined)
    this.now = options.now ?? Date.now
    this.takeOverEveryMs = Math.min(1_000, options.claimIdleMs / 4)
    this.lastCleanup = this.now()
  }

  /** How many deliveries this runtime owns: read, not yet removed. */
  get size(): number {
    return this.owned.size
  }

  owns(id: string): boolean {
    return this.owned.has(id)
  }

  /** Starts the heartbeat. */
  start(): void {
    this.heartbeat = setInterval(() => void this.beat(), Math.max(100, this.claimIdleMs / 3))
    this.heartbeat.unref()
  }

  /** Runs a read of new entries (XREADGROUP): from its answer on, they are this runtime's. */
  receive(read: () => Promise<Entry[]>): Promise<Entry[]> {
    return this.track(async () => {
      const entries = await read()
      for (const [id] of entries) this.owned.add(id)
      return entries
    })
  }

  /** Runs `read`, which records what it makes this runtime's, where the heartbeat can wait for it. */
  private track<T>(read: () => Promise<T>): Promise<T> {
    const number = ++this.readsSent
    const recorded = read()
    this.reads.set(number, recorded)
    const forget = () => this.reads.delete(number)
    recorded.then(forget, forget)
    return recorded
  }

  /** Resolves once every read up to number `last` has recorded what it read (or failed). */
  private async readsRecorded(last: number): Promise<void> {
    await Promise.allSettled([...this.reads].filter(([number]) => number <= last).map(([, read]) => read))
  }

  /** No longer held, and not to be handed back: removed, or gone from the stream. */
  drop(ids: Iterable<string>): void {
    for (const id of ids) this.owned.delete(id)
  }

  /**
   * Takes over up to `count` entries idle longer than the claim time, with their retry state; none
   * while the last scan of the pending list ended less than a quarter claim time (at most 1 s) ago.
   */
  async takeOver(count: number): Promise<StoredDelivery[]> {
    if (this.now() < this.nextTakeOverAt) return []
    const fresh = await this.track(async () => {
      const { next, entries } = await this.pending.takeOver(this.cursor, Math.min(count, TAKE_OVER_COUNT))
      this.cursor = next
      // Scan on at the next read while the pending list is not wholly seen, else in a while.
      this.nextTakeOverAt = next === '0-0' ? this.now() + this.takeOverEveryMs : 0
      // An entry already held here (its heartbeat was late) is not given twice, nor one it removed
      // and Redis has not yet acknowledged: it was delivered.
      const taken = entries.filter(([id]) => !this.owned.has(id) && !this.unacknowledged.has(id))
      for (const [id] of taken) this.owned.add(id)
      return taken
    })
    if (fresh.length === 0) return []
    const states = await this.pending.retryStates(fresh.map(([id]) => id)).catch(() => {
      // Without their retry state, they wait for a read that can have it: handed back by the heartbeat.
      for (const [id] of fresh) this.owned.delete(id)
      return undefined
    })
    if (!states) return []
    this.claimed += fresh.length
    this.log.info('took over deliveries left by a runtime that stopped or stopped answering', {
      deliveries: fresh.length,
      consumer: this.consumer
    })
    return fresh.map((entry, i) => deliveryOf(entry, states[i]))
  }

  /**
   * The heartbeat: acknowledges what could not be, keeps what this runtime holds its own, hands back
   * what it lost track of, lets go of what another runtime took over, and tidies the group now and then.
   */
  beat(): Promise<void> {
    if (this.beating || this.stopped) return this.beating ?? Promise.resolve()
    this.beating = this.renew().finally(() => (this.beating = undefined))
    return this.beating
  }

  private async renew(): Promise<void> {
    try {
      // What could not be acknowledged waits for the next beat: the hold on the rest is renewed anyway.
      if (this.unacknowledged.size) await this.unacknowledged.flush().catch(() => undefined)
      const before = [...this.owned]
      const sent = this.readsSent
      const renewed = await this.pending.renew()
      const mine = new Set(renewed.ids)
      await this.readsRecorded(sent)
      // Pending for this runtime but held by none of its parts (a read that failed halfway, a command
      // Redis ran after the client gave up on it): handed back, so that a read takes it again.
      const orphans = [...mine].filter((id) => !this.owned.has(id) && !this.unacknowledged.has(id))
      // (Removed and acknowledged meanwhile, it is pending no more: not handed back, not counted.)
      const handedBack = orphans.length ? await this.handBack(orphans) : 0
      if (handedBack) {
        this.log.warn('handed back deliveries this runtime had read but lost track of', { deliveries: handedBack })
      }
      // Still held here but no longer pending for this runtime: another one took it over, or Redis
      // lost it with its data (then nobody has it: not counted as taken over).
      const lost = before.filter((id) => this.owned.has(id) && !mine.has(id))
      if (renewed.emptied) {
        this.drop(lost)
        this.onDropped(lost)
        this.onEmptied(lost.length)
      } else if (lost.length) {
        this.drop(lost)
        this.onDropped(lost)
        this.lost += lost.length
        this.log.warn(
          'deliveries taken over by another runtime while this one did not answer: both may send them (TikTok keeps one per event_id)',
          { deliveries: lost.length, consumer: this.consumer }
        )
      }
      if (this.now() - this.lastCleanup >= CLEANUP_EVERY_MS) {
        this.lastCleanup = this.now()
        await this.pending.removeIdleConsumers(this.claimIdleMs * 10)
      }
    } catch (error) {
      // Redis away: the connection's own log line says so; what is held stays held, acknowledged later.
      if (this.pending.connected()) this.log.warn('queue heartbeat failed', { reason: describeError(error) })
    }
  }

  /** Hands entries back: anyone's next take-over takes them. How many were still this runtime's. */
  private async handBack(ids: string[]): Promise<number> {
    let handedBack = 0
    for (const chunk of chunks(ids)) {
      handedBack += (await this.pending.handBack(chunk)).length
      this.drop(chunk)
      this.onDropped(chunk)
    }
    return handedBack
  }

  /** Stops the heartbeat; resolves once a beat in progress is over. */
  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.heartbeat)
    await this.beating
  }

  /** Hands back everything this runtime holds, as it stops: another runtime takes it at once. */
  async handBackAll(): Promise<void> {
    const owned = this.owned.size
    try {
      await this.handBack([...this.owned])
      if (owned) this.log.info('handed back what this runtime held to the shared queue', { deliveries: owned })
    } catch (error) {
      this.log.warn('could not hand back what this runtime held: another runtime takes it after REDIS_CLAIM_IDLE_MS', {
        deliveries: this.owned.size,
        reason: describeError(error)
      })
    }
  }
}
