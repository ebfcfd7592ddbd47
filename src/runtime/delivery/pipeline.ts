/**
 * Events on their way to TikTok. `accept` routes a request's events to the subscriptions whose
 * trigger they match and writes the deliveries to the durable queue (one transaction) before the
 * Tracking API answers. The delivery loop reads them back into a bounded window in memory, queued per
 * subscription and batch key, and sends them through actions-core's `Destination.executeBatch` (so the
 * action's `performBatch`) when a batch is full or at each flush tick.
 *
 * What becomes of each event is decided by its own status:
 * - delivered: removed from the queue;
 * - refused for good (an invalid event): written to the dead-letter sink with the reason, then removed;
 * - retryable (TikTok busy or failing, not reached): sent again with exponential backoff and jitter
 *   until the retry budget (time since its first failure, hours by default) runs out, then dead-lettered;
 * - TikTok refused the token or the pixel: nothing is lost and no attempt counts; delivery is held,
 *   tried again every AUTH_RETRY_MS and at once when settings are saved.
 * A batch that fails as a whole (it cannot be mapped, a thread dies running it alone) is split in
 * halves until the event at fault is alone; that one is dead-lettered with the reason, the others go on.
 *
 * Memory holds only what is about to be sent: a delivery waiting for its next attempt goes back to the
 * store (rescheduled), which gives it again once due; so retries of one failing mapping never keep the
 * others from being read. A delivery accepted in dry-run only ever goes to the dry-run stand-in, and
 * one accepted live only to TikTok, whatever mode the runtime is in when it comes up.
 *
 * Every accepted event ends delivered or dead-lettered; a stop only interrupts, and what is not sent
 * by the deadline stays in the queue for the next start.
 */
import { transform } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import type { Settings } from '../../destination/generated-types'
import { batch_keys } from '../../destination/reportWebEvent/fields/batching'
import { requestSize } from '../../destination/tiktok/api'
import type { RuntimeConfig } from '../ops/config'
import type { DeadLetterRecord, DeadLetterSink } from '../storage/dead-letter-file'
import { ThreadStoppedError, type BatchTask, type EventStatus, type Executor } from './executor'
import { describeError, type Log } from '../ops/log'
import type { MatchKeyCounts, MatchKeyTally } from '../ops/match-key-tally'
import type { RuntimeMetrics } from '../ops/metrics'
import type { DeliveryStore, NewDelivery, StoredDelivery } from '../storage/store'
import { safeJson } from '../storage/safe-json'
import { integrationEnabled, type Subscription } from '../routing/subscriptions'

/** The runtime's settings of queues, batches and retries (see config.ts). */
export type PipelineTuning = Pick<
  RuntimeConfig,
  'flushIntervalMs' | 'queueLimit' | 'retryBaseMs' | 'retryMaxMs' | 'retryBudgetMs' | 'authRetryMs' | 'maxInFlight'
>

export interface PipelineOptions extends PipelineTuning {
  /** Runs a batch through actions-core's Destination (in this thread or in worker threads). */
  executor: Executor
  store: DeliveryStore
  deadLetter: DeadLetterSink
  subscriptions: Subscription[]
  /** The settings to send with, read at each batch (they can change while running). */
  settings: () => Settings
  /** Where to send, read at each batch: the dry-run stand-in, TIKTOK_API_URL, or TikTok. */
  apiBaseUrl: () => string | undefined
  /** Whether the runtime is in dry-run now (read at intake and at each batch). */
  dryRun: () => boolean
  log: Log
  metrics: RuntimeMetrics
  /** Told of every batch once its statuses are known. */
  onBatch?: (summary: BatchSummary) => void
  /** Counts, per mapping, which match keys the delivered events carried (the page's Match keys panel). */
  matchKeys?: MatchKeyTally
}

export interface BatchSummary {
  at: string
  mapping: string
  events: number
  delivered: number
  retrying: number
  held: number
  deadLettered: number
  statuses: Record<string, number>
  latencyMs: number
  reason?: string
}

/** What /health says of delivery. */
export interface DeliveryHealth {
  status: 'ok' | 'degraded'
  reason?: string
  /** True while TikTok refuses the token or pixel and delivery is held. */
  held?: boolean
}

/** Refused because the queue is full: the Tracking API answers 429 with this Retry-After. */
export class QueueFullError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number
  ) {
    super(message)
  }
}

/** A request with more deliveries than the queue can ever hold: 413, no retry can help. */
export class TooLargeError extends Error {}

