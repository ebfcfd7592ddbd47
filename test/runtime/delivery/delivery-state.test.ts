/**
 * The delivery state on a fake clock: the auth hold lets one probe through per authRetryMs; while
 * TikTok fails, one probe at a time goes after a pause that grows with the failures up to
 * probeIntervalMs; a delivery or saved settings lift both, and /health says why.
 */
import { DeliveryState, type BatchVerdict } from '../../../src/runtime/delivery/delivery-state'
import { FakeClock, FakeLog, TUNING } from './fakes'

function deliveryState({ dryRun = false, random = (): number => 0 } = {}) {
  const clock = new FakeClock()
  const log = new FakeLog()
  const state = new DeliveryState({ ...TUNING, dryRun: () => dryRun, clock, random, log })
  return { state, clock, log }
}

const verdict = (more: Partial<BatchVerdict>): BatchVerdict => ({
  mapping: 'Complete Payment',
  authRefused: false,
  delivered: 0,
  retried: 0,
  ...more
})
const refused = verdict({ authRefused: true, firstProblem: 'Access token is incorrect' })
const failed = verdict({ retried: 2, firstProblem: 'TikTok failed with HTTP 503' })
const delivered = verdict({ delivered: 1 })

describe('the auth hold', () => {
  it('lets one probe through per authRetryMs until a batch is delivered', async () => {
    const { state, clock } = deliveryState()
    expect(state.mayStart(clock.now())).toBe(true)
    state.record(refused, clock.now(), false)
    expect(state.authHeld).toBe(true)
    expect(state.mayStart(clock.now())).toBe(false)
    expect(state.wakeAt(clock.now())).toBe(clock.now() + TUNING.authRetryMs)
    await clock.advance(TUNING.authRetryMs - 1)
    expect(state.mayStart(clock.now())).toBe(false)
    await clock.advance(1)
    expect(state.mayStart(clock.now())).toBe(true)
    state.batchStarting() // the probe
    expect(state.mayStart(clock.now())).toBe(false)
    expect(state.wakeAt(clock.now())).toBe(Infinity) // its answer wakes the loop, not a timer
    state.batchOver()
    state.record(refused, clock.now(), false) // refused again: the next probe is authRetryMs later
    expect(state.mayStart(clock.now())).toBe(false)
    await clock.advance(TUNING.authRetryMs)
    state.batchStarting()
    state.batchOver()
    state.record(delivered, clock.now(), false)
    expect(state.authHeld).toBe(false)
    expect(state.mayStart(clock.now())).toBe(true)
  })

  it('is logged once when it starts and once when it ends, with the time it started', async () => {
    const { state, clock, log } = deliveryState()
    const since = new Date(clock.now()).toISOString()
    state.record(refused, clock.now(), false)
    await clock.advance(TUNING.authRetryMs)
    state.record(refused, clock.now(), false)
    state.record(delivered, clock.now(), false)
    expect(log.lines.map((line) => `${line.level} ${line.message}`)).toEqual([
      'error delivery held',
      'info delivery resumes: TikTok accepted a batch again'
    ])
    expect(log.lines[1].fields).toEqual({ held_since: since })
  })

  it('ends when settings are saved (resume)', () => {
    const { state, clock, log } = deliveryState()
    state.record(refused, clock.now(), false)
    state.resume()
    expect(state.authHeld).toBe(false)
    expect(state.mayStart(clock.now())).toBe(true)
    expect(state.health()).toEqual({ status: 'ok' })
    expect(log.lines.at(-1)?.message).toBe('delivery resumes: settings saved')
  })

  it('does not start once a stop aborted requests', () => {
    const { state, clock } = deliveryState()
    state.record(refused, clock.now(), true)
    state.record(failed, clock.now(), true)
    expect(state.mayStart(clock.now())).toBe(true)
    expect(state.health()).toEqual({ status: 'ok' })
  })
})

describe('an outage (retryable failures, nothing delivered)', () => {
  it('lets one probe at a time through, after a pause that grows up to probeIntervalMs, not to retryMaxMs', async () => {
    const { state, clock } = deliveryState({ random: () => 0.99 })
    const pauses: number[] = []
    for (let failure = 0; failure < 8; failure++) {
      expect(state.mayStart(clock.now())).toBe(true)
      state.batchStarting() // the probe
      expect(state.mayStart(clock.now())).toBe(failure === 0) // before the first failure, any batch goes
      expect(state.wakeAt(clock.now())).toBe(Infinity) // the probe's answer wakes the loop, not a timer
      state.batchOver()
      state.record(failed, clock.now(), false)
      pauses.push(state.pauseEndsAt(clock.now()) - clock.now())
      await clock.advance(pauses.at(-1)!)
    }
    // The jitter at its highest: just under the ceiling, which doubles from retryBaseMs up to 8 s.
    expect(pauses).toEqual([995, 1_990, 3_980, 7_960, 7_960, 7_960, 7_960, 7_960])
  })

  it('makes what failed due by the next probe, and nothing else wait', () => {
    const { state, clock } = deliveryState()
    expect(state.retriesDueBy()).toBe(Infinity)
    state.record(failed, clock.now(), false)
    expect(state.retriesDueBy()).toBe(state.pauseEndsAt(clock.now()))
    state.record(delivered, clock.now(), false)
    expect(state.retriesDueBy()).toBe(Infinity)
    state.record(refused, clock.now(), false) // the auth hold keeps its deliveries as they are
    expect(state.retriesDueBy()).toBe(Infinity)
  })

  it('is logged when it ends, with the time it started', async () => {
    const { state, clock, log } = deliveryState()
    const since = new Date(clock.now()).toISOString()
    state.record(failed, clock.now(), false)
    await clock.advance(10_000)
    state.record(failed, clock.now(), false)
    state.record(delivered, clock.now(), false)
    expect(log.lines).toEqual([
      { level: 'info', message: 'delivery resumes: TikTok answers again', fields: { failing_since: since } }
    ])
  })
})

