/**
 * Where batches run through actions-core: in this thread, or in a pool of worker threads, each with
 * its own `Destination`, so that the Tracking API keeps answering while batches are mapped, hashed
 * and sent, and delivery uses more than one core. The plugin is stateless: any thread can run any batch.
 */
import { Destination } from '@segment/actions-core'
import type { JSONObject, Logger, SegmentEvent } from '@segment/actions-core'
import { extname, join } from 'node:path'
import { Worker } from 'node:worker_threads'
import destination from '../destination'
import type { Settings } from '../destination/generated-types'
import { setApiBaseUrl } from '../destination/tiktok/api'
import { countMatchKeys, type MatchKeyCounts } from './match-keys'
import { ACTION } from './subscriptions'

/** One event's delivery status, as actions-core's multistatus gives it (without the bodies). */
export interface EventStatus {
  status: number
  errortype?: string
  errormessage?: string
}

export interface BatchTask {
  /** The subscription's mapping. */
  mapping: JSONObject
  events: SegmentEvent[]
  settings: Settings
  /** Scheme and host to send to (the dry-run stand-in, TIKTOK_API_URL, or TikTok when undefined). */
  apiBaseUrl?: string
}

export interface BatchOutcome {
  statuses: EventStatus[]
  /** Warnings the action logged for this batch. */
  warnings: string[]
  /** How many delivered events carried each match key: numbers only, never a value. */
  matchKeys?: MatchKeyCounts
}

export interface Executor {
  run(task: BatchTask): Promise<BatchOutcome>
  /** Aborts the requests in flight (shutdown deadline): their events get a retryable failure. */
  abort(): void
  close(): Promise<void>
}

/** An actions-core logger whose warnings are collected. */
function collectWarnings(warnings: string[]): Logger {
  const ignore = () => undefined
  return {
    level: 'warn',
    name: 'tiktok-conversions',
    warn: (...message: string[]) => void warnings.push(message.join(' ')),
    debug: ignore,
    info: ignore,
    error: ignore,
    crit: ignore,
    log: ignore,
    withTags: ignore
  }
}

/** Runs batches in the calling thread. */
export function inThreadExecutor(): Executor {
  const runtime = new Destination(destination)
  let controller = new AbortController()
  return {
    async run({ mapping, events, settings, apiBaseUrl }) {
      const warnings: string[] = []
      // performBatch reads the URL synchronously as it starts, before anything else runs here.
      setApiBaseUrl(apiBaseUrl)
      const statuses = await runtime.executeBatch(ACTION, {
        events,
        mapping,
        settings,
        logger: collectWarnings(warnings),
        signal: controller.signal
      })
      return {
        statuses: statuses.map((status) => ({
          status: status.status,
          errortype: 'errortype' in status ? status.errortype : undefined,
          errormessage: 'errormessage' in status ? status.errormessage : undefined
        })),
        warnings,
        matchKeys: countMatchKeys(statuses)
      }
    },
    abort() {
      controller.abort(new Error('shutdown deadline'))
      controller = new AbortController()
    },
    close: async () => undefined
  }
}

type Reply = { id: number; outcome?: BatchOutcome; error?: string }

interface Task {
  worker: Worker
  resolve: (outcome: BatchOutcome) => void
  reject: (error: Error) => void
}

/** A worker thread running delivery-worker; under TypeScript (tests, tsx) loaded through tsx's API. */
function startWorker(): Worker {
  const file = join(__dirname, `delivery-worker${extname(__filename)}`)
  if (extname(__filename) !== '.ts') return new Worker(file)
  return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(file)})`, { eval: true })
}

/**
 * Runs batches in `threads` worker threads, each batch in the least busy one. A thread that dies fails
 * its batches (their events are retried) and the rest run in this thread: delivery never waits on a
 * thread that is gone.
 */
export function workerExecutor(threads: number, onFailure: (reason: string) => void = () => undefined): Executor {
  const tasks = new Map<number, Task>()
  const workers = new Set<Worker>()
  const fallback = inThreadExecutor()
  let next = 0
  let closing = false
  const busy = (worker: Worker) => [...tasks.values()].filter((task) => task.worker === worker).length
  const fail = (worker: Worker, reason: string) => {
    if (!workers.delete(worker)) return
    for (const [id, task] of tasks) {
      if (task.worker !== worker) continue
      tasks.delete(id)
      task.reject(new Error(`the delivery thread stopped: ${reason}`))
    }
    if (!closing) onFailure(reason)
  }
  for (let i = 0; i < threads; i++) {
    const worker = startWorker()
    workers.add(worker)
    worker.on('message', ({ id, outcome, error }: Reply) => {
      const task = tasks.get(id)
      tasks.delete(id)
      if (outcome) task?.resolve(outcome)
      else task?.reject(new Error(error ?? 'the delivery thread failed'))
    })
    worker.on('error', (error) => fail(worker, error.message))
    worker.on('exit', (code) => fail(worker, `exit code ${code}`))
    worker.unref()
  }
  return {
    run(task) {
      if (workers.size === 0) return fallback.run(task)
      const worker = [...workers].reduce((least, candidate) => (busy(candidate) < busy(least) ? candidate : least))
      const id = next++
      return new Promise((resolve, reject) => {
        tasks.set(id, { worker, resolve, reject })
        worker.postMessage({ id, task })
      })
    },
    abort() {
      for (const worker of workers) worker.postMessage({ abort: true })
      fallback.abort()
    },
    async close() {
      closing = true
      await Promise.all([...workers].map((worker) => worker.terminate()))
    }
  }
}
