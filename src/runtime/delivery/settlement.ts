/**
 * Settlement: what becomes of each delivery of a batch, by the status TikTok (or the plugin) gave it.
 * Pure: it decides; the Settler (settler.ts) writes the outcome.
 * - 200: delivered.
 * - 401/403 (TikTok refuses the token or pixel): kept as it is, no attempt counted, to go again once
 *   the auth hold lifts.
 * - retryable (408, 429, 5xx, or no status at all): retried at `retryAt` with one more attempt, until
 *   the retry budget (time since its first failure) is spent; then dead-lettered. Once a stop's
 *   deadline passed, kept as it is instead (the failure is the stop's, not TikTok's).
 * - anything else: refused for good, dead-lettered with its reason.
 */
import type { StoredDelivery } from '../storage/store'
import { duration } from './duration'
import type { DeliveryStatus } from './executor'

export const isRetryable = (status: number) => status === 408 || status === 429 || status >= 500
export const isAuthRefusal = (status: number) => status === 401 || status === 403

export interface SettlementInput {
  items: StoredDelivery[]
  /** One per item, in order; a missing one counts as a retryable failure. */
  statuses: DeliveryStatus[]
  now: number
  retryBudgetMs: number
  /** When retried deliveries come due: the same for the whole batch, so that they make one batch again. */
  retryAt: number
  /** A stop's deadline passed: requests were cut short. */
  aborted: boolean
}

/** Deliveries dead-lettered for one reason. */
export interface DeadLetterGroup {
  status: number
  reason: string
  items: StoredDelivery[]
}

export interface Settlement {
  delivered: StoredDelivery[]
  /** To send again at their `nextAt`, with their attempts, first failure and last error. */
  retry: StoredDelivery[]
  /** Not judged (the auth hold, or a stop): they stay queued as they were. */
  kept: StoredDelivery[]
  /** Refused for good or out of retry budget, grouped by status and reason (in order of first appearance). */
  deadLetter: DeadLetterGroup[]
  /** Events per status. */
  tally: Record<string, number>
  /** The first error message the batch got. */
  firstProblem?: string
  /** Some event got 401 or 403. */
  authRefused: boolean
}

/** The attempt a batch makes: one more than the most any of its deliveries made. */
export const batchAttempt = (items: StoredDelivery[]) => Math.max(...items.map((item) => item.attempts)) + 1

export function settle({ items, statuses, now, retryBudgetMs, retryAt, aborted }: SettlementInput): Settlement {
  const settlement: Settlement = { delivered: [], retry: [], kept: [], deadLetter: [], tally: {}, authRefused: false }
  const groups = new Map<string, DeadLetterGroup>()
  const deadLetter = (item: StoredDelivery, status: number, reason: string) => {
    const key = `${status} ${reason}`
    const group = groups.get(key) ?? { status, reason, items: [] }
    group.items.push(item)
    groups.set(key, group)
  }
  items.forEach((item, i) => {
    const { status, errormessage } = statuses[i] ?? { status: 500, errormessage: 'no status for this event' }
    settlement.tally[status] = (settlement.tally[status] ?? 0) + 1
    if (isAuthRefusal(status)) settlement.authRefused = true
    const reason = errormessage ?? `status ${status}`
    if (status === 200) settlement.delivered.push(item)
    else if (isAuthRefusal(status) || (aborted && isRetryable(status))) settlement.kept.push(item)
    else if (isRetryable(status)) {
      const firstFailedAt = item.firstFailedAt ?? now
      const attempts = item.attempts + 1
      if (now - firstFailedAt >= retryBudgetMs) {
        const spent = `gave up after ${attempts} attempts in ${duration(now - firstFailedAt)}: ${reason}`
        deadLetter({ ...item, attempts }, status, spent)
      } else {
        settlement.retry.push({ ...item, attempts, firstFailedAt, lastError: reason, nextAt: retryAt })
      }
    } else deadLetter({ ...item, attempts: item.attempts + 1 }, status, reason)
  })
  settlement.deadLetter = [...groups.values()]
  settlement.firstProblem = statuses.map((status) => status.errormessage).find((message) => message !== undefined)
  return settlement
}

/**
 * Deliveries whose dead-letter record could not be written stay queued: retried once retryMaxMs has
 * passed (their retry budget runs from their first failure, or from now).
 */
export function retryUnwritten(items: StoredDelivery[], now: number, retryMaxMs: number): StoredDelivery[] {
  return items.map((item) => ({ ...item, firstFailedAt: item.firstFailedAt ?? now, nextAt: now + retryMaxMs }))
}
