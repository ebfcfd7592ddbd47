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
 *   while nothing gets through, one batch tries at least every PROBE_INTERVAL_MS and the rest waits for
 *   it, so that everything goes within seconds of TikTok's return;
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
 *
 * This is the front; the parts, in the order an event meets them: intake.ts (routing), admission.ts
 * (queue limit, Retry-After), scheduler.ts (the loop), batch-run.ts (one batch), settlement.ts (what
 * each status means) and settler.ts (writing it), delivery-state.ts (auth hold, pause, health).
 */
import type { SegmentEvent } from '@segment/actions-core'
import type { Settings } from '../../destination/generated-types'
import type { IdentityMemory } from '../identity/memory'
import type { RuntimeConfig } from '../ops/config'
import { describeError, type Log } from '../ops/log'
import type { MatchKeyTally } from '../ops/match-key-tally'
import type { RuntimeMetrics } from '../ops/metrics'
import { consentGiven, withLimitedDataUse } from '../routing/consent'
import { integrationEnabled, type Subscription } from '../routing/subscriptions'
import type { DeadLetterSink } from '../storage/dead-letters'
import { StoreFullError, type DeliveryStore, type StoredDelivery } from '../storage/store'
import { Admission, requestKey } from './admission'
import { BatchRun } from './batch-run'
import { systemClock, type Clock } from './clock'
import { noCounts } from './counts'
import { DeliveryState, type DeliveryHealth } from './delivery-state'
import { StoppingError, StoreUnavailableError } from './errors'
import type { Executor } from './executor'
import { Intake, type RoutedRequest } from './intake'
import { Scheduler } from './scheduler'
import { Settler, type BatchSummary } from './settler'

export type { BatchSummary } from './settler'
export type { DeliveryHealth } from './delivery-state'
export { QueueFullError, StoppingError, StoreUnavailableError, TooLargeError } from './errors'

/** The runtime's settings of queues, batches and retries (see config.ts). */
export type PipelineTuning = Pick<
  RuntimeConfig,
  | 'flushIntervalMs'
  | 'queueLimit'
  | 'retryBaseMs'
  | 'retryMaxMs'
  | 'retryBudgetMs'
  | 'authRetryMs'
  | 'probeIntervalMs'
  | 'maxInFlight'
  | 'dedupeWindowMs'
>

export interface PipelineOptions extends PipelineTuning {
  /** Runs a batch through actions-core's Destination (in this thread or in worker threads). */
  executor: Executor
  store: DeliveryStore
  deadLetter: DeadLetterSink
  /** The subscriptions in force, read at each request and batch (the page can replace them while running). */
  subscriptions: () => readonly Subscription[]
  /** The settings to send with, read at each batch (they can change while running). */
  settings: () => Settings
  /** Where to send, read at each batch: the dry-run stand-in, TIKTOK_API_URL, or TikTok. */
  apiBaseUrl: () => string | undefined
  /** Whether the runtime is in dry-run now (read at intake and at each batch). */
  dryRun: () => boolean
  /** Whether events from mobile apps go as app events (a TikTok App ID is set), read at intake. */
  appEvents?: () => boolean
  log: Log
  metrics: RuntimeMetrics
  /** Told of every batch once its statuses are known. */
  onBatch?: (summary: BatchSummary) => void
  /** Counts, per mapping, which match keys the delivered events carried (the page's Match keys panel). */
  matchKeys?: MatchKeyTally
  /** The consent categories this destination needs (CONSENT_CATEGORIES), read at each request. */
  consentCategories?: () => readonly string[]
  /** Whether every event goes with limited_data_use true (unless it says otherwise), read at each request. */
  limitedDataUse?: () => boolean
  /** Identity memory: adds what a person gave before to their later events (or counts what it would). */
  identity?: IdentityMemory
  /** Time and timers (the system's by default; a fake one in unit tests). */
  clock?: Clock
  /** The backoff jitter's source, a number in [0, 1) (Math.random by default). */
  random?: () => number
}

export class Pipeline {
  readonly counts = noCounts()
  private readonly clock: Clock
  private readonly intake: Intake
  private readonly admission: Admission
  private readonly state: DeliveryState
  private readonly scheduler: Scheduler
  private readonly settler: Settler
  private readonly batchRun: BatchRun

  constructor(private readonly options: PipelineOptions) {
    const { log, metrics } = options
    const counts = this.counts
    const clock = (this.clock = options.clock ?? systemClock)
    this.intake = new Intake({
      subscriptions: options.subscriptions,
      appEvents: options.appEvents,
      consentCategories: options.consentCategories,
      counts,
      metrics,
      log
    })
    this.state = new DeliveryState({ ...options, clock, random: options.random ?? Math.random })
    this.admission = new Admission({
      queueLimit: options.queueLimit,
      clock,
      deliveryOk: () => this.state.health().status === 'ok'
    })
    this.scheduler = new Scheduler({
      ...options,
      gate: this.state,
      clock,
      send: (subscription, items) => this.send(subscription, items),
      orphaned: (name, items) => this.settler.orphaned(name, items),
      onTick: () => this.tick()
    })
    this.settler = new Settler({
      ...options,
      state: this.state,
      admission: this.admission,
      window: this.scheduler,
      counts,
      clock
    })
    this.batchRun = new BatchRun({
      ...options,
      settler: this.settler,
      state: this.state,
      aborted: () => this.scheduler.aborted,
      clock
    })
  }

