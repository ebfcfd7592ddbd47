/**
 * The delivery loop: which batch goes when. Deliveries are read from the store into a bounded window
 * in memory, queued per subscription and batch key; a queue goes as a batch when it is full, or at the
 * flush tick (every queue is then due), one queue after the other (round robin), with at most
 * maxInFlight batches under way, and only when the delivery state lets a batch start (no pause, or the
 * auth hold's probe). A retry is not kept here: it goes back to the store, which gives it again once
 * due; one timer wakes the loop then, at a pause's end or a probe's time.
 */
import { describeError, type Log } from '../ops/log'
import type { Subscription } from '../routing/subscriptions'
import type { DeliveryStore, StoredDelivery } from '../storage/store'
import { requestSize } from '../../destination/tiktok/api'
import type { Clock, Timer } from './clock'
import type { DeliveryState } from './delivery-state'

/** How many deliveries the loop keeps in memory per batch that may be in flight. */
const WINDOW_BATCHES = 3

/** What the loop asks of the delivery state. */
export type Gate = Pick<
  DeliveryState,
  'mayStart' | 'batchStarting' | 'batchOver' | 'wakeAt' | 'pauseEndsAt' | 'authHeld'
>

export interface SchedulerOptions {
  store: Pick<DeliveryStore, 'read' | 'shared'>
  /** The subscriptions in force (read as deliveries are placed: they can be replaced while running). */
  subscriptions: () => readonly Subscription[]
  maxInFlight: number
  flushIntervalMs: number
  gate: Gate
  clock: Clock
  log: Log
  /** Sends one batch of a subscription's deliveries and settles them. */
  send(subscription: Subscription, items: StoredDelivery[]): Promise<void>
  /** Settles deliveries read for a subscription that is no longer configured. */
  orphaned(subscription: string, items: StoredDelivery[]): Promise<void>
  /** At each flush tick, before batches start. */
  onTick(): void
}

interface Queue {
  key: string
  subscription: Subscription
  batchSize: number
  items: StoredDelivery[]
  /** Goes at the next chance even when not full (the flush tick came, or a stop). */
  due: boolean
}

export class Scheduler {
  /** Queues with items, in round-robin order (one with none is dropped). */
  private readonly queues = new Map<string, Queue>()
  /** The subscriptions in force by name, and the list it was made from. */
  private bySubscription = new Map<string, Subscription>()
  private bySubscriptionOf?: readonly Subscription[]
  /** At most this many deliveries in memory. */
  private readonly window: number
  /** Deliveries read from the store and not yet settled or handed back: queued here or in flight. */
  private inWindow = 0
  /** Batches being sent, and other settlements under way (counted so that a stop waits for them). */
  private inFlight = 0
  private reading = false
  /** The store may have deliveries to give now: read at the next chance. */
  private storeMayHaveMore = true
  private started = false
  private stopBegan = false
  /** When a stop gives up (once it began). */
  private stopDeadline = Infinity
  private deadlinePassed = false
  private readonly idleWaiters: (() => void)[] = []
  private ticker?: Timer
  /** When deliveries this runtime handed back come due again (ascending; one time per batch). */
  private retriesDue: number[] = []
  private wakeTimer?: Timer
  private wakeTimerAt = Infinity

  constructor(private readonly options: SchedulerOptions) {
    this.window = Math.max(1, options.maxInFlight) * WINDOW_BATCHES * 1000
  }

  /** True once a stop began: intake refuses new events. */
  get stopping(): boolean {
    return this.stopBegan
  }

  /** A stop's deadline passed: requests in flight were aborted, nothing more starts. */
  get aborted(): boolean {
    return this.deadlinePassed
  }

  /** Starts the flush tick; batches start at the next `pump`. False when it was started before. */
  start(): boolean {
    if (this.started) return false
    this.started = true
    this.ticker = this.options.clock.every(this.options.flushIntervalMs, () => this.tick())
    return true
  }

  /** The store has new deliveries to give (accepted, or expedited): read and send what can go. */
  storeChanged() {
    this.storeMayHaveMore = true
    this.pump()
  }

