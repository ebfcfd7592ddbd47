/**
 * Whether batches may go now, from what the last ones got, and what /health says of delivery:
 * - TikTok refused the token or the pixel (401/403): the auth hold. Nothing is sent but one probe
 *   batch every authRetryMs; a delivered batch or saved settings lift it.
 * - Retryable failures with nothing delivered (TikTok down or out of reach): an outage. One batch at a
 *   time tries (the probe), after a pause that grows with each failure in a row (backoff with jitter)
 *   up to probeIntervalMs, never to the full backoff; meanwhile a failed delivery waits no longer than
 *   the next probe (retriesDueBy). So delivery resumes within seconds of TikTok's return. A delivered
 *   batch or saved settings end it.
 * The backoff up to retryMaxMs spaces a failed delivery's attempts otherwise (see settlement.ts).
 */
import type { Log } from '../ops/log'
import type { Clock } from './clock'
import { duration } from './duration'

/** What /health says of delivery. */
export interface DeliveryHealth {
  status: 'ok' | 'degraded'
  reason?: string
  /** True while TikTok refuses the token or pixel: the auth hold. */
  held?: boolean
}

/** What a settled batch tells of TikTok. */
export interface BatchVerdict {
  mapping: string
  /** Some event got 401 or 403. */
  authRefused: boolean
  /** The first error message of the batch. */
  firstProblem?: string
  delivered: number
  retried: number
}

export interface DeliveryStateOptions {
  retryBaseMs: number
  retryMaxMs: number
  retryBudgetMs: number
  authRetryMs: number
  /** While TikTok fails, the longest pause between two tries (one batch each). */
  probeIntervalMs: number
  /** Whether the runtime is in dry-run now. */
  dryRun: () => boolean
  clock: Clock
  /** The jitter's source: a number in [0, 1). */
  random: () => number
  log: Log
}

export class DeliveryState {
  private authHold?: { reason: string; since: number; probeAt: number; probing: boolean }
  /** Retryable failures in a row (an outage while above 0), since when, and when the next probe may go. */
  private failures = 0
  private failingSince = 0
  private pausedUntil = 0
  /** The outage's probe is out: no other batch starts until it is over. */
  private probing = false
  private lastFailure?: string
  /** When live deliveries were last read while in dry-run (kept queued, not sent). */
  private liveKeptInDryRunAt = -Infinity

  constructor(private readonly options: DeliveryStateOptions) {}

  /** Exponential backoff with "equal jitter", from retryBaseMs up to retryMaxMs. */
  backoff(attempt: number): number {
    return this.jittered(Math.min(this.options.retryMaxMs, this.ceiling(attempt)))
  }

  /** The pause before an outage's next probe: the backoff, up to probeIntervalMs. */
  private probeDelay(failures: number): number {
    const { retryMaxMs, probeIntervalMs } = this.options
    return this.jittered(Math.min(retryMaxMs, probeIntervalMs, this.ceiling(failures)))
  }

  private ceiling = (attempt: number) => this.options.retryBaseMs * 2 ** Math.min(30, attempt - 1)

  /** Between half of `ceiling` and all of it. */
  private jittered = (ceiling: number) => ceiling / 2 + this.options.random() * (ceiling / 2)

  /** TikTok fails (retryable failures, nothing delivered since): one probe at a time. */
  get failing(): boolean {
    return this.failures > 0 && !this.authHold
  }

  /**
   * The latest a delivery that just failed may wait for its next attempt: while TikTok fails, the next
   * probe's time (what waits is what the probe sends); else Infinity (its own backoff).
   */
  retriesDueBy(): number {
    return this.failing ? this.pausedUntil : Infinity
  }

  /** TikTok refuses the token or the pixel. */
  get authHeld(): boolean {
    return this.authHold !== undefined
  }

  /**
   * Whether a batch may start now: under the auth hold, only the probe once due; while TikTok fails,
   * only the probe once the pause is over; else any.
   */
  mayStart(now: number): boolean {
    if (this.authHold) return !this.authHold.probing && now >= this.authHold.probeAt
    if (this.failures > 0) return !this.probing && now >= this.pausedUntil
    return true
  }