/** The queue could not store the request (disk full, store unreachable): 503, the client retries. */
export class StoreUnavailableError extends Error {}

/** The runtime is stopping: 503, the client retries (with another instance, or after the restart). */
export class StoppingError extends Error {}

interface Queue {
  key: string
  subscription: Subscription
  batchSize: number
  items: StoredDelivery[]
  due: boolean
}

const isRetryable = (status: number) => status === 408 || status === 429 || status >= 500
const isAuthRefusal = (status: number) => status === 401 || status === 403
/** How many deliveries the loop keeps in memory per batch that may be in flight. */
const WINDOW_BATCHES = 3

export class Pipeline {
  readonly counts = {
    /** Messages taken in, and what became of them on arrival. */
    received: 0,
    skipped: 0,
    unmatched: 0,
    /** Deliveries (an event matched by a subscription): queued = delivered + deadLettered + pending. */
    queued: 0,
    delivered: 0,
    deadLettered: 0,
    retried: 0,
    batches: 0
  }
  private readonly queues = new Map<string, Queue>()
  private readonly bySubscription: Map<string, Subscription>
  private readonly batchKeyMappings = new Map<Subscription, JSONObject>()
  private ticker?: NodeJS.Timeout
  private started = false
  /** When deliveries this runtime handed back come due again (ascending; one time per batch). */
  private retryWakes: number[] = []
  /** Wakes the loop when a retry comes due, a pause ends or a probe is due. */
  private wakeTimer?: NodeJS.Timeout
  private wakeTimerAt = Infinity
  /** Deliveries read from the store and not yet settled or handed back: queued or in flight. */
  private holding = 0
  /** Batches being sent, and other settlements under way (counted so that a stop waits for them). */
  private inFlight = 0
  private reading = false
  /** The store may hold deliveries to read now. */
  private unread = true
  private draining = false
  /** When a stop gives up (draining only). */
  private drainUntil = Infinity
  private aborted = false
  private idle: (() => void)[] = []
  /** Retryable failures in a row, and the pause they impose on every new batch. */
  private failures = 0
  private pausedUntil = 0
  private lastFailure?: string
  /** TikTok refused the token or pixel: nothing is sent but one probe every authRetryMs. */
  private hold?: { reason: string; since: number; probeAt: number; probing: boolean }
  /** When live deliveries were last read while in dry-run (kept queued, not sent), for /health. */
  private liveKeptInDryRunAt = 0
  /** Deliveries settled per second, smoothed: how fast the queue drains, for Retry-After. */
  private drainRate = 0
  private settledSinceTick = 0
  private lastTick = Date.now()
  /**
   * The queue's depth as the store last said (at each tick), moved by this runtime's own intake and
   * settlements in between: the queue limit is checked against it without asking the store per request.
   */
  private depthEstimate = 0
  private reported = { skipped: 0, unmatched: 0 }
  private readonly window: number
  /** Requests refused with 429 (by their first messageId) whose client will send them again. */
  private readonly waiting = new Map<string, { deliveries: number; at: number }>()
  /** When each batch now in flight started. */
  private readonly batchStarts = new Set<number>()

  constructor(private readonly options: PipelineOptions) {
    this.bySubscription = new Map(options.subscriptions.map((subscription) => [subscription.name, subscription]))
    this.window = Math.max(1, options.maxInFlight) * WINDOW_BATCHES * 1000
  }

  /** Starts the delivery loop, once what it sends to is ready (in dry-run, the stand-in). */
  start(): void {
    if (this.started) return
    this.started = true
    this.ticker = setInterval(() => this.tick(), this.options.flushIntervalMs)
    this.ticker.unref()
    void this.refreshDepth().then(() => this.pump())
  }

  /** Deliveries accepted and not yet delivered or dead-lettered (in the store, any runtime's for a shared one). */
  get pending(): number {
    return this.depthEstimate
  }

  /** How delivery goes: degraded (with the reason) while TikTok refuses or fails, else ok. */
  health(): DeliveryHealth {
    if (this.hold) return { status: 'degraded', reason: this.hold.reason, held: true }
    if (this.failures > 0) return { status: 'degraded', reason: this.lastFailure }
    if (this.options.dryRun() && Date.now() - this.liveKeptInDryRunAt <= 2 * this.options.authRetryMs) {
      return {
        status: 'degraded',
        reason:
          'events accepted live are kept queued while the runtime is in dry-run: save the settings to send them to TikTok'
      }
    }
    return { status: 'ok' }
  }

