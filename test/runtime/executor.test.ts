/**
 * The shutdown deadline is final: once the executor is aborted, no batch sends anything more, in this
 * thread or in the delivery threads, and every event of a batch gets a retryable status (it stays queued).
 * Memory stays bounded: nothing of a batch is kept once it is answered, and a delivery thread runs
 * within its heap limit.
 */
import { Destination } from '@segment/actions-core'
import { presetMapping, SETTINGS } from '../helpers'
import {
  inThreadExecutor,
  ThreadStoppedError,
  workerExecutor,
  type Executor
} from '../../src/runtime/delivery/executor'
import { orderCompleted, startStandIn } from './helpers'

const executors: Executor[] = []
afterEach(async () => {
  for (const executor of executors.splice(0)) await executor.close()
})

const taskFor = (apiBaseUrl: string, ...events: unknown[]) => ({
  action: 'reportWebEvent',
  mapping: presetMapping('Complete Payment'),
  events: events.map((event) => JSON.stringify(event)),
  settings: SETTINGS,
  apiBaseUrl
})

describe.each([
  ['in this thread', () => inThreadExecutor()],
  ['in delivery threads', () => workerExecutor(1)]
])('an executor %s', (_where, make) => {
  it('sends batches until aborted, then none: every event of a later batch is retryable', async () => {
    const standIn = await startStandIn()
    const executor = make()
    executors.push(executor)
    const task = (i: number) => ({
      action: 'reportWebEvent',
      mapping: presetMapping('Complete Payment'),
      events: [JSON.stringify(orderCompleted(i)), JSON.stringify(orderCompleted(i + 1))],
      settings: SETTINGS,
      apiBaseUrl: standIn.url
    })
    expect((await executor.run(task(1))).statuses.map((status) => status.status)).toEqual([200, 200])
    executor.abort()
    const after = await executor.run(task(3))
    expect(after.statuses).toEqual([
      { status: 503, errortype: 'RETRYABLE_ERROR', errormessage: 'not sent: the runtime is stopping' },
      { status: 503, errortype: 'RETRYABLE_ERROR', errormessage: 'not sent: the runtime is stopping' }
    ])
    expect(standIn.stats.requests).toBe(1)
  })
})

describe('memory', () => {
  it('lets go of what actions-core keeps of every response: a runtime that runs for days keeps none of its batches', async () => {
    const standIn = await startStandIn()
    const executor = inThreadExecutor()
    executors.push(executor)
    const used = new Set<Destination<never>>()
    const executeBatch = Destination.prototype.executeBatch
    const spy = jest.spyOn(Destination.prototype, 'executeBatch').mockImplementation(function (
      this: Destination<never>,
      ...args
    ) {
      used.add(this)
      return executeBatch.apply(this, args)
    })
    try {
      for (let i = 0; i < 3; i++) await executor.run(taskFor(standIn.url, orderCompleted(i)))
    } finally {
      spy.mockRestore()
    }
    expect(standIn.stats.requests).toBe(3)
    expect(used.size).toBe(1)
    expect([...used][0].responses).toEqual([])
  })

  it('a delivery thread runs within its heap limit: one that outgrows it stops, its batch alone is blamed, a new thread takes the next', async () => {
    const standIn = await startStandIn()
    const stopped: string[] = []
    const executor = workerExecutor(1, (reason) => stopped.push(reason), 40)
    executors.push(executor)
    // 1,000 events of 2,000 short strings each: far more than 40 MB once parsed, allocated bit by bit.
    const list = Array.from({ length: 2000 }, (_, k) => `item-${k}`)
    const large = Array.from({ length: 1000 }, (_, i) => ({ ...orderCompleted(i), properties: { list } }))
    const error = await executor.run(taskFor(standIn.url, ...large)).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ThreadStoppedError)
    expect(error).toMatchObject({ alone: true })
    expect(stopped).toEqual([expect.stringMatching(/memory limit/)])
    const next = await executor.run(taskFor(standIn.url, orderCompleted(2)))
    expect(next.statuses.map((status) => status.status)).toEqual([200])
    expect(standIn.stats.requests).toBe(1)
  })
})