  /** A batch starts: under the auth hold or while TikTok fails, it is the probe (no other goes until it is over). */
  batchStarting() {
    if (this.authHold) this.authHold.probing = true
    else if (this.failures > 0) this.probing = true
  }

  batchOver() {
    if (this.authHold) this.authHold.probing = false
    this.probing = false
  }

  /**
   * When a batch may start again after `now` (Infinity: nothing to wait for; while the probe is out,
   * its end says).
   */
  wakeAt(now: number): number {
    if (this.authHold) return this.authHold.probing ? Infinity : this.authHold.probeAt
    if (this.probing) return Infinity
    return this.pauseEndsAt(now)
  }

  /** When the pause after failures ends, if it is still on at `now` (else Infinity). */
  pauseEndsAt(now: number): number {
    return this.pausedUntil > now ? this.pausedUntil : Infinity
  }

  /**
   * A batch was settled: a delivery lifts the auth hold and ends an outage; an auth refusal sets the
   * hold (its probe authRetryMs from now); failures with nothing delivered start or prolong an outage
   * (the next probe later, up to probeIntervalMs). Once `aborted` (a stop's deadline passed), only a
   * delivery counts: the failures are the stop's.
   */
  record(verdict: BatchVerdict, now: number, aborted: boolean) {
    const { log, authRetryMs, retryBudgetMs, retryMaxMs, probeIntervalMs } = this.options
    if (verdict.delivered > 0) {
      if (this.authHold) {
        log.info('delivery resumes: TikTok accepted a batch again', {
          held_since: new Date(this.authHold.since).toISOString()
        })
      } else if (this.failures > 0) {
        log.info('delivery resumes: TikTok answers again', {
          failing_since: new Date(this.failingSince).toISOString()
        })
      }
      this.authHold = undefined
      this.failures = 0
      this.pausedUntil = 0
      this.lastFailure = undefined
    }
    if (aborted) return
    if (verdict.authRefused) {
      const reason = `TikTok refuses the access token or pixel: ${verdict.firstProblem ?? 'unauthorized'}; delivery is held (events stay queued), tried again every ${duration(authRetryMs)} and when settings are saved`
      if (!this.authHold) log.error('delivery held', { mapping: verdict.mapping, reason })
      this.authHold = { reason, since: this.authHold?.since ?? now, probeAt: now + authRetryMs, probing: false }
    } else if (verdict.retried > 0 && verdict.delivered === 0) {
      if (this.failures === 0) this.failingSince = now
      this.failures++
      this.pausedUntil = now + this.probeDelay(this.failures)
      this.lastFailure = `TikTok failed or could not be reached: ${verdict.firstProblem ?? 'retryable failure'}; one batch tries again at least every ${duration(Math.min(probeIntervalMs, retryMaxMs))}, the others wait (events stay queued up to ${duration(retryBudgetMs)})`
    }
  }

  /** Settings were saved: the auth hold and the outage end. */
  resume() {
    if (this.authHold) {
      this.options.log.info('delivery resumes: settings saved', {
        held_since: new Date(this.authHold.since).toISOString()
      })
    }
    this.authHold = undefined
    this.failures = 0
    this.pausedUntil = 0
  }

  /** Live deliveries were read while in dry-run: kept queued, not sent (said by health()). */
  keptLiveInDryRun(now: number) {
    this.liveKeptInDryRunAt = now
  }

  /** Degraded (with the reason) while TikTok refuses or fails, or live events wait for dry-run to end; else ok. */
  health(): DeliveryHealth {
    if (this.authHold) return { status: 'degraded', reason: this.authHold.reason, held: true }
    if (this.failures > 0) return { status: 'degraded', reason: this.lastFailure }
    const { dryRun, clock, authRetryMs } = this.options
    if (dryRun() && clock.now() - this.liveKeptInDryRunAt <= 2 * authRetryMs) {
      return {
        status: 'degraded',
        reason:
          'events accepted live are kept queued while the runtime is in dry-run: save the settings to send them to TikTok'
      }
    }
    return { status: 'ok' }
  }
}