  /**
   * Routes events to the subscriptions whose trigger they match and stores the deliveries durably:
   * when this resolves, the events are accepted. Throws TooLargeError, QueueFullError,
   * StoreUnavailableError or StoppingError, having accepted none of them (but for a poison event's
   * dead-letter record, which is harmless twice: replay keeps one per messageId).
   */
  async accept(events: SegmentEvent[]): Promise<void> {
    if (this.draining) throw new StoppingError('The runtime is shutting down; retry later.')
    const { subscriptions, queueLimit } = this.options
    const now = Date.now()
    const dryRun = this.options.dryRun()
    const deliveries: NewDelivery[] = []
    const poison: DeadLetterRecord[] = []
    let skipped = 0
    let unmatched = 0
    for (const event of events) {
      if (!integrationEnabled(event)) {
        skipped++
        continue
      }
      const route = subscriptions.filter((subscription) => subscription.matches(event))
      if (route.length === 0) {
        unmatched++
        continue
      }
      let text: string | undefined
      let why = ''
      try {
        text = JSON.stringify(event)
      } catch (error) {
        why = describeError(error)
      }
      for (const subscription of route) {
        if (text === undefined) {
          poison.push({
            at: new Date(now).toISOString(),
            mapping: subscription.name,
            status: 400,
            reason: `the event cannot be stored as JSON (${why}): it is nested too deeply or too large; written here with the deepest parts cut`,
            attempts: 0,
            event: safeJson(event),
            cut: true
          })
        } else {
          deliveries.push({
            subscription: subscription.name,
            batchKey: this.batchKey(subscription, event),
            event: text,
            receivedAt: now,
            dryRun
          })
        }
      }
    }
    if (deliveries.length > queueLimit) {
      throw new TooLargeError(
        `This request makes ${deliveries.length} deliveries; the queue holds at most ${queueLimit} (QUEUE_LIMIT): send smaller batches.`
      )
    }
    // A client's retry sends the same batch again: its first messageId names the request.
    const request = typeof events[0]?.messageId === 'string' ? events[0].messageId : undefined
    if (this.depthEstimate + deliveries.length > queueLimit) {
      const retryAfter = this.retryAfter(this.depthEstimate + deliveries.length - queueLimit, request)
      if (request) this.waiting.set(request, { deliveries: deliveries.length, at: now })
      throw new QueueFullError(
        `The queue holds ${this.depthEstimate} deliveries (limit ${queueLimit}); retry later.`,
        retryAfter
      )
    }
    if (request) this.waiting.delete(request)
    // The poison records first: once the deliveries are stored, the request is accepted.
    if (poison.length && !(await this.options.deadLetter.append(poison))) {
      throw new StoreUnavailableError('The runtime could not store every event; retry later.')
    }
    try {
      await this.options.store.append(deliveries)
    } catch (error) {
      this.options.log.error('queue write failed: request refused', { reason: describeError(error) })
      throw new StoreUnavailableError('The runtime could not store the events; retry later.')
    }
    const { metrics } = this.options
    this.counts.received += events.length
    this.counts.skipped += skipped
    this.counts.unmatched += unmatched
    this.counts.queued += deliveries.length
    this.counts.deadLettered += poison.length
    this.depthEstimate += deliveries.length
    metrics.received.inc(events.length)
    metrics.skipped.inc(skipped)
    metrics.unmatched.inc(unmatched)
    metrics.queued.inc(deliveries.length)
    for (const record of poison) {
      metrics.deadLettered.inc({ mapping: record.mapping })
      this.options.log.error('dead-lettered', { mapping: record.mapping, events: 1, reason: record.reason })
    }
    this.unread = true
    this.pump()
  }

  /** Settings were saved: a hold on TikTok's refusal of the token ends, and delivery goes on at once. */
  resume(): void {
    if (this.hold) {
      this.options.log.info('delivery resumes: settings saved', { held_since: new Date(this.hold.since).toISOString() })
    }
    this.hold = undefined
    this.failures = 0
    this.pausedUntil = 0
    this.retryWakes = []
    // What waits for its next attempt (a failure's backoff, live events kept in dry-run) goes now too.
    this.options.store.expedite().then(
      () => {
        this.unread = true
        this.pump()
      },
      (error) => this.options.log.warn('queue update failed', { reason: describeError(error) })
    )
    this.pump()
  }

