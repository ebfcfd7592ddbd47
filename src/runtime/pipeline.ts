/**
 * Events on their way to TikTok: queued per subscription and batch key, sent through actions-core's
 * `Destination.executeBatch` (so through the action's `performBatch`) when a batch is full or at each
 * flush tick, retried with exponential backoff and jitter when TikTok's answer is retryable, and
 * dead-lettered with the reason when it is not. Memory is bounded: past `queueLimit` pending events,
 * `accept` refuses. Every accepted event ends delivered or dead-lettered; `drain` gets there on shutdown.
 */
import { transform } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import type { Settings } from '../destination/generated-types'
import { batch_keys } from '../destination/reportWebEvent/fields/batching'
import { requestSize } from '../destination/tiktok/api'
import type { RuntimeConfig } from './config'
import type { DeadLetterEntry, DeadLetterFile } from './deadletter'
import type { EventStatus, Executor } from './executor'
import type { Log } from './log'
import type { MatchKeyCounts, MatchKeyTally } from './match-keys'
import { integrationEnabled, type Subscription } from './subscriptions'

/** The runtime's settings of queues, batches and retries (see config.ts). */
export type PipelineTuning = Pick<
  RuntimeConfig,
  'flushIntervalMs' | 'queueLimit' | 'maxAttempts' | 'retryBaseMs' | 'retryMaxMs' | 'maxInFlight'
>

export interface PipelineOptions extends PipelineTuning {
  /** Runs a batch through actions-core's Destination (in this thread or in worker threads). */
  executor: Executor
  subscriptions: Subscription[]
  /** The settings to send with, read at each batch (they can change while running). */
  settings: () => Settings
  /** Where to send, read at each batch: the dry-run stand-in, TIKTOK_API_URL, or TikTok. */
  apiBaseUrl: () => string | undefined
  deadLetter: DeadLetterFile
  log: Log
  /** Told of every batch once its statuses are known. */
  onBatch?: (summary: BatchSummary) => void
  /** Given each batch's match key counts, with the subscription's name. */
  matchKeys?: MatchKeyTally
}

export interface BatchSummary {
  at: string
  mapping: string
  events: number
  delivered: number
  retrying: number
  deadLettered: number
  statuses: Record<string, number>
  latencyMs: number
  reason?: string
}

interface Item {
  event: SegmentEvent
  attempts: number
}

interface Queue {
  key: string
  subscription: Subscription
  batchSize: number
  items: Item[]
  due: boolean
}

/** Refused because the queue holds `queueLimit` events: the Tracking API answers 429. */
export class QueueFullError extends Error {}

