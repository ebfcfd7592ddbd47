/**
 * Where batches run through actions-core: in this thread, or in a pool of worker threads, each with
 * its own `Destination`, so that the Tracking API keeps answering while batches are mapped, hashed
 * and sent, and delivery uses more than one core. The plugin is stateless: any thread can run any batch.
 *
 * Events travel as the JSON text they are stored as, and are parsed in the thread that runs them: a
 * message between threads is a few strings, never an object graph to clone (an event nested 5,000
 * levels deep overflows the structured clone).
 */
import { Destination } from '@segment/actions-core'
import type { JSONObject, Logger, SegmentEvent } from '@segment/actions-core'
import { extname, join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { destinationFor } from '../../destination'
import type { Settings } from '../../destination/generated-types'
import { countMatchKeys, type MatchKeyCounts } from '../ops/match-key-tally'

/** One event's delivery status, as actions-core's multistatus gives it (without the bodies). */
export interface DeliveryStatus {
  status: number
  errortype?: string
  errormessage?: string
}

export interface BatchTask {
  /** The action the subscription reports with (reportWebEvent, reportAppEvent, reportOfflineEvent). */
  action: string
  /** The subscription's mapping. */
  mapping: JSONObject
  /** The Segment events, JSON text each. */
  events: string[]
  settings: Settings
  /** Scheme and host to send to (the dry-run stand-in, TIKTOK_API_URL, or TikTok when undefined). */
  apiBaseUrl?: string
}

export interface BatchOutcome {
  statuses: DeliveryStatus[]
  /** Warnings the action logged for this batch. */
  warnings: string[]
  /** How many delivered events carried each match key: numbers only, never a value. */
  matchKeys?: MatchKeyCounts
}

export interface Executor {
  /** Resolves with one status per event; rejects when the batch as a whole could not run. */
  run(task: BatchTask): Promise<BatchOutcome>
  /**
   * The shutdown deadline: requests in flight are aborted, and from now on every batch answers at once
   * with a retryable status for each event (nothing more is sent).
   */
  abort(): void
  close(): Promise<void>
}

/** The thread running a batch stopped. `alone`: it ran no other batch, so this one may be at fault. */
export class ThreadStoppedError extends Error {
  constructor(
    message: string,
    readonly alone: boolean
  ) {
    super(message)
  }
}

/** What every event of a batch gets once the executor was aborted. */
const aborted = (task: BatchTask): BatchOutcome => ({
  statuses: task.events.map(() => ({
    status: 503,
    errortype: 'RETRYABLE_ERROR',
    errormessage: 'not sent: the runtime is stopping'
  })),
  warnings: []
})

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

/** Each dry-run starts a stand-in on a new port: destinations for the URLs of the past ones are let go. */
const KEPT_DESTINATIONS = 4

/** Runs batches in the calling thread. */
export function inThreadExecutor(): Executor {
  const controller = new AbortController()
  /** One destination per URL sent to (TikTok or TIKTOK_API_URL, the dry-run stand-ins), the newest few. */
  const destinations = new Map<string | undefined, Destination<Settings>>()
  const destinationAt = (apiBaseUrl: string | undefined): Destination<Settings> => {
    let found = destinations.get(apiBaseUrl)
    if (!found) {
      if (destinations.size >= KEPT_DESTINATIONS) destinations.delete(destinations.keys().next().value)
      found = new Destination(destinationFor({ apiBaseUrl }))
      destinations.set(apiBaseUrl, found)
    }
    return found
  }
  return {
    async run(task) {
      if (controller.signal.aborted) return aborted(task)
      const { action, mapping, events, settings, apiBaseUrl } = task
      const warnings: string[] = []
      const parsed = events.map((text) => JSON.parse(text) as SegmentEvent)
      const destination = destinationAt(apiBaseUrl)
      let statuses
      try {
        statuses = await destination.executeBatch(action, {
          events: parsed,
          mapping,
          settings,
          logger: collectWarnings(warnings),
          signal: controller.signal
        })
      } finally {
        // actions-core keeps every response a Destination got (for its own tests), request and body
        // included: a long-running runtime lets them go, or each batch stays in memory for good.
        destination.responses.splice(0)
      }
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

/**
 * A worker thread running worker.ts, its heap (old generation) limited to `heapMb` when given; under
 * TypeScript (tests, tsx) loaded through tsx's API.
 */
function startWorker(heapMb: number | undefined): Worker {
  const resourceLimits = heapMb === undefined ? undefined : { maxOldGenerationSizeMb: heapMb }
  const file = join(__dirname, `worker${extname(__filename)}`)
  if (extname(__filename) !== '.ts') return new Worker(file, { resourceLimits })
  return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(file)})`, {
    eval: true,
    resourceLimits
  })
}

/** A thread that stops is replaced, at most this often: a thread that cannot start is not restarted in a loop. */
const RESTART_GAP_MS = 1_000

/**
 * Runs batches in `threads` worker threads, each batch in the least busy one, each thread's heap limited
 * to `heapMb` when given. A thread that stops (its heap full too) fails its batches (with
 * ThreadStoppedError: `alone` when it ran only that one, which may then be at fault) and is replaced;
 * batches wait for a thread meanwhile, never running in this thread (the one a thread died on could
 * take the process down with it).
 */
export function workerExecutor(
  threads: number,
  onFailure: (reason: string) => void = () => undefined,
  heapMb?: number
): Executor {
  const tasks = new Map<number, Task>()
  const workers = new Set<Worker>()
  /** Batches waiting for a thread while one is being replaced. */
  const waiting: (() => void)[] = []
  let next = 0
  let closing = false
  let stopped = false
  let lastRestart = 0
  const busy = (worker: Worker) => [...tasks.values()].filter((task) => task.worker === worker).length

  function fail(worker: Worker, reason: string) {
    if (!workers.delete(worker)) return
    const mine = [...tasks].filter(([, task]) => task.worker === worker)
    for (const [id, task] of mine) {
      tasks.delete(id)
      task.reject(new ThreadStoppedError(`the delivery thread stopped: ${reason}`, mine.length === 1))
    }
    if (closing) return
    onFailure(reason)
    const wait = Math.max(0, lastRestart + RESTART_GAP_MS - Date.now())
    setTimeout(() => {
      if (closing || workers.size >= threads) return
      lastRestart = Date.now()
      add()
    }, wait).unref()
  }

  function add() {
    const worker = startWorker(heapMb)
    workers.add(worker)
    worker.on('message', ({ id, outcome, error }: Reply) => {
      const task = tasks.get(id)
      tasks.delete(id)
      // An idle thread does not keep the process alive; one with a batch does, until its answer is in.
      if (busy(worker) === 0) worker.unref()
      if (outcome) task?.resolve(outcome)
      else task?.reject(new Error(error ?? 'the delivery thread failed'))
    })
    worker.on('error', (error) => fail(worker, error.message))
    worker.on('exit', (code) => fail(worker, `exit code ${code}`))
    worker.unref()
    for (const ready of waiting.splice(0)) ready()
  }

  async function run(task: BatchTask): Promise<BatchOutcome> {
    while (workers.size === 0) {
      if (stopped) return aborted(task)
      if (closing) throw new Error('the delivery threads are closed')
      await new Promise<void>((resolve) => waiting.push(resolve))
    }
    if (stopped) return aborted(task)
    const worker = [...workers].reduce((least, candidate) => (busy(candidate) < busy(least) ? candidate : least))
    const id = next++
    return new Promise((resolve, reject) => {
      tasks.set(id, { worker, resolve, reject })
      worker.ref()
      worker.postMessage({ id, task })
    })
  }

  for (let i = 0; i < threads; i++) add()
  return {
    run,
    abort() {
      stopped = true
      for (const worker of workers) worker.postMessage({ abort: true })
      for (const ready of waiting.splice(0)) ready()
    },
    async close() {
      closing = true
      for (const ready of waiting.splice(0)) ready()
      await Promise.all([...workers].map((worker) => worker.terminate()))
    }
  }
}