  /**
   * Stops intake and delivers what it can until `deadlineMs`: queues that are not full go at once, a
   * pause after a failure is waited out. Then nothing new starts, requests in flight are aborted, and
   * what is not delivered stays queued.
   */
  async drain(deadlineMs: number): Promise<void> {
    this.draining = true
    this.drainUntil = Date.now() + deadlineMs
    clearInterval(this.ticker)
    for (const queue of this.queues.values()) queue.due = true
    this.pump()
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deadlineMs)))
    if ((await Promise.race([this.whenIdle(), late])) === 'late') {
      this.aborted = true
      this.options.executor.abort()
      await this.whenIdle()
    }
    clearTimeout(timer)
    clearTimeout(this.wakeTimer)
    this.reportUnrouted()
  }

  /** Resolves when nothing is in flight and nothing more can be sent now (once aborted: nothing in flight). */
  private whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.idle.push(resolve))
  }

  private isIdle(): boolean {
    if (this.inFlight > 0 || this.reading) return false
    // Held on a refused token: nothing can go until settings change. A pause after a failure ends soon.
    if (this.aborted || this.hold) return true
    // Something comes due later (a retry, the end of a pause): wait for it, unless the queue is shared
    // (then what this runtime holds goes back to the others when it stops).
    if (!this.options.store.shared) {
      const next = Math.min(this.retryWakes[0] ?? Infinity, this.pausedUntil > Date.now() ? this.pausedUntil : Infinity)
      // A stop waits for it only when it comes before the stop's deadline.
      if (next < (this.draining ? this.drainUntil : Infinity)) return false
    }
    // A queue is in the map only while it has items (enqueue adds some; pump drops an emptied one).
    return !this.unread && this.queues.size === 0
  }

  private checkIdle() {
    if (this.idle.length && this.isIdle()) for (const resolve of this.idle.splice(0)) resolve()
  }

  private batchKey(subscription: Subscription, event: SegmentEvent): string {
    let mapping = this.batchKeyMappings.get(subscription)
    if (!mapping) {
      const keys = subscription.mapping.batch_keys
      const fields = Array.isArray(keys)
        ? keys.filter((key): key is string => typeof key === 'string')
        : batch_keys.default
      mapping = Object.fromEntries(
        fields.filter((key) => key in subscription.mapping).map((key) => [key, subscription.mapping[key]])
      )
      this.batchKeyMappings.set(subscription, mapping)
    }
    if (Object.keys(mapping).length === 0) return ''
    try {
      return JSON.stringify(transform(mapping, event as unknown as JSONObject))
    } catch {
      return ''
    }
  }

  /**
   * Seconds a client should wait before its request fits: the time the queue takes, at its recent
   * pace, to drain the excess and what the requests refused before this one (still waiting to come
   * back) need. Without a pace yet: twice the age of the oldest batch in flight (the queue drains when
   * it is answered), else 1 s while delivery is healthy and 30 s while TikTok refuses or fails.
   */
  private retryAfter(excess: number, request: string | undefined): number {
    const clamp = (seconds: number) => Math.min(300, Math.max(1, Math.ceil(seconds)))
    let ahead = 0
    for (const [key, waiting] of this.waiting) if (key !== request) ahead += waiting.deliveries
    if (this.drainRate >= 0.5) return clamp((excess + ahead) / this.drainRate)
    if (this.batchStarts.size > 0) return clamp((2 * (Date.now() - Math.min(...this.batchStarts))) / 1000)
    return this.health().status === 'ok' ? 1 : 30
  }

  /** Forgets refused requests that did not come back within 10 minutes (their client gave up). */
  private forgetWaiting(now: number) {
    for (const [key, waiting] of this.waiting) if (now - waiting.at > 600_000) this.waiting.delete(key)
    if (this.waiting.size > 10_000) this.waiting.clear()
  }

  private async refreshDepth() {
    try {
      this.depthEstimate = (await this.options.store.stats()).depth
    } catch (error) {
      this.options.log.warn('queue stats unavailable', { reason: describeError(error) })
    }
  }

  private tick() {
    const now = Date.now()
    const seconds = Math.max(0.001, (now - this.lastTick) / 1000)
    this.drainRate = 0.7 * this.drainRate + 0.3 * (this.settledSinceTick / seconds)
    this.settledSinceTick = 0
    this.lastTick = now
    for (const queue of this.queues.values()) queue.due = true
    this.unread = true
    this.forgetWaiting(now)
    this.reportUnrouted()
    void this.refreshDepth()
    this.pump()
  }

  /** Events left undelivered on purpose are said too: one line per tick when there are new ones. */
  private reportUnrouted() {
    const skipped = this.counts.skipped - this.reported.skipped
    const unmatched = this.counts.unmatched - this.reported.unmatched
    if (!skipped && !unmatched) return
    this.reported = { skipped: this.counts.skipped, unmatched: this.counts.unmatched }
    this.options.log.info('not routed', {
      skipped: skipped || undefined,
      skipped_why: skipped ? 'their integrations object turns Tiktok Conversions off' : undefined,
      unmatched: unmatched || undefined,
      unmatched_why: unmatched ? 'no subscription trigger matches them' : undefined
    })
  }

  /** Reads what the store has for now into the window, when there is room. */
  private fill() {
    // A stopping runtime reads no more from a shared queue: what is left there is the other runtimes'.
    if (this.draining && this.options.store.shared) this.unread = false
    if (this.reading || !this.unread || this.aborted || this.holding >= this.window) return
    this.reading = true
    const asked = this.window - this.holding
    this.options.store.read(asked).then(
      (items) => {
        this.reading = false
        this.unread = items.length === asked
        this.place(items)
        this.pump()
      },
      (error) => {
        this.reading = false
        this.options.log.error('queue read failed', { reason: describeError(error) })
        this.checkIdle()
      }
    )
  }

  /** Read deliveries go to their queue; one whose mapping is gone is dead-lettered. */
  private place(items: StoredDelivery[]) {
    const gone = new Map<string, StoredDelivery[]>()
    for (const item of items) {
      this.holding++
      const subscription = this.bySubscription.get(item.subscription)
      if (subscription) this.enqueue(subscription, [item])
      else gone.set(item.subscription, [...(gone.get(item.subscription) ?? []), item])
    }
    for (const [name, group] of gone) {
      // Queued under a mapping the current MAPPINGS no longer has: nothing can send them. Settled as a
      // refused batch: dead-lettered, or rescheduled if the record cannot be written.
      const subscription: Subscription = { name, subscribe: '', mapping: {}, matches: () => false }
      const errormessage = `mapping "${name}" is no longer configured (MAPPINGS changed while the event was queued)`
      this.track(() => this.settleAll(subscription, group, 400, errormessage))
    }
  }

  /**
   * Runs `work` counted as in flight, so that a stop waits for it; `mapping` names it in the log if it
   * fails, `after` runs once it is over, before the loop goes on.
   */
  private track(work: () => Promise<unknown>, mapping?: string, after?: () => void) {
    this.inFlight++
    void work()
      .catch((error) => this.options.log.error('batch failed', { mapping, reason: describeError(error) }))
      .finally(() => {
        this.inFlight--
        after?.()
        this.pump()
      })
  }

  private enqueue(subscription: Subscription, items: StoredDelivery[], front = false) {
    const key = `${subscription.name}\u0000${items[0].batchKey}`
    let queue = this.queues.get(key)
    if (!queue) {
      queue = {
        key,
        subscription,
        batchSize: requestSize(subscription.mapping.batch_size),
        items: [],
        due: this.draining
      }
      this.queues.set(key, queue)
    }
    if (front) queue.items.unshift(...items)
    else queue.items.push(...items)
  }

  /** Arms the one timer for the earliest of: a retry coming due, the end of a pause, the next probe. */
  private armWake() {
    const now = Date.now()
    let at = this.retryWakes[0] ?? Infinity
    if (this.hold) at = Math.min(at, this.hold.probeAt)
    else if (this.pausedUntil > now) at = Math.min(at, this.pausedUntil)
    if (at === this.wakeTimerAt || this.aborted) return
    clearTimeout(this.wakeTimer)
    this.wakeTimerAt = at
    if (at === Infinity) return
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimerAt = Infinity
        const fired = Date.now()
        while (this.retryWakes.length && this.retryWakes[0] <= fired) this.retryWakes.shift()
        this.unread = true
        this.pump()
      },
      Math.max(0, at - now)
    )
    this.wakeTimer.unref()
  }

  private addRetryWake(time: number) {
    let i = this.retryWakes.length
    while (i > 0 && this.retryWakes[i - 1] > time) i--
    if (this.retryWakes[i - 1] !== time) this.retryWakes.splice(i, 0, time)
  }

  /** Starts batches while there is room in flight: full queues first come, due ones at each tick. */
  private pump() {
    if (!this.started) return
    this.fill()
    while (!this.aborted && this.inFlight < this.options.maxInFlight) {
      const now = Date.now()
      if (this.hold) {
        if (this.hold.probing) break
        if (now < this.hold.probeAt) break
      } else if (now < this.pausedUntil) break
      let queue: Queue | undefined
      for (const candidate of this.queues.values()) {
        if (candidate.due || candidate.items.length >= candidate.batchSize) {
          queue = candidate
          break
        }
      }
      if (!queue) break
      const items = queue.items.splice(0, queue.batchSize)
      // Round robin: the queue goes to the back; an empty one is forgotten.
      this.queues.delete(queue.key)
      if (queue.items.length) this.queues.set(queue.key, queue)
      if (this.hold) this.hold.probing = true
      const startedAt = now + Math.random() // distinct in the set
      this.batchStarts.add(startedAt)
      this.track(
        () => this.deliver(queue.subscription, items),
        queue.subscription.name,
        () => {
          this.batchStarts.delete(startedAt)
          if (this.hold) this.hold.probing = false
        }
      )
    }
    this.armWake()
    this.checkIdle()
  }

  /**
   * Runs a batch. Deliveries of the other mode are set aside first. A batch that fails as a whole is
   * split until the event at fault is alone; one whose thread stopped while running other batches too
   * is not at fault, and is retried whole.
   */
  private async deliver(subscription: Subscription, items: StoredDelivery[]): Promise<void> {
    const started = Date.now()
    /** Every delivery of the batch gets the same status (a stop, a batch that could not run). */
    const all = (status: number, errormessage: string) =>
      this.settleAll(subscription, items, status, errormessage, started)
    if (this.aborted) return all(503, 'not sent: the runtime is stopping')
    items = await this.setAsideOtherMode(subscription, items)
    if (items.length === 0) return
    let task: BatchTask
    try {
      task = {
        mapping: subscription.mapping,
        events: items.map((item) => item.event),
        settings: this.options.settings(),
        apiBaseUrl: this.options.apiBaseUrl()
      }
    } catch (error) {
      return all(503, `not sent: ${describeError(error)}`)
    }
    let statuses: EventStatus[]
    let warnings: string[] = []
    let matchKeys: MatchKeyCounts | undefined
    try {
      ;({ statuses, warnings, matchKeys } = await this.options.executor.run(task))
    } catch (error) {
      const errormessage = describeError(error)
      // Stopping, or its thread stopped while running other batches too: nothing says this one is at fault.
      if (this.aborted || (error instanceof ThreadStoppedError && !error.alone)) return all(503, errormessage)
      if (items.length === 1) return all(400, `the destination failed on this event: ${errormessage}`)
      this.options.log.warn('batch failed as a whole: sending it again in halves to find the event at fault', {
        mapping: subscription.name,
        events: items.length,
        reason: errormessage
      })
      const half = Math.ceil(items.length / 2)
      await this.deliver(subscription, items.slice(0, half))
      await this.deliver(subscription, items.slice(half))
      return
    }
    if (matchKeys) this.options.matchKeys?.add(subscription.name, matchKeys)
    await this.settle(subscription, items, statuses, warnings, started)
  }

  /**
   * A delivery accepted in dry-run never goes to TikTok, and one accepted live never to the stand-in:
   * while live, dry-run ones are dead-lettered (replay sends them live if wanted); while in dry-run,
   * live ones are kept queued, looked at again every AUTH_RETRY_MS and as soon as settings are saved.
   * Returns the ones to send.
   */
  private async setAsideOtherMode(subscription: Subscription, items: StoredDelivery[]): Promise<StoredDelivery[]> {
    const dryRun = this.options.dryRun()
    const other = items.filter((item) => item.dryRun !== dryRun)
    if (other.length === 0) return items
    const now = Date.now()
    if (dryRun) {
      this.liveKeptInDryRunAt = now
      // Handed back untouched, to be looked at again then: no attempt counted, nothing judged.
      const nextAt = now + this.options.authRetryMs
      await this.putBack(
        subscription,
        other.map((item) => ({ ...item, nextAt })),
        [],
        0
      )
    } else {
      const errormessage =
        'accepted in dry-run (to be shown, not sent) and still queued when the runtime went live: not sent to TikTok; replay it to send it'
      await this.settleAll(subscription, other, 409, errormessage, now)
    }
    return items.filter((item) => item.dryRun === dryRun)
  }

  /** Settles a batch whose deliveries all get the same status. */
  private settleAll(
    subscription: Subscription,
    items: StoredDelivery[],
    status: number,
    errormessage: string,
    started = Date.now()
  ) {
    const statuses = items.map(() => ({ status, errormessage }))
    return this.settle(subscription, items, statuses, [], started)
  }

  /** What becomes of each delivery of a batch, by its status; durable first, then memory. */
  private async settle(
    subscription: Subscription,
    items: StoredDelivery[],
    statuses: EventStatus[],
    warnings: string[],
    started: number
  ) {
    const now = Date.now()
    const { retryBudgetMs, metrics, log } = this.options
    const delivered: StoredDelivery[] = []
    const retry: StoredDelivery[] = []
    const held: StoredDelivery[] = []
    const failed: { item: StoredDelivery; status: number; reason: string }[] = []
    const tally: Record<string, number> = {}
    const attempt = Math.max(...items.map((item) => item.attempts)) + 1
    // The events of a batch that must be tried again go back together, so they make one batch again.
    const retryAt = now + this.backoff(attempt)
    let authRefused = false
    items.forEach((item, i) => {
      const status = statuses[i] ?? { status: 500, errormessage: 'no status for this event' }
      tally[status.status] = (tally[status.status] ?? 0) + 1
      if (isAuthRefusal(status.status)) authRefused = true
      const reason = status.errormessage ?? `status ${status.status}`
      if (status.status === 200) delivered.push(item)
      else if (this.aborted && isRetryable(status.status))
        held.push(item) // stays queued as it was
      else if (isAuthRefusal(status.status)) held.push(item)
      else if (isRetryable(status.status)) {
        const firstFailedAt = item.firstFailedAt ?? now
        const attempts = item.attempts + 1
        if (now - firstFailedAt >= retryBudgetMs) {
          failed.push({
            item: { ...item, attempts },
            status: status.status,
            reason: `gave up after ${attempts} attempts in ${duration(now - firstFailedAt)}: ${reason}`
          })
        } else {
          retry.push({ ...item, attempts, firstFailedAt, lastError: reason, nextAt: retryAt })
        }
      } else failed.push({ item, status: status.status, reason })
    })
    const firstProblem = statuses.map((status) => status.errormessage).find((message) => message !== undefined)
    this.judge(subscription, authRefused, firstProblem, delivered.length, retry.length, now)

    // Durable outcome first, then what is in memory.
    const deadLettered = await this.deadLetterGroups(subscription, failed, retry)
    try {
      await this.options.store.remove(delivered)
    } catch (error) {
      log.error('queue update failed: delivered events may be sent again', {
        mapping: subscription.name,
        reason: describeError(error)
      })
    }
    const handedBack = await this.putBack(subscription, retry, held, delivered.length + deadLettered)
    // A failure's retry wakes the loop when due.
    if (handedBack) this.addRetryWake(Math.min(...retry.map((item) => item.nextAt)))
    this.settledSinceTick += delivered.length
    this.depthEstimate -= delivered.length
    this.counts.delivered += delivered.length

    this.counts.batches++
    this.counts.retried += retry.length
    metrics.delivered.inc({ mapping: subscription.name }, delivered.length)
    metrics.retries.inc({ mapping: subscription.name }, retry.length)
    metrics.batchSeconds.observe((now - started) / 1000)
    const summary: BatchSummary = {
      at: new Date(now).toISOString(),
      mapping: subscription.name,
      events: items.length,
      delivered: delivered.length,
      retrying: retry.length,
      held: held.length,
      deadLettered,
      statuses: tally,
      latencyMs: now - started,
      reason: firstProblem
    }
    const level = deadLettered ? 'error' : retry.length || held.length || warnings.length ? 'warn' : 'info'
    log[level]('batch', {
      mapping: subscription.name,
      events: items.length,
      delivered: delivered.length,
      retrying: retry.length || undefined,
      held: held.length || undefined,
      dead_lettered: deadLettered || undefined,
      status: Object.entries(tally)
        .map(([status, count]) => (Object.keys(tally).length > 1 ? `${status}:${count}` : status))
        .join(','),
      attempt,
      latency_ms: summary.latencyMs,
      reason: firstProblem,
      dead_letter: deadLettered ? this.options.deadLetter.where : undefined,
      warnings: warnings.length ? warnings.join('; ') : undefined
    })
    this.options.onBatch?.(summary)
  }

  /**
   * What goes back after a batch: `retry` to the store (read again once due at its `nextAt`), `held`
   * in memory at the front of its queue (what waits for a hold to lift); `settled` more left memory
   * for good. Deliveries the store does not take back stay in memory, queued. Returns how many it took.
   */
  private async putBack(
    subscription: Subscription,
    retry: StoredDelivery[],
    held: StoredDelivery[],
    settled: number
  ): Promise<number> {
    let handedBack = retry.length
    try {
      await this.options.store.reschedule(retry)
    } catch (error) {
      // The store did not take them back: they stay here, queued, and go with the next batch.
      this.options.log.error('queue update failed: the events to retry stay in memory', {
        mapping: subscription.name,
        reason: describeError(error)
      })
      handedBack = 0
      held.push(...retry) // stopping: they stay in the store as they were, and leave memory with `held`
    }
    // In memory from here on: only what waits for the hold to lift (or the stop to come back).
    this.holding -= settled + handedBack + (this.aborted ? held.length : 0)
    if (held.length && !this.aborted) this.enqueue(subscription, held, true)
    return handedBack
  }

  /** The outcome for the loop: a hold on TikTok's refusal, a pause on its failures, both lifted by a delivery. */
  private judge(
    subscription: Subscription,
    authRefused: boolean,
    firstProblem: string | undefined,
    delivered: number,
    retried: number,
    now: number
  ) {
    const { log, authRetryMs, retryBudgetMs } = this.options
    if (delivered > 0) {
      if (this.hold)
        log.info('delivery resumes: TikTok accepted a batch again', {
          held_since: new Date(this.hold.since).toISOString()
        })
      this.hold = undefined
      this.failures = 0
      this.pausedUntil = 0
      this.lastFailure = undefined
    }
    if (this.aborted) return
    if (authRefused) {
      const reason = `TikTok refuses the access token or pixel: ${firstProblem ?? 'unauthorized'}; delivery is held (events stay queued), tried again every ${duration(authRetryMs)} and when settings are saved`
      if (!this.hold) log.error('delivery held', { mapping: subscription.name, reason })
      this.hold = { reason, since: this.hold?.since ?? now, probeAt: now + authRetryMs, probing: false }
    } else if (retried > 0 && delivered === 0) {
      this.failures++
      this.pausedUntil = now + this.backoff(this.failures)
      this.lastFailure = `TikTok failed or could not be reached: ${firstProblem ?? 'retryable failure'}; retrying (events stay queued up to ${duration(retryBudgetMs)})`
    }
  }

  /** Dead-letters the refused events, grouped by reason; those whose record could not be written are retried. */
  private async deadLetterGroups(
    subscription: Subscription,
    failed: { item: StoredDelivery; status: number; reason: string }[],
    retry: StoredDelivery[]
  ): Promise<number> {
    const groups = new Map<string, { status: number; reason: string; items: StoredDelivery[] }>()
    for (const { item, status, reason } of failed) {
      const key = `${status} ${reason}`
      const group = groups.get(key) ?? { status, reason, items: [] }
      group.items.push(item)
      groups.set(key, group)
    }
    let written = 0
    for (const { status, reason, items } of groups.values()) {
      if (await this.deadLetter(subscription.name, items, status, reason)) written += items.length
      else {
        const now = Date.now()
        for (const item of items) {
          retry.push({ ...item, firstFailedAt: item.firstFailedAt ?? now, nextAt: now + this.options.retryMaxMs })
        }
      }
    }
    return written
  }

  /**
   * Writes the records, then removes the deliveries from the queue; counts change only once the
   * records are written. False when they could not be (the caller keeps the deliveries queued).
   */
  private async deadLetter(mapping: string, items: StoredDelivery[], status: number, reason: string): Promise<boolean> {
    const at = new Date().toISOString()
    const written = await this.options.deadLetter.append(
      items.map((item) => ({ at, mapping, status, reason, attempts: item.attempts, event: item.event }))
    )
    if (!written) return false
    try {
      await this.options.store.remove(items)
    } catch (error) {
      this.options.log.error('queue update failed: dead-lettered events may be sent again', {
        mapping,
        reason: describeError(error)
      })
    }
    this.settledSinceTick += items.length
    this.depthEstimate -= items.length
    this.counts.deadLettered += items.length
    this.options.metrics.deadLettered.inc({ mapping }, items.length)
    return true
  }

  /** Exponential backoff with "equal jitter", from retryBaseMs up to retryMaxMs. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** Math.min(30, attempt - 1))
    return ceiling / 2 + Math.random() * (ceiling / 2)
  }
}

function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`
  return `${Math.round(ms / 3_600_000)} h`
}
