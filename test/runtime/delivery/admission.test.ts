/**
 * Admission on a fake clock: a request too large for the queue is refused for good (413), one that
 * does not fit now gets 429 with a Retry-After from the queue's drain rate and the requests refused
 * before it, or a guess when there is no pace yet.
 */
import { Admission } from '../../../src/runtime/delivery/admission'
import { QueueFullError, TooLargeError } from '../../../src/runtime/delivery/errors'
import { FakeClock } from './fakes'

function admission(queueLimit = 100, deliveryOk = true) {
  const clock = new FakeClock()
  return { admission: new Admission({ queueLimit, clock, deliveryOk: () => deliveryOk }), clock }
}

/** The Retry-After (seconds) of a refused request, or 'admitted'. */
function answer(admission: Admission, deliveries: number, request?: string): number | 'admitted' {
  try {
    // The request's room is given back at once, as if the store had refused it.
    admission.admit(deliveries, request)()
    return 'admitted'
  } catch (error) {
    if (error instanceof QueueFullError) return error.retryAfterSeconds
    throw error
  }
}

describe('admission', () => {
  it('refuses for good a request that could never fit (413)', () => {
    expect(() => admission(100).admission.admit(101, 'r1')).toThrow(TooLargeError)
    expect(() => admission(100).admission.admit(101, 'r1')).toThrow(
      'This request makes 101 deliveries; the queue holds at most 100 (QUEUE_LIMIT): send smaller batches.'
    )
  })

  it('counts requests still being stored, so that requests admitted together never overshoot the limit', () => {
    const { admission: gate } = admission(500)
    const first = gate.admit(300, 'r1')
    // r1's write has not answered yet: r2 would take the queue to 600.
    expect(() => gate.admit(300, 'r2')).toThrow(
      new QueueFullError('The queue holds 0 deliveries and 300 being stored (limit 500); retry later.', 1)
    )
    const third = gate.admit(200, 'r3')
    // r1 is stored; r3's write failed: its room is free again, once only.
    gate.added(300)
    first()
    third()
    third()
    expect(gate.depth).toBe(300)
    expect(answer(gate, 200, 'r2')).toBe('admitted')
    expect(answer(gate, 201, 'r2')).not.toBe('admitted')
  })

  it('admits what fits, counting what was stored and what left the queue', () => {
    const { admission: gate } = admission(100)
    expect(answer(gate, 100)).toBe('admitted')
    gate.added(90)
    expect(answer(gate, 11)).not.toBe('admitted')
    gate.settled(1)
    expect(answer(gate, 11)).toBe('admitted')
    expect(gate.depth).toBe(89)
    gate.measured(0) // the store's own count
    expect(answer(gate, 100)).toBe('admitted')
  })

  it('without a pace yet: 1 s while delivery is healthy, 30 s while it is not', () => {
    const healthy = admission(10, true).admission
    healthy.added(10)
    expect(answer(healthy, 1)).toBe(1)
    const failing = admission(10, false).admission
    failing.added(10)
    expect(answer(failing, 1)).toBe(30)
  })

  it('without a pace yet but a batch in flight: twice its age', async () => {
    const { admission: gate, clock } = admission(10)
    gate.added(10)
    const over = gate.batchStarted()
    await clock.advance(3_000)
    expect(answer(gate, 1)).toBe(6)
    over()
    expect(answer(gate, 1)).toBe(1)
  })

  it('from the drain rate, counting what the requests refused before this one need', async () => {
    const { admission: gate, clock } = admission(100)
    gate.added(100)
    gate.settled(100)
    gate.added(100)
    await clock.advance(1_000)
    gate.tick() // 100 in 1 s, smoothed: 30 per second
    expect(answer(gate, 60, 'r1')).toBe(2) // 60 over the limit at 30/s
    expect(answer(gate, 30, 'r2')).toBe(3) // its 30 and r1's 60 before it
    expect(answer(gate, 60, 'r1')).toBe(3) // r1 again: r2's 30 ahead, not its own
    gate.settled(100)
    expect(answer(gate, 60, 'r1')).toBe('admitted') // r1 came back and fits: no longer ahead of anyone
    gate.added(60)
    expect(answer(gate, 50, 'r3')).toBe(2) // 10 over the limit, and r2's 30 ahead: 40 at 30/s
  })

  it('forgets refused requests whose client did not come back within 10 minutes', async () => {
    const { admission: gate, clock } = admission(400)
    gate.added(100)
    gate.settled(100)
    gate.added(400)
    await clock.advance(1_000)
    gate.tick()
    expect(answer(gate, 300, 'r1')).not.toBe('admitted')
    expect(answer(gate, 30, 'r2')).toBe(11) // (30 + 300) / 30
    await clock.advance(600_001)
    gate.tick() // nothing settled: the pace falls to 21 per second
    expect(answer(gate, 30, 'r2')).toBe(2) // 30 at 21/s; r1's 300 would have made it 16
  })
})