describe('the pause after retryable failures', () => {
  it('grows with each failure in a row and is lifted by a delivery', async () => {
    const { state, clock } = deliveryState()
    state.record(failed, clock.now(), false)
    // Lowest jitter: half the ceiling, the ceiling doubling from retryBaseMs.
    expect(state.pauseEndsAt(clock.now())).toBe(clock.now() + 500)
    await clock.advance(499)
    expect(state.mayStart(clock.now())).toBe(false)
    await clock.advance(1)
    expect(state.mayStart(clock.now())).toBe(true)
    state.record(failed, clock.now(), false)
    expect(state.pauseEndsAt(clock.now())).toBe(clock.now() + 1_000)
    await clock.advance(1_000)
    state.record(failed, clock.now(), false)
    expect(state.pauseEndsAt(clock.now())).toBe(clock.now() + 2_000)
    state.record(delivered, clock.now(), false)
    expect(state.mayStart(clock.now())).toBe(true)
    expect(state.pauseEndsAt(clock.now())).toBe(Infinity)
    state.record(failed, clock.now(), false)
    expect(state.pauseEndsAt(clock.now())).toBe(clock.now() + 500) // counted from one again
  })

  it('does not start when the batch delivered some events too', () => {
    const { state, clock } = deliveryState()
    state.record(verdict({ delivered: 1, retried: 1 }), clock.now(), false)
    expect(state.mayStart(clock.now())).toBe(true)
  })

  it('ends when settings are saved (resume)', () => {
    const { state, clock } = deliveryState()
    state.record(failed, clock.now(), false)
    state.resume()
    expect(state.mayStart(clock.now())).toBe(true)
    expect(state.wakeAt(clock.now())).toBe(Infinity)
  })
})

describe('the backoff', () => {
  it('doubles from retryBaseMs up to retryMaxMs, jittered between half and all of it', () => {
    let next = 0
    const { state } = deliveryState({ random: () => next })
    expect([1, 2, 3, 4].map((attempt) => state.backoff(attempt))).toEqual([500, 1_000, 2_000, 4_000])
    expect(state.backoff(40)).toBe(TUNING.retryMaxMs / 2)
    next = 0.5
    expect(state.backoff(1)).toBe(750)
    expect(state.backoff(40)).toBe(TUNING.retryMaxMs * 0.75)
  })
})

describe('the health answer', () => {
  it('is ok while nothing fails', () => {
    expect(deliveryState().state.health()).toEqual({ status: 'ok' })
  })

  it('says the auth hold, with the reason TikTok gave', () => {
    const { state, clock } = deliveryState()
    state.record(refused, clock.now(), false)
    expect(state.health()).toEqual({
      status: 'degraded',
      held: true,
      reason:
        'TikTok refuses the access token or pixel: Access token is incorrect; delivery is held (events stay queued), tried again every 30 s and when settings are saved'
    })
  })

  it('says the failures, with the first problem and the retry budget', () => {
    const { state, clock } = deliveryState()
    state.record(failed, clock.now(), false)
    expect(state.health()).toEqual({
      status: 'degraded',
      reason:
        'TikTok failed or could not be reached: TikTok failed with HTTP 503; one batch tries again at least every 8 s, the others wait (events stay queued up to 60 min)'
    })
    state.record(delivered, clock.now(), false)
    expect(state.health()).toEqual({ status: 'ok' })
  })

  it('says, for two probe periods, that live events wait while the runtime is in dry-run', async () => {
    const { state, clock } = deliveryState({ dryRun: true })
    state.keptLiveInDryRun(clock.now())
    expect(state.health()).toMatchObject({
      status: 'degraded',
      reason: expect.stringMatching(/kept queued while the runtime is in dry-run/)
    })
    await clock.advance(2 * TUNING.authRetryMs)
    expect(state.health().status).toBe('degraded')
    await clock.advance(1)
    expect(state.health()).toEqual({ status: 'ok' })
  })
})
