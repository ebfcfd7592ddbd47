/**
 * Intake's use of messageId deduplication, on a fake store: what is queued and counted when a request
 * repeats an event, when a client sends a request again, when a replay sends dead letters again, and
 * what a full disk answers.
 */
import { QueueFullError, StoreUnavailableError } from '../../../src/runtime/delivery/errors'
import { DiskFullError } from '../../../src/runtime/storage/disk-space'
import { events, fakePipeline } from './fakes'

describe('intake and messageId deduplication', () => {
  it('queues an event repeated within a request once, with its first body', async () => {
    const { pipeline, store } = fakePipeline()
    const [first, second] = events('A', 2)
    await pipeline.accept([first, { ...first, properties: { changed: true } }, second])
    expect(store.queuedIds()).toEqual(['A-0', 'A-1'])
    expect(JSON.parse([...store.deliveries.values()][0].event)).not.toHaveProperty('properties')
    expect(pipeline.counts).toMatchObject({ received: 3, deduplicated: 1, queued: 2 })
    expect(pipeline.pending).toBe(2)
  })

  it("queues a client's retry of accepted events once; a replay of dead letters is taken again", async () => {
    const { pipeline, store } = fakePipeline()
    await pipeline.accept(events('A', 3))
    await pipeline.accept(events('A', 4)) // the retry, with one event more
    expect(store.queuedIds()).toEqual(['A-0', 'A-1', 'A-2', 'A-3'])
    expect(pipeline.counts).toMatchObject({ received: 7, deduplicated: 3, queued: 4 })
    await pipeline.accept(events('A', 1), { dedupe: false })
    expect(store.queuedIds()).toEqual(['A-0', 'A-1', 'A-2', 'A-3', 'A-0'])
    expect(pipeline.pending).toBe(5)
  })

  it('refuses with 503 on a full disk without a log line per request (the store said it once)', async () => {
    const { pipeline, store, log } = fakePipeline()
    store.append = () => Promise.reject(new DiskFullError('the disk of /data is full'))
    const refusal = pipeline.accept(events('A', 2))
    await expect(refusal).rejects.toBeInstanceOf(StoreUnavailableError)
    await expect(refusal).rejects.toThrow("The runtime's disk is full: it cannot store the events; retry later.")
    expect(log.lines).toEqual([])
    expect(pipeline.counts).toMatchObject({ received: 0, queued: 0 })
  })

  it('never lets requests stored at the same time take the queue past QUEUE_LIMIT', async () => {
    const { pipeline, store } = fakePipeline({ queueLimit: 500 })
    // A slow store: every write waits until the test lets it go, so all five requests are in flight together.
    const append = store.append.bind(store)
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    store.append = async (...args) => {
      await gate
      return append(...args)
    }
    const requests = [0, 1, 2, 3, 4].map((i) => pipeline.accept(events('A', 200, i * 200)))
    release()
    const answers = await Promise.allSettled(requests)
    const accepted = answers.filter((answer) => answer.status === 'fulfilled').length
    expect(accepted).toBe(2)
    for (const answer of answers) {
      if (answer.status === 'rejected') expect(answer.reason).toBeInstanceOf(QueueFullError)
    }
    expect(store.deliveries.size).toBe(400)
    expect(pipeline.pending).toBe(400)
    // The room of a request the store refused is free again.
    store.append = async () => {
      throw new Error('disk I/O error')
    }
    await expect(pipeline.accept(events('B', 100))).rejects.toThrow(StoreUnavailableError)
    store.append = append
    await pipeline.accept(events('B', 100))
    expect(pipeline.pending).toBe(500)
  })
})