  /** Forgets the retries it waits for (they were expedited: the store gives them at once). */
  forgetRetries() {
    this.retriesDue = []
  }

  /** Handed-back deliveries come due at `time`: the loop wakes then. */
  retryDueAt(time: number) {
    let i = this.retriesDue.length
    while (i > 0 && this.retriesDue[i - 1] > time) i--
    if (this.retriesDue[i - 1] !== time) this.retriesDue.splice(i, 0, time)
  }

  /** `count` deliveries left memory: settled, or handed back to the store. */
  release(count: number) {
    this.inWindow -= count
  }

  /**
   * Deliveries not judged go back to the front of their queue; once aborted they leave memory
   * instead (the store keeps them as they were, for the next start).
   */
  keep(subscription: Subscription, items: StoredDelivery[]) {
    if (this.aborted) this.inWindow -= items.length
    else if (items.length) this.enqueue(subscription, items, true)
  }

  /**
   * Stops reading (from a shared store) and sends what it can until `deadlineMs`: queues that are not
   * full go at once, a pause that ends before the deadline is waited out. Then `abort` is called,
   * nothing new starts, and it resolves once nothing is in flight.
   */
  async drain(deadlineMs: number, abort: () => void): Promise<void> {
    const { clock } = this.options
    this.stopBegan = true
    this.stopDeadline = clock.now() + deadlineMs
    this.ticker?.cancel()
    for (const queue of this.queues.values()) queue.due = true
    this.pump()
    let deadline: Timer | undefined
    const late = new Promise<'late'>((resolve) => (deadline = clock.after(deadlineMs, () => resolve('late'), true)))
    if ((await Promise.race([this.whenIdle(), late])) === 'late') {
      this.deadlinePassed = true
      abort()
      await this.whenIdle()
    }
    deadline?.cancel()
    this.wakeTimer?.cancel()
  }

  /** Starts batches while there is room in flight: full queues first come, due ones after a tick. */
  pump() {
    if (!this.started) return
    this.fill()
    const { gate, clock, maxInFlight } = this.options
    while (!this.aborted && this.inFlight < maxInFlight) {
      if (!gate.mayStart(clock.now())) break
      let queue: Queue | undefined
      for (const candidate of this.queues.values()) {
        if (candidate.due || candidate.items.length >= candidate.batchSize) {
          queue = candidate
          break
        }
      }
      if (!queue) break
      if (!this.inForce(queue)) continue
      const items = queue.items.splice(0, queue.batchSize)
      // Round robin: the queue goes to the back; an empty one is forgotten.
      this.queues.delete(queue.key)
      if (queue.items.length) this.queues.set(queue.key, queue)
      gate.batchStarting()
      const { subscription } = queue
      this.runInFlight(
        () => this.options.send(subscription, items),
        subscription.name,
        () => gate.batchOver()
      )
    }
    this.armWake()
    this.checkIdle()
  }

  private tick() {
    for (const queue of this.queues.values()) queue.due = true
    this.storeMayHaveMore = true
    this.options.onTick()
    this.pump()
  }

  /** Reads what the store has for now into the window, when there is room. */
  private fill() {
    const { store, log } = this.options
    // A stopping runtime reads no more from a shared queue: what is left there is the other runtimes'.
    if (this.stopping && store.shared) this.storeMayHaveMore = false
    if (this.reading || !this.storeMayHaveMore || this.aborted || this.inWindow >= this.window) return
    this.reading = true
    const asked = this.window - this.inWindow
    store.read(asked).then(
      (items) => {
        this.reading = false
        this.storeMayHaveMore = items.length === asked
        this.place(items)
        this.pump()
      },
      (error) => {
        this.reading = false
        log.error('queue read failed', { reason: describeError(error) })
        this.checkIdle()
      }
    )
  }

  /** Read deliveries go to their queue; those of a subscription no longer configured are settled at once. */
  private place(items: StoredDelivery[]) {
    const orphans = new Map<string, StoredDelivery[]>()
    for (const item of items) {
      this.inWindow++
      const subscription = this.subscriptionNamed(item.subscription)
      if (subscription) this.enqueue(subscription, [item])
      else orphans.set(item.subscription, [...(orphans.get(item.subscription) ?? []), item])
    }
    for (const [name, group] of orphans) this.runInFlight(() => this.options.orphaned(name, group))
  }

