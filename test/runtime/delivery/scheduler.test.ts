/**
 * The delivery loop on a fake store, a fake executor and a fake clock: which batch goes when, what is
 * read, and what a stop waits for. Time only moves when the test moves it.
 */
import { StoppingError } from '../../../src/runtime/delivery/errors'
import { events, fakePipeline, settled, subscription, TUNING } from './fakes'

/** The messageIds of each batch sent so far. */
const sent = (executor: { batches: { ids: string[] }[] }) => executor.batches.map((batch) => batch.ids)

describe('the delivery loop', () => {
  it('sends a full queue at once; one that is not full waits for the flush tick', async () => {
    const { pipeline, clock, executor } = fakePipeline()
    await pipeline.accept(events('B', 1))
    await pipeline.accept(events('A', 2))
    pipeline.start()
    await settled()
    expect(sent(executor)).toEqual([['A-0', 'A-1']])
    await clock.advance(TUNING.flushIntervalMs - 1)
    expect(sent(executor)).toHaveLength(1)
    await clock.advance(1)
    expect(sent(executor)).toEqual([['A-0', 'A-1'], ['B-0']])
    expect(pipeline.counts).toMatchObject({ queued: 3, delivered: 3, batches: 2 })
    expect(pipeline.pending).toBe(0)
  })

  it('takes turns between queues (round robin), one batch in flight at a time', async () => {
    const { pipeline, executor, store } = fakePipeline()
    await pipeline.accept(events('A', 6))
    await pipeline.accept(events('B', 6))
    pipeline.start()
    await settled()
    expect(sent(executor).map((ids) => ids[0][0])).toEqual(['A', 'B', 'A', 'B', 'A', 'B'])
    expect(store.deliveries.size).toBe(0)
  })

  it('keeps events that differ in a batch key out of one batch', async () => {
    const byChannel = {
      ...subscription('A', 10),
      mapping: { batch_size: 10, batch_keys: ['event_source'], event_source: { '@path': '$.properties.channel' } }
    }
    const { pipeline, clock, executor } = fakePipeline({ subscriptions: [byChannel] })
    await pipeline.accept(
      events('A', 4).map((event, i) => ({ ...event, properties: { channel: i % 2 ? 'web' : 'app' } }))
    )
    pipeline.start()
    await clock.advance(TUNING.flushIntervalMs)
    expect(sent(executor)).toEqual([
      ['A-0', 'A-2'],
      ['A-1', 'A-3']
    ])
  })

  it('reads no more than its window (3 batches of 1,000 per batch in flight) from the store', async () => {
    const { pipeline, clock, executor, store } = fakePipeline({ subscriptions: [subscription('A', 1_000)] })
    await pipeline.accept(events('A', 3_500))
    pipeline.start()
    await settled()
    expect(store.reads[0]).toBe(3_000)
    expect(store.mostOwned).toBe(3_000)
    await clock.advance(TUNING.flushIntervalMs)
    expect(sent(executor).map((ids) => ids.length)).toEqual([1_000, 1_000, 1_000, 500])
    expect(store.deliveries.size).toBe(0)
  })

  it('sends a retry again only once its nextAt has come, with its attempt counted', async () => {
    // One event of the batch fails, the other is delivered: TikTok works, the retry keeps its own
    // backoff (the jitter at its highest: 3,980 ms from a 4 s base), past three flush ticks.
    const { pipeline, clock, executor, store } = fakePipeline({ retryBaseMs: 4_000, random: () => 0.99 })
    executor.respond = () => (executor.batches.length === 1 ? [{ status: 200 }, { status: 503 }] : 200)
    await pipeline.accept(events('A', 2))
    pipeline.start()
    await settled()
    expect(store.rescheduled).toEqual([expect.objectContaining({ attempts: 1, nextAt: clock.now() + 3_980 })])
    await clock.advance(3_979)
    expect(sent(executor)).toHaveLength(1)
    // Due at 3,980 ms; a queue that is not full goes at the next tick (4 s).
    await clock.advance(21)
    expect(sent(executor)).toEqual([['A-0', 'A-1'], ['A-1']])
    expect(store.deliveries.size).toBe(0)
    expect(pipeline.counts).toMatchObject({ delivered: 2, retried: 1, deadLettered: 0 })
    expect(pipeline.health()).toEqual({ status: 'ok' })
  })

  it('while TikTok fails, lets one batch at a time try, at least every probeIntervalMs (not the full backoff)', async () => {
    // The jitter at its highest: the pause between tries grows from 1 s to just under probeIntervalMs (8 s).
    const { pipeline, clock, executor, store } = fakePipeline({ maxInFlight: 4, random: () => 0.99 })
    executor.respond = () => 503
    await pipeline.accept(events('A', 20))
    await pipeline.accept(events('B', 20))
    pipeline.start()
    await settled()
    const first = executor.batches.length
    expect(first).toBe(4) // sent before the first answer said TikTok fails
    const startedAt: number[] = []
    executor.respond = () => {
      startedAt.push(clock.now())
      return undefined // each probe waits for its answer: nothing else may start meanwhile
    }
    for (let second = 0; second < 120; second++) {
      await clock.advance(1_000)
      expect(executor.waiting().length).toBeLessThanOrEqual(1)
      executor.waiting()[0]?.answer(503)
    }
    const gaps = startedAt.slice(1).map((at, i) => at - startedAt[i])
    expect(Math.max(...gaps)).toBeLessThanOrEqual(TUNING.probeIntervalMs)
    // One try per probeIntervalMs or so: a backoff grown to retryMaxMs (60 s) would have made 2 or 3.
    expect(startedAt.length).toBeGreaterThanOrEqual(14)
    // What failed waits no longer than the next probe.
    const last = store.rescheduled.at(-1)!
    expect(last.nextAt - startedAt.at(-1)!).toBeLessThanOrEqual(TUNING.probeIntervalMs)
    expect(pipeline.health()).toMatchObject({
      status: 'degraded',
      reason: expect.stringMatching(/one batch tries again at least every 8 s, the others wait/)
    })
  })

  it('delivers within probeIntervalMs of TikTok coming back, however long the outage was', async () => {
    // One batch, tried again and again for two minutes: its own backoff would have grown to 30–60 s.
    const { pipeline, clock, executor, store, log } = fakePipeline({ random: () => 0.99 })
    executor.respond = () => 503
    await pipeline.accept(events('A', 2))
    pipeline.start()
    await clock.advance(120_000)
    const [waiting] = store.rescheduled.slice(-1)
    expect(waiting.attempts).toBeGreaterThan(10)
    expect(waiting.nextAt - clock.now()).toBeLessThanOrEqual(TUNING.probeIntervalMs)
    executor.respond = () => 200
    await clock.advance(TUNING.probeIntervalMs)
    expect(store.deliveries.size).toBe(0)
    expect(pipeline.counts).toMatchObject({ delivered: 2, deadLettered: 0 })
    expect(pipeline.health()).toEqual({ status: 'ok' })
    expect(log.lines.filter((line) => line.message.startsWith('delivery resumes'))).toEqual([
      expect.objectContaining({ level: 'info', message: 'delivery resumes: TikTok answers again' })
    ])
  })

  it('under the auth hold, lets one probe through per authRetryMs, then sends everything once TikTok takes it', async () => {
    const { pipeline, clock, executor, store } = fakePipeline({ maxInFlight: 2 })
    executor.respond = () => 401
    await pipeline.accept(events('A', 4))
    await pipeline.accept(events('B', 4))
    pipeline.start()
    await settled()
    expect(sent(executor)).toEqual([
      ['A-0', 'A-1'],
      ['B-0', 'B-1']
    ])
    expect(pipeline.health().held).toBe(true)
    await clock.advance(TUNING.authRetryMs - 1)
    expect(sent(executor)).toHaveLength(2)
    executor.respond = () => undefined // the probe waits for its answer
    await clock.advance(1)
    expect(sent(executor)).toHaveLength(3)
    // While the probe is out, nothing else goes (ticks make queues due, not the hold go away), and
    // the loop does not spin on the store: one read per tick at most.
    const reads = store.reads.length
    await clock.advance(5 * TUNING.flushIntervalMs)
    expect(sent(executor)).toHaveLength(3)
    expect(store.reads.length - reads).toBeLessThanOrEqual(5)
    executor.respond = () => 200
    executor.waiting()[0].answer(200)
    await settled()
    expect(sent(executor)).toHaveLength(6)
    expect(store.deliveries.size).toBe(0)
    // Nothing judged while held: no attempt counted, nothing handed back or dead-lettered.
    expect(store.rescheduled).toEqual([])
    expect(pipeline.counts).toMatchObject({ delivered: 8, retried: 0, deadLettered: 0 })
    expect(pipeline.health()).toEqual({ status: 'ok' })
  })

  it('sends what was held at once when settings are saved (resume)', async () => {
    const { pipeline, executor, store } = fakePipeline()
    executor.respond = () => 401
    await pipeline.accept(events('A', 2))
    pipeline.start()
    await settled()
    executor.respond = () => 200
    pipeline.resume()
    await settled()
    expect(sent(executor)).toHaveLength(2)
    expect(store.deliveries.size).toBe(0)
  })

  it('splits a batch that fails as a whole until the event at fault is alone, and dead-letters only that one', async () => {
    const { pipeline, clock, executor, deadLetter } = fakePipeline({ subscriptions: [subscription('A', 4)] })
    executor.respond = (batch) => (batch.ids.includes('A-2') ? new Error('cannot map') : 200)
    await pipeline.accept(events('A', 4))
    pipeline.start()
    await clock.advance(TUNING.flushIntervalMs)
    expect(sent(executor)).toEqual([['A-0', 'A-1', 'A-2', 'A-3'], ['A-0', 'A-1'], ['A-2', 'A-3'], ['A-2'], ['A-3']])
    expect(deadLetter.records).toEqual([
      expect.objectContaining({ mapping: 'A', status: 400, reason: 'the destination failed on this event: cannot map' })
    ])
    expect(pipeline.counts).toMatchObject({ delivered: 3, deadLettered: 1 })
  })

  it('keeps an event queued when its dead-letter record cannot be written, and dead-letters it later', async () => {
    const { pipeline, clock, executor, store, deadLetter } = fakePipeline()
    executor.respond = () => [{ status: 400, errormessage: 'no pixel' }, { status: 200 }]
    deadLetter.failing = true
    await pipeline.accept(events('A', 2))
    pipeline.start()
    await settled()
    expect(store.queuedIds()).toEqual(['A-0'])
    expect(store.rescheduled).toEqual([expect.objectContaining({ nextAt: clock.now() + TUNING.retryMaxMs })])
    expect(pipeline.counts.deadLettered).toBe(0)
    deadLetter.failing = false
    executor.respond = () => [{ status: 400, errormessage: 'no pixel' }]
    // Due after retryMaxMs; a queue that is not full goes at the next tick.
    await clock.advance(TUNING.retryMaxMs + TUNING.flushIntervalMs)
    expect(deadLetter.records).toEqual([expect.objectContaining({ status: 400, reason: 'no pixel' })])
    expect(store.deliveries.size).toBe(0)
    expect(pipeline.counts.deadLettered).toBe(1)
  })

  it('never sends a delivery accepted in dry-run to TikTok: once live, it is dead-lettered with the reason', async () => {
    let dryRun = true
    const { pipeline, executor, store, deadLetter } = fakePipeline({ dryRun: () => dryRun })
    await pipeline.accept(events('A', 2))
    dryRun = false
    pipeline.start()
    await settled()
    expect(sent(executor)).toEqual([])
    expect(deadLetter.records).toEqual([
      expect.objectContaining({ status: 409, reason: expect.stringMatching(/^accepted in dry-run/) }),
      expect.objectContaining({ status: 409 })
    ])
    expect(store.deliveries.size).toBe(0)
  })

  it('keeps a delivery accepted live queued while in dry-run, and sends it once live', async () => {
    let dryRun = false
    const { pipeline, clock, executor, store } = fakePipeline({ dryRun: () => dryRun })
    await pipeline.accept(events('A', 2))
    dryRun = true
    pipeline.start()
    await settled()
    expect(sent(executor)).toEqual([])
    // Handed back untouched (no attempt counted), looked at again authRetryMs later.
    const nextAt = clock.now() + TUNING.authRetryMs
    expect(store.rescheduled).toEqual([
      expect.objectContaining({ attempts: 0, nextAt }),
      expect.objectContaining({ attempts: 0, nextAt })
    ])
    expect(pipeline.health()).toMatchObject({ status: 'degraded' })
    dryRun = false
    await clock.advance(TUNING.authRetryMs)
    expect(sent(executor)).toEqual([['A-0', 'A-1']])
    expect(store.deliveries.size).toBe(0)
  })
})

