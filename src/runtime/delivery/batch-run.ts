/**
 * Running one batch: the deliveries of the other mode are set aside first (dry-run ones never go to
 * TikTok, live ones never to the stand-in), the rest are marked sent in the store (so that after a
 * crash it knows which may have arrived) and go through the executor (actions-core's `executeBatch`, so
 * the action's `performBatch`), then are settled by their statuses. A batch that fails
 * as a whole (it cannot be mapped, a thread dies running it alone) is split in halves until the event at
 * fault is alone: that one is dead-lettered with the reason, the others go on.
 */
import type { Settings } from '../../destination/generated-types'
import { describeError, type Log } from '../ops/log'
import type { MatchKeyCounts, MatchKeyTally } from '../ops/match-key-tally'
import type { Subscription } from '../routing/subscriptions'
import type { DeliveryStore, StoredDelivery } from '../storage/store'
import type { Clock } from './clock'
import type { DeliveryState } from './delivery-state'
import { ThreadStoppedError, type BatchTask, type DeliveryStatus, type Executor } from './executor'
import type { Settler } from './settler'

export interface BatchRunOptions {
  executor: Executor
  /** Told which deliveries a batch carries as it goes, before TikTok answers (the store's order after a crash). */
  store?: Pick<DeliveryStore, 'sending'>
  /** The settings to send with, read at each batch. */
  settings: () => Settings
  /** Where to send, read at each batch (throws when nothing may be sent: dry-run without its stand-in). */
  apiBaseUrl: () => string | undefined
  /** Whether the runtime is in dry-run now. */
  dryRun: () => boolean
  /** Live deliveries read in dry-run are looked at again this long after. */
  authRetryMs: number
  settler: Pick<Settler, 'settle' | 'settleAll' | 'putBack'>
  state: Pick<DeliveryState, 'keptLiveInDryRun'>
  /** A stop's deadline passed. */
  aborted: () => boolean
  clock: Clock
  log: Log
  matchKeys?: MatchKeyTally
}

export class BatchRun {
  constructor(private readonly options: BatchRunOptions) {}

  /**
   * Runs a batch and settles it. A batch whose thread stopped while running other batches too is not
   * at fault, and is retried whole.
   */
  async run(subscription: Subscription, items: StoredDelivery[]): Promise<void> {
    const { settler, clock, aborted } = this.options
    const started = clock.now()
    /** Every delivery of the batch gets the same status (a stop, a batch that could not run). */
    const all = (status: number, errormessage: string) =>
      settler.settleAll(subscription, items, status, errormessage, started)
    if (aborted()) return all(503, 'not sent: the runtime is stopping')
    items = await this.setAsideOtherMode(subscription, items)
    if (items.length === 0) return
    let task: BatchTask
    try {
      task = {
        action: subscription.action,
        mapping: subscription.mapping,
        events: items.map((item) => item.event),
        settings: this.options.settings(),
        apiBaseUrl: this.options.apiBaseUrl()
      }
    } catch (error) {
      return all(503, `not sent: ${describeError(error)}`)
    }
    let statuses: DeliveryStatus[]
    let warnings: string[] = []
    let matchKeys: MatchKeyCounts | undefined
    const sending = this.options.store?.sending?.(items)
    if (sending) await sending
    try {
      ;({ statuses, warnings, matchKeys } = await this.options.executor.run(task))
    } catch (error) {
      const errormessage = describeError(error)
      // Stopping, or its thread stopped while running other batches too: nothing says this one is at fault.
      if (aborted() || (error instanceof ThreadStoppedError && !error.alone)) return all(503, errormessage)
      if (items.length === 1) return all(400, `the destination failed on this event: ${errormessage}`)
      this.options.log.warn('batch failed as a whole: sending it again in halves to find the event at fault', {
        mapping: subscription.name,
        events: items.length,
        reason: errormessage
      })
      const half = Math.ceil(items.length / 2)
      await this.run(subscription, items.slice(0, half))
      await this.run(subscription, items.slice(half))
      return
    }
    if (matchKeys) this.options.matchKeys?.add(subscription.name, matchKeys)
    await settler.settle(subscription, items, statuses, warnings, started)
  }

  /**
   * A delivery accepted in dry-run never goes to TikTok, and one accepted live never to the stand-in:
   * while live, dry-run ones are dead-lettered (replay sends them live if wanted); while in dry-run,
   * live ones are kept queued, looked at again every AUTH_RETRY_MS and as soon as settings are saved.
   * Returns the ones to send.
   */
  private async setAsideOtherMode(subscription: Subscription, items: StoredDelivery[]): Promise<StoredDelivery[]> {
    const { dryRun: isDryRun, clock, settler } = this.options
    const dryRun = isDryRun()
    const other = items.filter((item) => item.dryRun !== dryRun)
    if (other.length === 0) return items
    const now = clock.now()
    if (dryRun) {
      this.options.state.keptLiveInDryRun(now)
      // Handed back untouched, to be looked at again then: no attempt counted, nothing judged.
      const nextAt = now + this.options.authRetryMs
      await settler.putBack(
        subscription,
        other.map((item) => ({ ...item, nextAt })),
        [],
        0
      )
    } else {
      const errormessage =
        'accepted in dry-run (to be shown, not sent) and still queued when the runtime went live: not sent to TikTok; replay it to send it'
      await settler.settleAll(subscription, other, 409, errormessage, now)
    }
    return items.filter((item) => item.dryRun === dryRun)
  }
}