  /**
   * Brings a queue to the mappings in force now (they may have been saved since its items were read):
   * its batch goes with the mapping of its name as it is now. A queue whose mapping was deleted or
   * renamed is settled at once as orphaned (dead-lettered with the reason) and dropped: false.
   */
  private inForce(queue: Queue): boolean {
    const { name } = queue.subscription
    const current = this.subscriptionNamed(name)
    if (!current) {
      this.queues.delete(queue.key)
      const items = queue.items.splice(0)
      this.runInFlight(() => this.options.orphaned(name, items))
      return false
    }
    if (current !== queue.subscription) {
      queue.subscription = current
      queue.batchSize = requestSize(current.mapping.batch_size)
    }
    return true
  }

  /** The subscription in force of that name (one turned off too: what it accepted still goes). */
  private subscriptionNamed(name: string): Subscription | undefined {
    const list = this.options.subscriptions()
    if (list !== this.bySubscriptionOf) {
      this.bySubscription = new Map(list.map((subscription) => [subscription.name, subscription]))
      this.bySubscriptionOf = list
    }
    return this.bySubscription.get(name)
  }

  private enqueue(subscription: Subscription, items: StoredDelivery[], front = false) {
    const key = `${subscription.name}\u0000${items[0].batchKey}`
    let queue = this.queues.get(key)
    if (!queue) {
      const batchSize = requestSize(subscription.mapping.batch_size)
      queue = { key, subscription, batchSize, items: [], due: this.stopping }
      this.queues.set(key, queue)
    }
    if (front) queue.items.unshift(...items)
    else queue.items.push(...items)
  }

  /**
   * Runs `work` counted as in flight, so that a stop waits for it; `mapping` names it in the log if it
   * fails, `after` runs once it is over, before the loop goes on.
   */
  private runInFlight(work: () => Promise<unknown>, mapping?: string, after?: () => void) {
    this.inFlight++
    void work()
      .catch((error) => this.options.log.error('batch failed', { mapping, reason: describeError(error) }))
      .finally(() => {
        this.inFlight--
        after?.()
        this.pump()
      })
  }

  /** Arms the one timer for the earliest of: a retry coming due, the end of a pause, the next probe. */
  private armWake() {
    const { clock, gate } = this.options
    const now = clock.now()
    const at = Math.min(this.retriesDue[0] ?? Infinity, gate.wakeAt(now))
    if (at === this.wakeTimerAt || this.aborted) return
    this.wakeTimer?.cancel()
    this.wakeTimerAt = at
    if (at === Infinity) return
    this.wakeTimer = clock.after(Math.max(0, at - now), () => {
      this.wakeTimerAt = Infinity
      const fired = clock.now()
      while (this.retriesDue.length && this.retriesDue[0] <= fired) this.retriesDue.shift()
      this.storeMayHaveMore = true
      this.pump()
    })
  }

  /** Resolves when nothing is in flight and nothing more can be sent now (once aborted: nothing in flight). */
  private whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private isIdle(): boolean {
    if (this.inFlight > 0 || this.reading) return false
    const { gate, store, clock } = this.options
    // Under the auth hold nothing can go until settings change. A pause after a failure ends soon.
    if (this.aborted || gate.authHeld) return true
    // Something comes due later (a retry, the end of a pause): wait for it, unless the queue is shared
    // (then what this runtime has read goes back to the others when it stops).
    if (!store.shared) {
      const next = Math.min(this.retriesDue[0] ?? Infinity, gate.pauseEndsAt(clock.now()))
      // A stop waits for it only when it comes before the stop's deadline.
      if (next < (this.stopping ? this.stopDeadline : Infinity)) return false
    }
    // A queue is in the map only while it has items (enqueue adds some; pump drops an emptied one).
    return !this.storeMayHaveMore && this.queues.size === 0
  }

  private checkIdle() {
    if (this.idleWaiters.length && this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve()
  }
}
