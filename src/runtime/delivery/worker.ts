/** A delivery thread of the runtime: runs the batches the main thread hands it (see executor.ts). */
import { parentPort } from 'node:worker_threads'
import { inThreadExecutor, type BatchTask } from './executor'

const executor = inThreadExecutor()

parentPort?.on('message', async (message: { id: number; task: BatchTask } | { abort: true }) => {
  if ('abort' in message) return executor.abort()
  try {
    parentPort?.postMessage({ id: message.id, outcome: await executor.run(message.task) })
  } catch (error) {
    parentPort?.postMessage({ id: message.id, error: (error as Error).message })
  }
})
