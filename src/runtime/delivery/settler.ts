/**
 * The Settler writes what settlement.ts decides for a batch: durable first (dead-letter records, then
 * removal from the queue; retries handed back to the store), then memory (what was not judged goes back
 * to its queue), then the books: the delivery state's verdict, counts, metrics, the batch's log line
 * and summary. A dead-letter record that cannot be written leaves its deliveries queued, retried later.
 */
import type { DeadLetterSink } from '../storage/dead-letters'
import { describeError, type Log } from '../ops/log'
import type { RuntimeMetrics } from '../ops/metrics'
import { DEFAULT_ACTION } from '../routing/actions'
import type { Subscription } from '../routing/subscriptions'
import type { DeliveryStore, StoredDelivery } from '../storage/store'
import type { Admission } from './admission'
import type { Clock } from './clock'
import type { DeliveryCounts } from './counts'
import type { DeliveryState } from './delivery-state'
import type { DeliveryStatus } from './executor'
import type { Scheduler } from './scheduler'
import { batchAttempt, retryUnwritten, settle, type DeadLetterGroup } from './settlement'

/** What became of a batch (the log line, GET /deliveries). */
export interface BatchSummary {
  at: string
  mapping: string
  events: number
  delivered: number
  retrying: number
  /** Not judged: TikTok refused the token or pixel (the auth hold), or a stop cut the batch short. */
  held: number
  deadLettered: number
  statuses: Record<string, number>
  latencyMs: number
  reason?: string
}

/** What the settler asks of the delivery loop. */
export type DeliveryWindow = Pick<Scheduler, 'release' | 'keep' | 'retryDueAt' | 'aborted'>

export interface SettlerOptions {
  store: Pick<DeliveryStore, 'remove' | 'reschedule'>
  deadLetter: DeadLetterSink
  retryBudgetMs: number
  retryMaxMs: number
  state: Pick<DeliveryState, 'record' | 'backoff' | 'retriesDueBy'>
  admission: Pick<Admission, 'settled'>
  window: DeliveryWindow
  counts: DeliveryCounts
  metrics: RuntimeMetrics
  log: Log
  clock: Clock
  onBatch?: (summary: BatchSummary) => void
}

export class Settler {
  constructor(private readonly options: SettlerOptions) {}

  /** Settles a batch whose deliveries all get the same status. */
  settleAll(
    subscription: Subscription,
    items: StoredDelivery[],
    status: number,
    errormessage: string,
    started = this.options.clock.now()
  ) {
    const statuses = items.map(() => ({ status, errormessage }))
    return this.settle(subscription, items, statuses, [], started)
  }

  /** Deliveries read for a subscription that is no longer configured: refused, as a batch that cannot be mapped. */
  orphaned(name: string, items: StoredDelivery[]) {
    const subscription: Subscription = {
      name,
      subscribe: '',
      action: DEFAULT_ACTION,
      sources: [],
      mapping: {},
      enabled: false,
      matches: () => false
    }
    const errormessage = `mapping "${name}" is no longer configured (the mappings changed while the event was queued: it was deleted or renamed)`
    return this.settleAll(subscription, items, 400, errormessage)
  }

  /** What becomes of each delivery of a batch, by its status; durable first, then memory. */
  async settle(
    subscription: Subscription,
    items: StoredDelivery[],
    statuses: DeliveryStatus[],
    warnings: string[],
    started: number
  ) {
    const { retryBudgetMs, retryMaxMs, state, window, clock, log } = this.options
    const now = clock.now()
    const attempt = batchAttempt(items)
    const aborted = window.aborted
    const retryAt = now + state.backoff(attempt)
    const settled = settle({ items, statuses, now, retryBudgetMs, retryAt, aborted })
    const { delivered, kept, tally, firstProblem } = settled
    state.record(
      {
        mapping: subscription.name,
        authRefused: settled.authRefused,
        firstProblem,
        delivered: delivered.length,
        retried: settled.retry.length
      },
      now,
      aborted
    )
    // While TikTok fails, a retry waits no longer than the next probe (which sends it): it goes as soon
    // as TikTok answers again, not at the end of its own, longer backoff.
    const dueBy = state.retriesDueBy()
    const retried = settled.retry.map((item) => (item.nextAt > dueBy ? { ...item, nextAt: dueBy } : item))

    // Durable outcome first, then what is in memory. The delivered leave the queue before anything else
    // is written (a dead-letter record's sync): until then, a crash would send them again.
    try {
      await this.options.store.remove(delivered)
    } catch (error) {
      log.error('queue update failed: delivered events may be sent again', {
        mapping: subscription.name,
        reason: describeError(error)
      })
    }
    const { written: deadLettered, unwritten } = await this.deadLetterGroups(subscription.name, settled.deadLetter)
    const retry = [...retried, ...retryUnwritten(unwritten, clock.now(), retryMaxMs)]
    const handedBack = await this.putBack(subscription, retry, kept, delivered.length + deadLettered)
    // A failure's retry wakes the loop when due.
    if (handedBack) window.retryDueAt(Math.min(...retry.map((item) => item.nextAt)))
    this.options.admission.settled(delivered.length)
    // A batch is all dry-run or all live (batch-run.ts): a dry-run's are printed, not delivered.
    const printed = items[0]?.dryRun === true
    this.count(subscription.name, delivered.length, retry.length, (now - started) / 1000)
    if (printed) this.options.counts.printed += delivered.length

    const summary: BatchSummary = {
      at: new Date(now).toISOString(),
      mapping: subscription.name,
      events: items.length,
      delivered: delivered.length,
      retrying: retry.length,
      // Retries the store did not take back stay in memory too.
      held: kept.length + retry.length - handedBack,
      deadLettered,
      statuses: tally,
      latencyMs: now - started,
      reason: firstProblem
    }
    this.logBatch(summary, attempt, warnings, printed)
    this.options.onBatch?.(summary)
  }

