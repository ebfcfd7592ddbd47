/**
 * Fakes for the delivery core's unit tests: a clock moved by hand, an in-memory store that gives a
 * delivery once and a retry only once due, an executor whose batches the test answers, a dead-letter
 * sink that can refuse, and a Pipeline built on them.
 */
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import type { Clock, Timer } from '../../../src/runtime/delivery/clock'
import type { BatchOutcome, BatchTask, DeliveryStatus, Executor } from '../../../src/runtime/delivery/executor'
import { Pipeline, type PipelineOptions } from '../../../src/runtime/delivery/pipeline'
import type { Log, LogFields } from '../../../src/runtime/ops/log'
import { createMetrics } from '../../../src/runtime/ops/metrics'
import type { Subscription } from '../../../src/runtime/routing/subscriptions'
import type { DeadLetterRecord, DeadLetterSink } from '../../../src/runtime/storage/dead-letters'
import type {
  AppendOptions,
  AppendResult,
  DeliveryStore,
  NewDelivery,
  StoredDelivery
} from '../../../src/runtime/storage/store'

/** Lets every promise chain that can go on now go on (real macrotask turns; no time passes on the fake clock). */
export async function settled(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
}

interface FakeTimer {
  at: number
  run: () => void
  every?: number
  cancelled: boolean
}

export class FakeClock implements Clock {
  private timers: FakeTimer[] = []

  constructor(private time = 1_000_000) {}

  now(): number {
    return this.time
  }

  after(ms: number, run: () => void): Timer {
    return this.add({ at: this.time + ms, run, cancelled: false })
  }

  every(ms: number, run: () => void): Timer {
    return this.add({ at: this.time + ms, run, every: ms, cancelled: false })
  }

  /** Moves time on by `ms`, running the timers that come due on the way, each at its time, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms
    await settled()
    for (;;) {
      const next = this.timers.filter((timer) => !timer.cancelled && timer.at <= end).sort((a, b) => a.at - b.at)[0]
      if (!next) break
      this.time = Math.max(this.time, next.at)
      if (next.every) next.at += next.every
      else next.cancelled = true
      next.run()
      await settled()
    }
    this.time = end
    this.timers = this.timers.filter((timer) => !timer.cancelled)
    await settled()
  }

  private add(timer: FakeTimer): Timer {
    this.timers.push(timer)
    return { cancel: () => (timer.cancelled = true) }
  }
}

/** A store in memory: read() gives a delivery once, oldest first, and a rescheduled one only once its nextAt has come. */
export class FakeStore implements DeliveryStore {
  readonly description = 'fake store'
  shared = false
  readonly deliveries = new Map<string, StoredDelivery>()
  /** Read and not yet removed or rescheduled. */
  private readonly owned = new Set<string>()
  /** What each read() asked for. */
  readonly reads: number[] = []
  /** The most deliveries owned at once. */
  mostOwned = 0
  readonly removed: StoredDelivery[] = []
  readonly rescheduled: StoredDelivery[] = []
  private nextId = 1

  constructor(private readonly clock: Clock) {}

  /** messageId → when it was accepted. */
  private readonly seen = new Map<string, number>()

  async append(deliveries: NewDelivery[], { now, dedupeWindowMs }: AppendOptions): Promise<AppendResult> {
    const duplicates = new Set<string>()
    for (const messageId of new Set(deliveries.map((delivery) => delivery.messageId))) {
      const at = this.seen.get(messageId)
      if (dedupeWindowMs > 0 && at !== undefined && now - at < dedupeWindowMs) duplicates.add(messageId)
    }
    for (const delivery of deliveries) {
      if (duplicates.has(delivery.messageId)) continue
      if (dedupeWindowMs > 0) this.seen.set(delivery.messageId, now)
      const id = String(this.nextId++)
      this.deliveries.set(id, { ...delivery, id, attempts: 0, nextAt: 0 })
    }
    return { duplicates: [...duplicates] }
  }

  async read(max: number): Promise<StoredDelivery[]> {
    this.reads.push(max)
    const now = this.clock.now()
    const due = [...this.deliveries.values()]
      .filter((delivery) => !this.owned.has(delivery.id) && delivery.nextAt <= now)
      .slice(0, max)
    for (const delivery of due) this.owned.add(delivery.id)
    this.mostOwned = Math.max(this.mostOwned, this.owned.size)
    return due.map((delivery) => ({ ...delivery }))
  }

  async remove(deliveries: StoredDelivery[]): Promise<void> {
    for (const delivery of deliveries) {
      this.deliveries.delete(delivery.id)
      this.owned.delete(delivery.id)
    }
    this.removed.push(...deliveries)
  }

  async reschedule(deliveries: StoredDelivery[]): Promise<void> {
    for (const delivery of deliveries) {
      this.deliveries.set(delivery.id, { ...delivery })
      this.owned.delete(delivery.id)
    }
    this.rescheduled.push(...deliveries)
  }

  async expedite(): Promise<void> {
    for (const delivery of this.deliveries.values()) delivery.nextAt = 0
  }

  async stats() {
    return { depth: this.deliveries.size }
  }

  async close(): Promise<void> {}