describe('a stop (drain)', () => {
  it('refuses new events once it began', async () => {
    const { pipeline } = fakePipeline()
    pipeline.start()
    void pipeline.drain(1_000)
    await expect(pipeline.accept(events('A', 1))).rejects.toBeInstanceOf(StoppingError)
  })

  it('sends a queue that is not full at once', async () => {
    const { pipeline, executor } = fakePipeline()
    await pipeline.accept(events('A', 1))
    pipeline.start()
    await settled()
    expect(sent(executor)).toEqual([])
    await pipeline.drain(5_000)
    expect(sent(executor)).toEqual([['A-0']])
  })

  it('waits out a pause that ends before its deadline, and delivers the retry', async () => {
    const { pipeline, clock, executor, store } = fakePipeline()
    executor.respond = () => (executor.batches.length === 1 ? 503 : 200)
    await pipeline.accept(events('A', 2))
    pipeline.start()
    await settled()
    let stopped = false
    const stop = pipeline.drain(5_000).then(() => (stopped = true))
    await clock.advance(499)
    expect(stopped).toBe(false)
    await clock.advance(1)
    await stop
    expect(sent(executor)).toHaveLength(2)
    expect(store.deliveries.size).toBe(0)
    expect(executor.aborts).toBe(0)
  })

  it('does not wait for a retry due after its deadline: it stays queued with its attempt', async () => {
    const { pipeline, executor, store } = fakePipeline()
    executor.respond = () => 503
    await pipeline.accept(events('A', 2))
    pipeline.start()
    await settled()
    await pipeline.drain(400)
    expect(executor.aborts).toBe(0)
    expect(sent(executor)).toHaveLength(1)
    expect([...store.deliveries.values()].map((delivery) => delivery.attempts)).toEqual([1, 1])
  })

  it('aborts what is in flight at its deadline; that stays queued as it was', async () => {
    const { pipeline, clock, executor, store } = fakePipeline()
    executor.respond = () => undefined // TikTok does not answer
    await pipeline.accept(events('A', 2))
    pipeline.start()
    await settled()
    let stopped = false
    const stop = pipeline.drain(5_000).then(() => (stopped = true))
    await clock.advance(4_999)
    expect([stopped, executor.aborts]).toEqual([false, 0])
    await clock.advance(1)
    await stop
    expect(executor.aborts).toBe(1)
    expect(store.rescheduled).toEqual([])
    expect([...store.deliveries.values()].map((delivery) => delivery.attempts)).toEqual([0, 0])
    expect(pipeline.counts).toMatchObject({ delivered: 0, deadLettered: 0, retried: 0 })
    expect(pipeline.health()).toEqual({ status: 'ok' })
  })
})
