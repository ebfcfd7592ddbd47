/**
 * Settlement as a table: what becomes of one delivery for each status TikTok (or the plugin) gives,
 * within and past the retry budget, and while a stop cuts requests short.
 */
import type { DeliveryStatus } from '../../../src/runtime/delivery/executor'
import { batchAttempt, retryUnwritten, settle } from '../../../src/runtime/delivery/settlement'
import type { StoredDelivery } from '../../../src/runtime/storage/store'

const NOW = 10_000_000
const BUDGET = 3_600_000
const RETRY_AT = NOW + 4_000

const delivery = (id: string, more: Partial<StoredDelivery> = {}): StoredDelivery => ({
  id,
  subscription: 'Complete Payment',
  batchKey: '',
  event: JSON.stringify({ messageId: id }),
  receivedAt: NOW - 60_000,
  dryRun: false,
  messageId: id,
  attempts: 0,
  nextAt: 0,
  ...more
})

/** Where the one delivery ends, and as what. */
function outcome(status: DeliveryStatus | undefined, item = delivery('m1'), aborted = false) {
  const result = settle({
    items: [item],
    statuses: status ? [status] : [],
    now: NOW,
    retryBudgetMs: BUDGET,
    retryAt: RETRY_AT,
    aborted
  })
  const where = (['delivered', 'retry', 'kept'] as const).find((key) => result[key].length) ?? 'deadLetter'
  return { where, result }
}

describe('settlement of one delivery', () => {
  const failedBefore = { attempts: 3, firstFailedAt: NOW - 60_000 }
  const spent = { attempts: 7, firstFailedAt: NOW - BUDGET }

  it.each([
    ['200', 'delivered', { status: 200 }, {}, false],
    ['400 (refused for good)', 'deadLetter', { status: 400, errormessage: 'bad event' }, {}, false],
    ['409 (accepted in the other mode)', 'deadLetter', { status: 409, errormessage: 'dry-run' }, {}, false],
    ['429 within the budget', 'retry', { status: 429, errormessage: 'busy' }, failedBefore, false],
    ['503 within the budget', 'retry', { status: 503, errormessage: 'down' }, {}, false],
    ['408 within the budget', 'retry', { status: 408 }, {}, false],
    ['429 past the budget', 'deadLetter', { status: 429, errormessage: 'busy' }, spent, false],
    ['500 past the budget', 'deadLetter', { status: 500, errormessage: 'boom' }, spent, false],
    ['401 (the auth hold)', 'kept', { status: 401, errormessage: 'bad token' }, failedBefore, false],
    ['403 (the auth hold)', 'kept', { status: 403 }, {}, false],
    ['503 once a stop aborted', 'kept', { status: 503, errormessage: 'not sent' }, failedBefore, true],
    ['400 once a stop aborted', 'deadLetter', { status: 400, errormessage: 'bad event' }, {}, true],
    ['no status at all', 'retry', undefined, {}, false]
  ] as const)('%s: %s', (_name, where, status, before, aborted) => {
    const item = delivery('m1', before)
    expect(outcome(status as DeliveryStatus | undefined, item, aborted).where).toBe(where)
  })

  it('a retry carries one more attempt, its first failure and last error, and comes due at retryAt', () => {
    const { result } = outcome(
      { status: 503, errormessage: 'down' },
      delivery('m1', { attempts: 3, firstFailedAt: NOW - 60_000 })
    )
    expect(result.retry).toEqual([
      delivery('m1', { attempts: 4, firstFailedAt: NOW - 60_000, lastError: 'down', nextAt: RETRY_AT })
    ])
    const first = outcome({ status: 429 }).result.retry[0]
    expect(first).toMatchObject({ attempts: 1, firstFailedAt: NOW, lastError: 'status 429', nextAt: RETRY_AT })
  })

  it('a delivery kept by the auth hold or a stop is left as it was: no attempt counted', () => {
    const item = delivery('m1', { attempts: 3, firstFailedAt: NOW - 60_000, nextAt: 5 })
    expect(outcome({ status: 401 }, item).result.kept).toEqual([item])
    expect(outcome({ status: 503 }, item, true).result.kept).toEqual([item])
  })

  it('past the budget, the dead-letter reason says how many attempts in how long', () => {
    const { result } = outcome(
      { status: 503, errormessage: 'TikTok failed with HTTP 503' },
      delivery('m1', { attempts: 7, firstFailedAt: NOW - 2 * 3_600_000 })
    )
    expect(result.deadLetter).toEqual([
      {
        status: 503,
        reason: 'gave up after 8 attempts in 2 h: TikTok failed with HTTP 503',
        items: [delivery('m1', { attempts: 8, firstFailedAt: NOW - 2 * 3_600_000 })]
      }
    ])
  })

  it('a missing status is a retryable 500 with its own reason', () => {
    const { result } = outcome(undefined)
    expect(result.tally).toEqual({ 500: 1 })
    expect(result.retry[0].lastError).toBe('no status for this event')
  })
})

describe('settlement of a batch', () => {
  const items = ['m1', 'm2', 'm3', 'm4', 'm5'].map((id, i) => delivery(id, { attempts: i }))
  const statuses: DeliveryStatus[] = [
    { status: 200 },
    { status: 400, errormessage: 'no email' },
    { status: 503, errormessage: 'down' },
    { status: 400, errormessage: 'no email' },
    { status: 401, errormessage: 'bad token' }
  ]
  const result = settle({ items, statuses, now: NOW, retryBudgetMs: BUDGET, retryAt: RETRY_AT, aborted: false })

  it('sorts each delivery by its own status', () => {
    expect(result.delivered.map((item) => item.id)).toEqual(['m1'])
    expect(result.retry.map((item) => item.id)).toEqual(['m3'])
    expect(result.kept.map((item) => item.id)).toEqual(['m5'])
  })

  it('groups the dead letters by status and reason, each with its attempts counting this one (as the log line does)', () => {
    const sentNow = (item: StoredDelivery) => ({ ...item, attempts: item.attempts + 1 })
    expect(result.deadLetter).toEqual([
      { status: 400, reason: 'no email', items: [sentNow(items[1]), sentNow(items[3])] }
    ])
  })

  it('tallies the statuses, names the first problem and sees the auth refusal', () => {
    expect(result.tally).toEqual({ 200: 1, 400: 2, 503: 1, 401: 1 })
    expect(result.firstProblem).toBe('no email')
    expect(result.authRefused).toBe(true)
    expect(
      settle({
        items: [items[0]],
        statuses: [{ status: 200 }],
        now: NOW,
        retryBudgetMs: BUDGET,
        retryAt: RETRY_AT,
        aborted: false
      })
    ).toMatchObject({
      authRefused: false,
      firstProblem: undefined
    })
  })

  it('makes the attempt one more than the most any delivery made', () => {
    expect(batchAttempt(items)).toBe(5)
  })
})

describe('a dead-letter record that cannot be written', () => {
  it('leaves its deliveries queued, retried after retryMaxMs, their budget running from their first failure or now', () => {
    const failedBefore = delivery('m1', { attempts: 2, firstFailedAt: NOW - 1_000 })
    const never = delivery('m2')
    expect(retryUnwritten([failedBefore, never], NOW, 60_000)).toEqual([
      { ...failedBefore, nextAt: NOW + 60_000 },
      { ...never, firstFailedAt: NOW, nextAt: NOW + 60_000 }
    ])
  })
})