  /** Starts the delivery loop, once what it sends to is ready (in dry-run, the stand-in). */
  start(): void {
    if (!this.scheduler.start()) return
    void this.refreshDepth().then(() => this.scheduler.pump())
  }

  /** Deliveries accepted and not yet delivered or dead-lettered (in the store, any runtime's for a shared one). */
  get pending(): number {
    return this.admission.depth
  }

  /** How delivery goes: degraded (with the reason) while TikTok refuses or fails, else ok. */
  health(): DeliveryHealth {
    return this.state.health()
  }

  /**
   * Routes events to the subscriptions whose trigger they match and stores the deliveries durably:
   * when this resolves, the events are accepted. An event whose messageId was accepted within
   * DEDUPE_WINDOW_MS (or earlier in the request) is acknowledged and not stored again, unless
   * `dedupe` is false (a replay of dead letters: those were accepted once, and are sent again on purpose).
   * Throws TooLargeError, QueueFullError, StoreUnavailableError or StoppingError, having accepted none
   * of them (but for a poison event's dead-letter record, which is harmless twice: replay keeps one per
   * messageId).
   */
  async accept(events: SegmentEvent[], { dedupe = true } = {}): Promise<void> {
    if (this.scheduler.stopping) throw new StoppingError('The runtime is shutting down; retry later.')
    const now = this.clock.now()
    const dedupeWindowMs = dedupe ? this.options.dedupeWindowMs : 0
    const { events: prepared, gains } = await this.prepare(events)
    const request = this.intake.route(prepared, now, this.options.dryRun(), dedupeWindowMs > 0)
    const release = this.admission.admit(request.deliveries.length, requestKey(events))
    try {
      await this.write(request, now, dedupeWindowMs)
    } finally {
      release()
    }
    const gain = this.options.identity?.gain
    if (gain) for (const { event, mappings } of request.routed) gain.add(mappings, gains.get(event) ?? [])
    this.scheduler.storeChanged()
  }

  /** Writes a routed request (poison records first: once the deliveries are stored, it is accepted). */
  private async write(request: RoutedRequest, now: number, dedupeWindowMs: number): Promise<void> {
    if (request.poison.length && !(await this.options.deadLetter.append(request.poison))) {
      throw new StoreUnavailableError('The runtime could not store every event; retry later.')
    }
    let duplicates: string[]
    try {
      ;({ duplicates } = await this.options.store.append(request.deliveries, { now, dedupeWindowMs }))
    } catch (error) {
      // A full store (a disk, Redis's memory) is said once, when it fills, not at every request it refuses.
      if (error instanceof StoreFullError) throw new StoreUnavailableError(error.refusal)
      this.options.log.error('queue write failed: request refused', { reason: describeError(error) })
      throw new StoreUnavailableError('The runtime could not store the events; retry later.')
    }
    this.admission.added(this.intake.accepted(request, duplicates))
  }

  /**
   * Before routing: limited_data_use set on every event when asked, then identity memory's keys added
   * to the events that may go to TikTok (consent given, the destination not turned off), and learned.
   */
  private async prepare(events: SegmentEvent[]) {
    const { identity, limitedDataUse } = this.options
    const limited = limitedDataUse?.() ? events.map(withLimitedDataUse) : events
    if (!identity) return { events: limited, gains: new Map() }
    const categories = this.options.consentCategories?.() ?? []
    return identity.prepare(limited, (event) => consentGiven(event, categories) && integrationEnabled(event))
  }

  /** Settings were saved: the auth hold on TikTok's refusal of the token ends, and delivery goes on at once. */
  resume(): void {
    this.state.resume()
    this.scheduler.forgetRetries()
    // What waits for its next attempt (a failure's backoff, live events kept in dry-run) goes now too.
    this.options.store.expedite().then(
      () => this.scheduler.storeChanged(),
      (error) => this.options.log.warn('queue update failed', { reason: describeError(error) })
    )
    this.scheduler.pump()
  }

  /**
   * Stops intake and delivers what it can until `deadlineMs`: queues that are not full go at once, a
   * pause after a failure is waited out. Then nothing new starts, requests in flight are aborted, and
   * what is not delivered stays queued.
   */
  async drain(deadlineMs: number): Promise<void> {
    await this.scheduler.drain(deadlineMs, () => this.options.executor.abort())
    this.intake.reportUnrouted()
  }

  /** One batch, counted as in flight for Retry-After while it runs. */
  private async send(subscription: Subscription, items: StoredDelivery[]) {
    const over = this.admission.batchStarted()
    try {
      await this.batchRun.run(subscription, items)
    } finally {
      over()
    }
  }

  private tick() {
    this.admission.tick()
    this.intake.reportUnrouted()
    void this.refreshDepth()
  }

  private async refreshDepth() {
    try {
      this.admission.measured((await this.options.store.stats()).depth)
    } catch (error) {
      this.options.log.warn('queue stats unavailable', { reason: describeError(error) })
    }
  }
}
