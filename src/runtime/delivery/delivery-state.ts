/**
 * Whether batches may go now, from what the last ones got, and what /health says of delivery:
 * - TikTok refused the token or the pixel (401/403): the auth hold. Nothing is sent but one probe
 *   batch every authRetryMs; a delivered batch or saved settings lift it.
 * - Retryable failures with nothing delivered: a pause before any new batch, longer with each failure
 *   in a row (backoff with jitter); a delivered batch or saved settings lift it.
 * The same backoff spaces a failed delivery's attempts (see settlement.ts).
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
  /** Whether the runtime is in dry-run now. */
  dryRun: () => boolean
  clock: Clock
  /** The jitter's source: a number in [0, 1). */
  random: () => number
  log: Log
}

export class DeliveryState {
  private authHold?: { reason: string; since: number; probeAt: number; probing: boolean }
  /** Retryable failures in a row, and the pause they impose on every new batch. */
  private failures = 0
  private pausedUntil = 0
  private lastFailure?: string
  /** When live deliveries were last read while in dry-run (kept queued, not sent). */
  private liveKeptInDryRunAt = -Infinity

  constructor(private readonly options: DeliveryStateOptions) {}

  /** Exponential backoff with "equal jitter", from retryBaseMs up to retryMaxMs. */
  backoff(attempt: number): number {
    const { retryBaseMs, retryMaxMs, random } = this.options
    const ceiling = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(30, attempt - 1))
    return ceiling / 2 + random() * (ceiling / 2)
  }

  /** TikTok refuses the token or the pixel. */
  get authHeld(): boolean {
    return this.authHold !== undefined
  }

  /** Whether a batch may start now: under the auth hold, only the probe once due; else once a pause is over. */
  mayStart(now: number): boolean {
    if (this.authHold) return !this.authHold.probing && now >= this.authHold.probeAt
    return now >= this.pausedUntil
  }

  /** A batch starts: under the auth hold, it is the probe (no other goes until it is over). */
  batchStarting() {
    if (this.authHold) this.authHold.probing = true
  }

  batchOver() {
    if (this.authHold) this.authHold.probing = false
  }

  /**
   * When a batch may start again after `now` (Infinity: nothing to wait for; while the probe is out,
   * its end says).
   */
  wakeAt(now: number): number {
    if (this.authHold) return this.authHold.probing ? Infinity : this.authHold.probeAt
    return this.pauseEndsAt(now)
  }

  /** When the pause after failures ends, if it is still on at `now` (else Infinity). */
  pauseEndsAt(now: number): number {
    return this.pausedUntil > now ? this.pausedUntil : Infinity
  }

  /**
   * A batch was settled: a delivery lifts the auth hold and the pause; an auth refusal sets the hold
   * (its probe authRetryMs from now); failures with nothing delivered make the pause longer. Once
   * `aborted` (a stop's deadline passed), only a delivery counts: the failures are the stop's.
   */
  record(verdict: BatchVerdict, now: number, aborted: boolean) {
    const { log, authRetryMs, retryBudgetMs } = this.options
    if (verdict.delivered > 0) {
      if (this.authHold) {
        log.info('delivery resumes: TikTok accepted a batch again', {
          held_since: new Date(this.authHold.since).toISOString()
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
      this.failures++
      this.pausedUntil = now + this.backoff(this.failures)
      this.lastFailure = `TikTok failed or could not be reached: ${verdict.firstProblem ?? 'retryable failure'}; retrying (events stay queued up to ${duration(retryBudgetMs)})`
    }
  }

  /** Settings were saved: the auth hold and the pause end. */
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
