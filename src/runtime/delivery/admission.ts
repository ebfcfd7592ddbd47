/**
 * Admission: whether a request's deliveries fit in the queue (QUEUE_LIMIT), and when not, how long its
 * client should wait (Retry-After). The queue's depth is the store's last answer (read at each tick),
 * moved by this runtime's own intake and settlements in between, so that no request waits for the store.
 */
import type { SegmentEvent } from '@segment/actions-core'
import type { Clock } from './clock'
import { QueueFullError, TooLargeError } from './errors'

/** Refused requests are forgotten once their client has not come back for this long (it gave up). */
const REFUSED_FORGOTTEN_MS = 600_000
/** At most this many refused requests are remembered. */
const REFUSED_KEPT = 10_000

export interface AdmissionOptions {
  queueLimit: number
  clock: Clock
  /** Whether delivery is healthy now (the Retry-After guess without a pace to go by). */
  deliveryOk: () => boolean
}

/** A client's retry sends the same batch again: its first messageId names the request. */
export function requestKey(events: SegmentEvent[]): string | undefined {
  return typeof events[0]?.messageId === 'string' ? events[0].messageId : undefined
}

export class Admission {
  /** The queue's depth: deliveries accepted and not yet delivered or dead-lettered (any runtime's). */
  private depthEstimate = 0
  /**
   * Deliveries of requests admitted and still being written: counted against the limit until the
   * store has answered, so that requests admitted together cannot overshoot QUEUE_LIMIT.
   */
  private reserved = 0
  /** Deliveries settled per second, smoothed: how fast the queue drains. */
  private drainRate = 0
  private settledSinceTick = 0
  private lastTick: number
  /** Requests refused with 429 (by requestKey) whose client will send them again. */
  private readonly refused = new Map<string, { deliveries: number; at: number }>()
  /** When each batch now in flight started, by a number of its own. */
  private readonly batchStarts = new Map<number, number>()
  private nextBatch = 0

  constructor(private readonly options: AdmissionOptions) {
    this.lastTick = options.clock.now()
  }

  get depth(): number {
    return this.depthEstimate
  }

  /** The store counted its deliveries (a shared store's include other runtimes' ones). */
  measured(depth: number) {
    this.depthEstimate = depth
  }

  /**
   * Throws TooLargeError when `deliveries` can never fit, QueueFullError (with its Retry-After) when
   * they do not fit now; the request named `request` is then remembered until it comes back. Admitted,
   * the deliveries hold their room until the function returned is called (once the store has answered,
   * after `added` on success).
   */
  admit(deliveries: number, request: string | undefined): () => void {
    const { queueLimit, clock } = this.options
    if (deliveries > queueLimit) {
      throw new TooLargeError(
        `This request makes ${deliveries} deliveries; the queue holds at most ${queueLimit} (QUEUE_LIMIT): send smaller batches.`
      )
    }
    const taken = this.depthEstimate + this.reserved
    if (taken + deliveries > queueLimit) {
      const retryAfter = this.retryAfter(taken + deliveries - queueLimit, request)
      if (request) this.refused.set(request, { deliveries, at: clock.now() })
      throw new QueueFullError(
        `The queue holds ${this.depthEstimate} deliveries` +
          (this.reserved ? ` and ${this.reserved} being stored` : '') +
          ` (limit ${queueLimit}); retry later.`,
        retryAfter
      )
    }
    if (request) this.refused.delete(request)
    this.reserved += deliveries
    let held = true
    return () => {
      if (held) this.reserved -= deliveries
      held = false
    }
  }

  /** Deliveries were stored. */
  added(deliveries: number) {
    this.depthEstimate += deliveries
  }

  /** Deliveries left the queue for good (delivered or dead-lettered). */
  settled(deliveries: number) {
    this.settledSinceTick += deliveries
    this.depthEstimate -= deliveries
  }

  /** A batch is sent from now on; the function returned says it is over. */
  batchStarted(): () => void {
    const id = this.nextBatch++
    this.batchStarts.set(id, this.options.clock.now())
    return () => this.batchStarts.delete(id)
  }

  /** At each flush tick: the drain rate is measured again; refused requests that did not come back are forgotten. */
  tick() {
    const now = this.options.clock.now()
    const seconds = Math.max(0.001, (now - this.lastTick) / 1000)
    this.drainRate = 0.7 * this.drainRate + 0.3 * (this.settledSinceTick / seconds)
    this.settledSinceTick = 0
    this.lastTick = now
    for (const [key, refused] of this.refused) if (now - refused.at > REFUSED_FORGOTTEN_MS) this.refused.delete(key)
    if (this.refused.size > REFUSED_KEPT) this.refused.clear()
  }

  /**
   * Seconds a client should wait before its request fits: the time the queue takes, at its recent
   * pace, to drain the excess and what the requests refused before this one (still to come back)
   * need. Without a pace yet: twice the age of the oldest batch in flight (the queue drains when it is
   * answered), else 1 s while delivery is healthy and 30 s while TikTok refuses or fails.
   */
  private retryAfter(excess: number, request: string | undefined): number {
    const clamp = (seconds: number) => Math.min(300, Math.max(1, Math.ceil(seconds)))
    let ahead = 0
    for (const [key, refused] of this.refused) if (key !== request) ahead += refused.deliveries
    if (this.drainRate >= 0.5) return clamp((excess + ahead) / this.drainRate)
    if (this.batchStarts.size > 0) {
      return clamp((2 * (this.options.clock.now() - Math.min(...this.batchStarts.values()))) / 1000)
    }
    return this.options.deliveryOk() ? 1 : 30
  }
}
