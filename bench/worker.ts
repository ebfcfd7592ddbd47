/**
 * Runs one scenario in its own process and prints its result as one JSON line (prefixed `RESULT `):
 * `tsx bench/worker.ts --scenario <name> --url <stand-in> --events N --concurrency C --batch B`.
 * CPU time and peak memory are measured around the run only, after loading and building the events.
 */
import path from 'node:path'
import type { DestinationDefinition, JSONObject, SegmentEvent } from '@segment/actions-core'
import { useUriSafeSchemaKeys } from '../src/destination/schema-keys'
import { appOrderCompletedEvents, orderCompletedEvents } from './events'
import { routedRequests, routeTikTokTo } from './loopback'

export const SCENARIOS = ['ours per-event', 'ours batched', 'ours app batched', 'published per-event'] as const
export type Scenario = (typeof SCENARIOS)[number]

export interface WorkerResult {
  scenario: Scenario
  events: number
  wallSeconds: number
  cpuMicros: number
  peakRssMB: number
  peakHeapUsedMB: number
  rssBeforeMB: number
  /** Events the destination reported as failed (thrown, or an error status in a batch). */
  errors: number
  firstError?: string
  /** Requests that went to the stand-in through the loopback patch. */
  routedRequests: number
}

export const PUBLISHED = path.join(
  __dirname,
  'node_modules/@segment/action-destinations/dist/destinations/tiktok-conversions/index.js'
)
/** The root's actions-core for both sides (bench/node_modules has its own copy, which the published code uses). */
const ROOT_ACTIONS_CORE = require.resolve('@segment/actions-core', { paths: [path.join(__dirname, '..')] })
const MB = 1024 * 1024

const arg = (name: string): string => {
  const at = process.argv.indexOf(`--${name}`)
  if (at < 0 || at + 1 >= process.argv.length) throw new Error(`worker: --${name} is required`)
  return process.argv[at + 1]
}

/** Calls `task` for 0..count-1 with at most `limit` calls in flight. */
async function pool(count: number, limit: number, task: (i: number) => Promise<void>) {
  let next = 0
  const lane = async () => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane))
}

async function main() {
  const scenario = arg('scenario') as Scenario
  if (!SCENARIOS.includes(scenario)) throw new Error(`worker: unknown scenario ${scenario}`)
  const count = Number(arg('events'))
  const concurrency = Number(arg('concurrency'))
  const batch = Number(arg('batch'))

  // Same path to the stand-in for both sides: patch first, then load a destination.
  delete process.env.TIKTOK_API_URL
  routeTikTokTo(arg('url'))
  const { Destination } = require(ROOT_ACTIONS_CORE) as typeof import('@segment/actions-core')
  // The root's actions-core resolves fast-uri 3.1.9, on which both definitions (named with a space)
  // need URI-safe schema keys: the published one gets ours, so that both take the same path.
  useUriSafeSchemaKeys('Tiktok Conversions')
  const definition: DestinationDefinition<JSONObject> = scenario.startsWith('ours')
    ? require('../src').default
    : require(PUBLISHED).default
  // The app scenario: iOS orders through the app preset, to a TikTok App ID.
  const app = scenario === 'ours app batched'
  const presetName = app ? 'Complete payment (app)' : 'Complete Payment'
  const preset = definition.presets?.find((p) => p.name === presetName)
  if (!preset) throw new Error(`worker: no '${presetName}' preset in ${scenario}`)
  const destination = new Destination(definition)
  const settings = {
    accessToken: 'bench-access-token',
    pixelCode: 'BENCHPIXEL',
    appID: 'BENCHAPP',
    subscriptions: [preset]
  }
  const events = app ? appOrderCompletedEvents(count) : orderCompletedEvents(count)

  let errors = 0
  let firstError: string | undefined
  const fail = (n: number, message: string) => {
    errors += n
    firstError ??= message
  }
  const perEvent = async (i: number) => {
    try {
      await destination.onEvent(events[i], settings as unknown as JSONObject)
    } catch (error) {
      fail(1, String(error))
    }
  }
  const batched = async (chunk: SegmentEvent[]) => {
    const results = await destination.onBatch(chunk, settings as unknown as JSONObject)
    const statuses = results.flatMap((result) => result.multistatus ?? [])
    if (statuses.length !== chunk.length) fail(chunk.length, `batch: ${statuses.length} statuses for ${chunk.length}`)
    for (const status of statuses) if (status.status < 200 || status.status > 299) fail(1, JSON.stringify(status))
  }

  let peakRss = 0
  let peakHeap = 0
  const sample = () => {
    const { rss, heapUsed } = process.memoryUsage()
    peakRss = Math.max(peakRss, rss)
    peakHeap = Math.max(peakHeap, heapUsed)
  }
  const rssBefore = process.memoryUsage().rss
  const sampler = setInterval(sample, 5)
  sample()
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  if (scenario === 'ours batched' || scenario === 'ours app batched') {
    for (let at = 0; at < count; at += batch) await batched(events.slice(at, at + batch))
  } else {
    await pool(count, concurrency, perEvent)
  }
  const wallSeconds = (performance.now() - start) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  sample()
  clearInterval(sampler)

  const result: WorkerResult = {
    scenario,
    events: count,
    wallSeconds,
    cpuMicros: cpu.user + cpu.system,
    peakRssMB: peakRss / MB,
    peakHeapUsedMB: peakHeap / MB,
    rssBeforeMB: rssBefore / MB,
    errors,
    firstError,
    routedRequests: routedRequests()
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error)
    process.exit(1)
  })
}