  /** The messageIds still queued. */
  queuedIds(): string[] {
    return [...this.deliveries.values()].map((delivery) => JSON.parse(delivery.event).messageId)
  }
}

/** A batch the fake executor was given. */
export interface SentBatch {
  /** The messageIds of its events, in order. */
  ids: string[]
  /** The mapping it was sent with. */
  mapping: JSONObject
  answered: boolean
  answer(statuses: DeliveryStatus[] | number): void
}

/**
 * An executor whose batches the test answers: `respond` answers at once (a status for every event, or
 * one per event), or fails the batch as a whole (an Error); when it returns undefined, the batch waits
 * for `answer`. Aborting answers every waiting batch as the real executors do (503, not sent).
 */
export class FakeExecutor implements Executor {
  readonly batches: SentBatch[] = []
  aborts = 0
  respond: (batch: SentBatch) => DeliveryStatus[] | number | Error | undefined = () => 200

  run(task: BatchTask): Promise<BatchOutcome> {
    return new Promise((resolve, reject) => {
      const ids = task.events.map((text) => JSON.parse(text).messageId as string)
      const batch: SentBatch = {
        ids,
        mapping: task.mapping,
        answered: false,
        answer(statuses) {
          if (batch.answered) return
          batch.answered = true
          const list = typeof statuses === 'number' ? ids.map(() => ({ status: statuses })) : statuses
          resolve({ statuses: list, warnings: [] })
        }
      }
      this.batches.push(batch)
      const now = this.respond(batch)
      if (now instanceof Error) {
        batch.answered = true
        reject(now)
      } else if (now !== undefined) batch.answer(now)
    })
  }

  /** The batches not answered yet. */
  waiting(): SentBatch[] {
    return this.batches.filter((batch) => !batch.answered)
  }

  abort() {
    this.aborts++
    for (const batch of this.waiting()) {
      batch.answer(batch.ids.map(() => ({ status: 503, errormessage: 'not sent: the runtime is stopping' })))
    }
  }

  async close() {}
}

export class FakeDeadLetter implements DeadLetterSink {
  readonly where = 'fake dead letters'
  readonly records: DeadLetterRecord[] = []
  /** While true, append() says the records could not be written. */
  failing = false

  async check() {}

  async append(records: DeadLetterRecord[]): Promise<boolean> {
    if (this.failing) return false
    this.records.push(...records)
    return true
  }
}

export class FakeLog implements Log {
  readonly lines: { level: string; message: string; fields?: LogFields }[] = []
  info = (message: string, fields?: LogFields) => void this.lines.push({ level: 'info', message, fields })
  warn = (message: string, fields?: LogFields) => void this.lines.push({ level: 'warn', message, fields })
  error = (message: string, fields?: LogFields) => void this.lines.push({ level: 'error', message, fields })
}

/** A subscription taking the track events named `name`, sent `batchSize` at a time. */
export function subscription(name: string, batchSize = 2): Subscription {
  return {
    name,
    subscribe: `event = "${name}"`,
    action: 'reportWebEvent',
    sources: ['web', 'app'],
    mapping: { batch_size: batchSize },
    enabled: true,
    matches: (event) => event.event === name
  }
}

/** `count` track events named `name`, messageIds `name-0`, `name-1`… */
export function events(name: string, count: number, from = 0): SegmentEvent[] {
  return Array.from({ length: count }, (_, i) => ({ type: 'track', event: name, messageId: `${name}-${from + i}` }))
}

/**
 * Settings of a test pipeline (times in ms): flush tick 1 s, backoff from 1 s, probe every 30 s under
 * the auth hold, at least every 8 s while TikTok fails.
 */
export const TUNING = {
  flushIntervalMs: 1_000,
  queueLimit: 100_000,
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
  retryBudgetMs: 3_600_000,
  authRetryMs: 30_000,
  probeIntervalMs: 8_000,
  maxInFlight: 1,
  dedupeWindowMs: 86_400_000
}

/** A Pipeline on fakes (started unless `start` is false), with the jitter at its lowest unless `random` says. */
export function fakePipeline({
  subscriptions = [subscription('A'), subscription('B')],
  ...options
}: Partial<Omit<PipelineOptions, 'subscriptions'>> & {
  /** The subscriptions in force; a function when the test replaces them while it runs. */
  subscriptions?: Subscription[] | (() => Subscription[])
} = {}) {
  const clock = new FakeClock()
  const store = new FakeStore(clock)
  const executor = new FakeExecutor()
  const deadLetter = new FakeDeadLetter()
  const log = new FakeLog()
  const metrics = createMetrics(
    () => ({ inFlight: 0, held: false, degraded: false }),
    () => store.stats()
  )
  const pipeline = new Pipeline({
    ...TUNING,
    executor,
    store,
    deadLetter,
    subscriptions: typeof subscriptions === 'function' ? subscriptions : () => subscriptions,
    settings: () => ({ accessToken: 'token', pixelCode: 'PIXEL' }),
    apiBaseUrl: () => undefined,
    dryRun: () => false,
    log,
    metrics,
    clock,
    random: () => 0,
    ...options
  })
  return { pipeline, clock, store, executor, deadLetter, log }
}