const isRetryable = (status: number) => status === 408 || status === 429 || status >= 500
const messageOf = (status: EventStatus) => status.errormessage

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
  private readonly retries = new Set<{ timer: NodeJS.Timeout; fire: () => void }>()
  private readonly batchKeyMappings = new Map<Subscription, JSONObject>()
  private aborted = false
  private readonly ticker: NodeJS.Timeout
  private pendingItems = 0
  private inFlight = 0
  private draining = false
  private idle: (() => void)[] = []

  constructor(private readonly options: PipelineOptions) {
    this.ticker = setInterval(() => this.tick(), options.flushIntervalMs)
    this.ticker.unref()
  }

  /** Events accepted and not yet delivered or dead-lettered (queued, in flight or waiting to retry). */
  get pending(): number {
    return this.pendingItems
  }

  /**
   * Routes events to the subscriptions whose trigger they match. Throws QueueFullError, taking none of
   * them, when the deliveries they make would pass the queue limit.
   */
  accept(events: SegmentEvent[]): void {
    if (this.draining) throw new QueueFullError('The runtime is shutting down.')
    const { subscriptions, queueLimit } = this.options
    const routes = events.map((event) =>
      integrationEnabled(event) ? subscriptions.filter((subscription) => subscription.matches(event)) : undefined
    )
    const deliveries = routes.reduce((sum, route) => sum + (route?.length ?? 0), 0)
    if (this.pendingItems + deliveries > queueLimit) {
      throw new QueueFullError(`The queue holds ${this.pendingItems} events (limit ${queueLimit}); retry later.`)
    }
    events.forEach((event, i) => {
      const route = routes[i]
      this.counts.received++
      if (!route) this.counts.skipped++
      else if (route.length === 0) this.counts.unmatched++
      for (const subscription of route ?? []) this.enqueue(subscription, [{ event, attempts: 0 }])
    })
    this.counts.queued += deliveries
    this.pendingItems += deliveries
    this.pump()
  }

  /** Stops intake, sends everything pending (retries included, without waiting out their backoff) and
   * resolves when nothing is left. Past `deadlineMs`, what is left is dead-lettered with that reason. */
  async drain(deadlineMs: number): Promise<void> {
    this.draining = true
    clearInterval(this.ticker)
    for (const retry of [...this.retries]) retry.fire()
    this.pump()
    const done = this.whenIdle()
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deadlineMs)))
    if ((await Promise.race([done, late])) === 'late') {
      this.aborted = true
      this.options.executor.abort()
      for (const retry of [...this.retries]) retry.fire()
      const left = [...this.queues.values()]
      this.queues.clear()
      const reason = 'not delivered before the shutdown deadline'
      await Promise.all(left.map((queue) => this.deadLetter(queue.subscription, queue.items, 0, reason, true)))
      await done
    }
    clearTimeout(timer)
    this.reportUnrouted()
    await this.options.deadLetter.flush()
  }

  private whenIdle(): Promise<void> {
    if (this.pendingItems === 0 && this.inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.idle.push(resolve))
  }

  private checkIdle() {
    if (this.pendingItems === 0 && this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve()
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

  private enqueue(subscription: Subscription, items: Item[], front = false): Queue {
    const key = `${subscription.name}\u0000${this.batchKey(subscription, items[0].event)}`
    let queue = this.queues.get(key)
    if (!queue) {
      queue = { key, subscription, batchSize: requestSize(subscription.mapping.batch_size), items: [], due: false }
      this.queues.set(key, queue)
    }
    if (front) queue.items.unshift(...items)
    else queue.items.push(...items)
    return queue
  }

  private tick() {
    for (const queue of this.queues.values()) queue.due = true
    this.reportUnrouted()
    this.pump()
  }

  private reported = { skipped: 0, unmatched: 0 }

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

  /** Starts batches while there is room in flight: full queues first come, due ones at each tick. */
  private pump() {
    // Past the shutdown deadline nothing new starts: what is left is dead-lettered.
    while (!this.aborted && this.inFlight < this.options.maxInFlight) {
      const queue = [...this.queues.values()].find(
        (candidate) =>
          candidate.items.length >= candidate.batchSize ||
          ((candidate.due || this.draining) && candidate.items.length > 0)
      )
      if (!queue) return
      const items = queue.items.splice(0, queue.batchSize)
      // Round robin: the queue goes to the back; an empty one is forgotten.
      this.queues.delete(queue.key)
      if (queue.items.length) this.queues.set(queue.key, queue)
      this.inFlight++
      void this.deliver(queue.subscription, items)
        .catch((error) => {
          this.options.log.error('batch failed', { mapping: queue.subscription.name, reason: (error as Error).message })
        })
        .finally(() => {
          this.inFlight--
          this.pump()
          this.checkIdle()
        })
    }
  }

  private async deliver(subscription: Subscription, items: Item[]) {
    const started = Date.now()
    let statuses: EventStatus[]
    let warnings: string[] = []
    let matchKeys: MatchKeyCounts | undefined
    try {
      ;({ statuses, warnings, matchKeys } = await this.options.executor.run({
        mapping: subscription.mapping,
        events: items.map((item) => item.event),
        settings: this.options.settings(),
        apiBaseUrl: this.options.apiBaseUrl()
      }))
    } catch (error) {
      const errormessage = `the destination failed: ${(error as Error).message}`
      statuses = items.map(() => ({ status: 500, errortype: 'UNKNOWN_ERROR', errormessage }))
    }
    this.counts.batches++
    const delivered: Item[] = []
    const retry: Item[] = []
    const failed: { item: Item; status: number; reason: string }[] = []
    const tally: Record<string, number> = {}
    items.forEach((item, i) => {
      const status = statuses[i] ?? { status: 500, errormessage: 'no status for this event' }
      tally[status.status] = (tally[status.status] ?? 0) + 1
      item.attempts++
      if (status.status === 200) delivered.push(item)
      else if (isRetryable(status.status) && item.attempts < this.options.maxAttempts && !this.aborted) retry.push(item)
      else {
        const reason = messageOf(status) ?? `status ${status.status}`
        failed.push({ item, status: status.status, reason: retryable(status.status, item.attempts, reason) })
      }
    })
    this.pendingItems -= delivered.length
    this.counts.delivered += delivered.length
    const firstProblem = statuses.map(messageOf).find((message) => message !== undefined)
    const summary: BatchSummary = {
      at: new Date().toISOString(),
      mapping: subscription.name,
      events: items.length,
      delivered: delivered.length,
      retrying: retry.length,
      deadLettered: failed.length,
      statuses: tally,
      latencyMs: Date.now() - started,
      reason: firstProblem
    }
    const level = failed.length ? 'error' : retry.length || warnings.length ? 'warn' : 'info'
    this.options.log[level]('batch', {
      mapping: subscription.name,
      events: items.length,
      delivered: delivered.length,
      retrying: retry.length || undefined,
      dead_lettered: failed.length || undefined,
      status: Object.entries(tally)
        .map(([status, count]) => (Object.keys(tally).length > 1 ? `${status}:${count}` : status))
        .join(','),
      attempt: Math.max(...items.map((item) => item.attempts)),
      latency_ms: summary.latencyMs,
      reason: firstProblem,
      dead_letter_file: failed.length ? this.options.deadLetter.path : undefined,
      warnings: warnings.length ? warnings.join('; ') : undefined
    })
    this.options.onBatch?.(summary)
    if (matchKeys) this.options.matchKeys?.add(subscription.name, matchKeys)
    if (retry.length) this.scheduleRetry(subscription, retry)
    await Promise.all(
      groupByReason(failed).map(([reason, status, group]) => this.deadLetter(subscription, group, status, reason))
    )
  }

  private scheduleRetry(subscription: Subscription, items: Item[]) {
    this.counts.retried += items.length
    const attempt = Math.max(...items.map((item) => item.attempts))
    const ceiling = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** (attempt - 1))
    const wait = this.draining ? Math.min(ceiling, 1000) : ceiling
    const delay = wait / 2 + Math.random() * (wait / 2) // exponential backoff, "equal jitter"
    const retry = {
      timer: setTimeout(() => retry.fire(), delay),
      fire: () => {
        clearTimeout(retry.timer)
        if (!this.retries.delete(retry)) return
        this.enqueue(subscription, items, true).due = true
        this.pump()
      }
    }
    this.retries.add(retry)
  }

  /** Writes the items to the dead-letter file; `log` for those no batch line speaks of. */
  private async deadLetter(subscription: Subscription, items: Item[], status: number, reason: string, log = false) {
    if (!items.length) return
    this.pendingItems -= items.length
    this.counts.deadLettered += items.length
    const at = new Date().toISOString()
    const entries: DeadLetterEntry[] = items.map((item) => ({
      at,
      mapping: subscription.name,
      status,
      reason,
      attempts: item.attempts,
      event: item.event
    }))
    if (log) {
      this.options.log.error('dead-lettered', { mapping: subscription.name, events: items.length, reason })
    }
    await this.options.deadLetter.append(entries)
    this.checkIdle()
  }
}

function retryable(status: number, attempts: number, reason: string) {
  return isRetryable(status) ? `gave up after ${attempts} attempt(s): ${reason}` : reason
}

function groupByReason(failed: { item: Item; status: number; reason: string }[]): [string, number, Item[]][] {
  const groups = new Map<string, [string, number, Item[]]>()
  for (const { item, status, reason } of failed) {
    const key = `${status} ${reason}`
    const group = groups.get(key) ?? [reason, status, []]
    group[2].push(item)
    groups.set(key, group)
  }
  return [...groups.values()]
}
