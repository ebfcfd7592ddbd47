/**
 * The shutdown deadline is final: once the executor is aborted, no batch sends anything more, in this
 * thread or in the delivery threads, and every event of a batch gets a retryable status (it stays queued).
 */
import { presetMapping, SETTINGS } from '../helpers'
import { inThreadExecutor, workerExecutor, type Executor } from '../../src/runtime/delivery/executor'
import { orderCompleted, startStandIn } from './helpers'

const executors: Executor[] = []
afterEach(async () => {
  for (const executor of executors.splice(0)) await executor.close()
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