  /**
   * What goes back after a batch: `retry` to the store (read again once due at its `nextAt`), `kept`
   * to the front of its queue in memory; `settled` more left memory for good. Deliveries the store
   * does not take back stay in memory, queued. Returns how many it took.
   */
  async putBack(
    subscription: Subscription,
    retry: StoredDelivery[],
    kept: StoredDelivery[],
    settled: number
  ): Promise<number> {
    const { store, window, log } = this.options
    try {
      await store.reschedule(retry)
    } catch (error) {
      // The store did not take them back: they stay here, queued, and go with the next batch (when
      // aborted, they stay in the store as they were).
      log.error('queue update failed: the events to retry stay in memory', {
        mapping: subscription.name,
        reason: describeError(error)
      })
      window.release(settled)
      window.keep(subscription, [...kept, ...retry])
      return 0
    }
    window.release(settled + retry.length)
    window.keep(subscription, kept)
    return retry.length
  }

  private count(mapping: string, delivered: number, retried: number, seconds: number) {
    const { counts, metrics } = this.options
    counts.delivered += delivered
    counts.batches++
    counts.retried += retried
    metrics.delivered.inc({ mapping }, delivered)
    metrics.retries.inc({ mapping }, retried)
    metrics.batchSeconds.observe(seconds)
  }

  private logBatch(summary: BatchSummary, attempt: number, warnings: string[], printed: boolean) {
    const { deadLettered, retrying, held, statuses: tally } = summary
    const level = deadLettered ? 'error' : retrying || held || warnings.length ? 'warn' : 'info'
    // A dry-run's bodies were printed: nothing was delivered and TikTok answered nothing (its 200 is the stand-in's).
    const onlyPrinted = printed && Object.keys(tally).every((status) => status === '200')
    this.options.log[level]('batch', {
      mapping: summary.mapping,
      events: summary.events,
      [printed ? 'printed' : 'delivered']: summary.delivered,
      retrying: retrying || undefined,
      held: held || undefined,
      dead_lettered: deadLettered || undefined,
      status: onlyPrinted
        ? undefined
        : Object.entries(tally)
            .map(([status, count]) => (Object.keys(tally).length > 1 ? `${status}:${count}` : status))
            .join(','),
      attempt,
      latency_ms: summary.latencyMs,
      reason: summary.reason,
      dead_letter: deadLettered ? this.options.deadLetter.where : undefined,
      warnings: warnings.length ? warnings.join('; ') : undefined
    })
  }

  /** Dead-letters each group; returns how many were written, and the deliveries whose record was not. */
  private async deadLetterGroups(mapping: string, groups: DeadLetterGroup[]) {
    let written = 0
    const unwritten: StoredDelivery[] = []
    for (const { status, reason, items } of groups) {
      if (await this.deadLetter(mapping, items, status, reason)) written += items.length
      else unwritten.push(...items)
    }
    return { written, unwritten }
  }

  /**
   * Writes the records, then removes the deliveries from the queue; counts change only once the
   * records are written. False when they could not be (the caller keeps the deliveries queued).
   */
  private async deadLetter(mapping: string, items: StoredDelivery[], status: number, reason: string): Promise<boolean> {
    const { deadLetter, store, clock, log, admission, counts, metrics } = this.options
    const at = new Date(clock.now()).toISOString()
    const written = await deadLetter.append(
      items.map((item) => ({ at, mapping, status, reason, attempts: item.attempts, event: item.event }))
    )
    if (!written) return false
    try {
      await store.remove(items)
    } catch (error) {
      log.error('queue update failed: dead-lettered events may be sent again', {
        mapping,
        reason: describeError(error)
      })
    }
    admission.settled(items.length)
    counts.deadLettered += items.length
    metrics.deadLettered.inc({ mapping }, items.length)
    return true
  }
}
