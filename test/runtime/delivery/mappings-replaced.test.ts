/**
 * The mappings saved while events wait in the delivery loop's queues: a batch goes with the mapping
 * of its name as it is when it is sent, not as it was when its events were read; events whose mapping
 * was deleted meanwhile are dead-lettered with the reason.
 */
import type { Subscription } from '../../../src/runtime/routing/subscriptions'
import { events, fakePipeline, settled, subscription, TUNING } from './fakes'

const withField = (name: string, path: string): Subscription => ({
  ...subscription(name, 2),
  mapping: { batch_size: 2, content_type: { '@path': path } }
})

describe('mappings replaced while events are queued', () => {
  it('sends the queued batch with the mapping saved since', async () => {
    let inForce = [withField('A', '$.properties.x')]
    const { pipeline, clock, executor } = fakePipeline({ subscriptions: () => inForce })
    await pipeline.accept(events('A', 1))
    pipeline.start()
    await settled()
    expect(executor.batches).toHaveLength(0) // not full: waits for the tick, queued under the old mapping
    inForce = [withField('A', '$.properties.y')]
    await clock.advance(TUNING.flushIntervalMs)
    expect(executor.batches.map((batch) => [batch.ids, batch.mapping])).toEqual([
      [['A-0'], { batch_size: 2, content_type: { '@path': '$.properties.y' } }]
    ])
  })

  it('dead-letters queued events whose mapping was deleted, saying why', async () => {
    let inForce = [withField('A', '$.properties.x'), subscription('B')]
    const { pipeline, clock, executor, deadLetter } = fakePipeline({ subscriptions: () => inForce })
    await pipeline.accept(events('A', 1))
    pipeline.start()
    await settled()
    inForce = [subscription('B')]
    await clock.advance(TUNING.flushIntervalMs)
    await settled()
    expect(executor.batches).toHaveLength(0)
    expect(deadLetter.records.map((record) => [record.mapping, record.reason])).toEqual([
      [
        'A',
        'mapping "A" is no longer configured (the mappings changed while the event was queued: it was deleted or renamed)'
      ]
    ])
    expect(pipeline.counts).toMatchObject({ deadLettered: 1, delivered: 0 })
  })
})
