/**
 * The benchmark: this destination against the published @segment/action-destinations TikTok
 * Conversions, both through the root's actions-core `Destination`, on a TikTok stand-in in its own
 * process. Each scenario runs in its own worker process. Then the local runtime (`dist/cli.js`,
 * what `npm start` runs) fed by @segment/analytics-node: with its embedded queue, then on Redis (a
 * redis-server of its own, AOF on) with one runtime and with two sharing the queue. Prints a report,
 * writes bench/results.json.
 *
 *   npm run bench -- [--events 10000] [--latency 20] [--concurrency 10] [--cpu-repeats 5] [--runtime-events 50000]
 *
 * Exit code 0 even when a target FAILs (it is a report); 1 when events were lost or failed, or the
 * harness itself broke.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { identityCost } from './identity-cost'
import { intakeCost } from './intake-cost'
import { redisDedupeCost, type RedisDedupeCost } from './redis-dedupe-cost'
import type { RoutingResult } from './routing'
import type { RuntimeClientResult } from './runtime-client'
import { PUBLISHED, SCENARIOS, type Scenario, type WorkerResult } from './worker'

const ROOT = path.join(__dirname, '..')
const TSX = path.join(ROOT, 'node_modules/.bin/tsx')
const RUNTIME_CLI = path.join(ROOT, 'dist/cli.js')
const RUNTIME = 'runtime: analytics-node → npm start'
/** The same, with the queue synced to disk only at checkpoints (SQLITE_SYNCHRONOUS=NORMAL). */
const RUNTIME_NORMAL = 'runtime, SQLITE_SYNCHRONOUS=NORMAL'
/** The same, without the messageId index (DEDUPE_WINDOW_MS=0): what deduplication costs per event. */
const RUNTIME_NO_DEDUPE = 'runtime, DEDUPE_WINDOW_MS=0'
const REDIS_ONE = 'runtime on Redis, 1 instance'
const REDIS_TWO = 'runtime on Redis, 2 instances'
type RuntimeScenario =
  typeof RUNTIME | typeof RUNTIME_NORMAL | typeof RUNTIME_NO_DEDUPE | typeof REDIS_ONE | typeof REDIS_TWO
/** What the runtime must sustain, from analytics-node through to the stand-in. */
const RUNTIME_TARGET = 5000
const BATCH = 1000
const WORKER_TIMEOUT_MS = 10 * 60_000

interface StandInStats {
  requests: number
  events: number
  bytes: number
}

interface Row extends Omit<WorkerResult, 'scenario'> {
  scenario: Scenario | RuntimeScenario
  /** Which of the repeated 0 ms per-event runs (CPU is compared on their medians). */
  run?: number
  latencyMs: number
  eventsPerSecond: number
  requests: number
  delivered: number
  bytesPerEvent: number
  cpuMicrosPerEvent: number
}

const option = (name: string, fallback: number, min: number): number => {
  const at = process.argv.indexOf(`--${name}`)
  const value = at > 0 ? Number(process.argv[at + 1]) : fallback
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min}`)
  return value
}

const children = new Set<ChildProcess>()
const killChildren = () => children.forEach((child) => child.exitCode === null && child.kill('SIGTERM'))
process.on('exit', killChildren)
const interrupted = (code: number) => () => {
  killChildren()
  process.exit(code)
}
process.on('SIGINT', interrupted(130))
process.on('SIGTERM', interrupted(143))

/** A root-tsx child process (or `node` for a .js script), killed with the harness. */
function child(
  args: string[],
  extraEnv: Record<string, string> = {},
  stdio: 'inherit' | 'pipe' = 'inherit'
): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv }
  if (!extraEnv.TIKTOK_API_URL) delete env.TIKTOK_API_URL // the destinations reach the stand-in only through bench/loopback.ts
  const [command, ...rest] = args[0].endsWith('.js') ? [process.execPath, ...args] : [TSX, ...args]
  const proc = spawn(command, rest, { cwd: ROOT, env, stdio: ['ignore', 'pipe', stdio] })
  children.add(proc)
  proc.on('exit', () => children.delete(proc))
  return proc
}

/** Starts `src/runtime/tools/standin.ts` and resolves with its URL, the first line it prints. */
function startStandIn(latencyMs: number): Promise<{ url: string; stop: () => void }> {
  const proc = child(['src/runtime/tools/standin.ts', '--latency', String(latencyMs)])
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('stand-in did not start within 30 s')), 30_000)
    proc.on('exit', (code) => reject(new Error(`stand-in exited with code ${code}`)))
    createInterface({ input: proc.stdout! }).once('line', (line) => {
      clearTimeout(timer)
      if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(line.trim())) reject(new Error(`stand-in printed ${line}`))
      else resolve({ url: line.trim(), stop: () => proc.kill('SIGTERM') })
    })
  })
}

async function stats(url: string, method: 'GET' | 'DELETE'): Promise<StandInStats> {
  const response = await fetch(`${url}/standin/stats`, { method })
  if (!response.ok) throw new Error(`stand-in stats: HTTP ${response.status}`)
  return (await response.json()) as StandInStats
}

/** Runs one scenario in a worker process; resolves with the `RESULT` line it prints. */
function runWorker(scenario: Scenario, url: string, events: number, concurrency: number): Promise<WorkerResult> {
  const args = ['bench/worker.ts', '--scenario', scenario, '--url', url, '--events', String(events)]
  const proc = child([...args, '--concurrency', String(concurrency), '--batch', String(BATCH)])
  return new Promise((resolve, reject) => {
    let result: WorkerResult | undefined
    const timer = setTimeout(() => {
      proc.kill('SIGTERM')
      reject(new Error(`${scenario}: no result within ${WORKER_TIMEOUT_MS / 1000} s`))
    }, WORKER_TIMEOUT_MS)
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line.startsWith('RESULT ')) result = JSON.parse(line.slice('RESULT '.length))
      else console.log(`  [${scenario}] ${line}`)
    })
    proc.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0 && result) resolve(result)
      else reject(new Error(`${scenario}: worker exited with code ${code}${result ? '' : ' and no result'}`))
    })
  })
}

async function runScenario(scenario: Scenario, url: string, latencyMs: number, events: number, concurrency: number) {
  await stats(url, 'DELETE')
  const result = await runWorker(scenario, url, events, concurrency)
  const seen = await stats(url, 'GET')
  const row: Row = {
    ...result,
    latencyMs,
    eventsPerSecond: events / result.wallSeconds,
    requests: seen.requests,
    delivered: seen.events,
    bytesPerEvent: seen.bytes / events,
    cpuMicrosPerEvent: result.cpuMicros / events
  }
  console.log(`  ${scenario} @ ${latencyMs} ms: ${row.wallSeconds.toFixed(2)} s, ${row.delivered}/${events} delivered`)
  return row
}

/** CPU time (user + system, all threads) of a process, in µs, and its peak RSS in MB (Linux /proc). */
function processUsage(pid: number): { cpuMicros: number; peakRssMB: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    const ticks = Number(stat[11]) + Number(stat[12])
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return { cpuMicros: ticks * 10_000, peakRssMB: hwm ? Number(hwm[1]) / 1024 : NaN }
  } catch {
    return { cpuMicros: NaN, peakRssMB: NaN }
  }
}

/** Resolves with the `RESULT` line a child prints. */
function resultOf<T>(proc: ChildProcess, name: string): Promise<T> {
  return new Promise((resolve, reject) => {
    let result: T | undefined
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line.startsWith('RESULT ')) result = JSON.parse(line.slice('RESULT '.length))
      else console.log(`  [${name}] ${line}`)
    })
    proc.on('close', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`${name}: exited with ${code}`))
    )
  })
}

/** A runtime as `npm start` runs it, live against the stand-in; resolves once it listens. */
async function startRuntimeProcess(env: Record<string, string>) {
  const runtime = child([RUNTIME_CLI], { PORT: '0', ...env }, 'pipe')
  const exited = new Promise<number | null>((resolve) => runtime.on('exit', resolve))
  // The runtime's own pid (its first log line): `npm start` runs it in a child of the process started.
  const { url, pid } = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
    createInterface({ input: runtime.stderr! }).on('line', (line) => {
      const found = / listening url=(\S+) pid=(\d+)/.exec(line)
      if (found) resolve({ url: found[1], pid: Number(found[2]) })
      else if (/ (error|warn) /.test(line)) console.log(`  [runtime] ${line}`)
    })
    void exited.then((code) => reject(new Error(`runtime exited with ${code} before listening`)))
  })
  return { runtime, url, pid, exited }
}

/** A redis-server of the benchmark's own (AOF on, fsync every second), or undefined without one. */
async function startRedisServer(): Promise<{ url: string; pid: number; stop: () => Promise<void> } | undefined> {
  const binary = process.env.REDIS_SERVER || '/usr/bin/redis-server'
  if (binary === 'none' || !existsSync(binary)) return undefined
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer().once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as AddressInfo
      server.close(() => resolve(free))
    })
  })
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tiktok-bench-redis-'))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--logfile', '']
  args.push('--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction')
  const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  children.add(proc)
  proc.on('exit', () => children.delete(proc))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000)
    proc.on('exit', (code) => reject(new Error(`redis-server exited with ${code}`)))
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line.includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve()
      }
    })
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: proc.pid!,
    stop: async () => {
      const gone = new Promise((resolve) => proc.once('exit', resolve))
      proc.kill('SIGTERM')
      await gone
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/**
 * The local runtime as `npm start` runs it (live, sending to the stand-in), fed by analytics-node in
 * another process: sustained events/s from the first track call until the stand-in has every event.
 * On Redis: one or two runtimes sharing the queue, the client dealing the events to each in turn.
 */
async function runRuntime(
  standInUrl: string,
  latencyMs: number,
  events: number,
  scenario: RuntimeScenario = RUNTIME,
  redis?: { url: string; pid: number }
): Promise<Row & { extra: object }> {
  await stats(standInUrl, 'DELETE')
  const instances = scenario === REDIS_TWO ? 2 : 1
  const env: Record<string, string> = {
    TIKTOK_ACCESS_TOKEN: 'bench-access-token',
    TIKTOK_PIXEL_CODE: 'BENCHPIXEL',
    TIKTOK_API_URL: standInUrl,
    SEGMENT_WRITE_KEY: 'bench'
  }
  if (scenario === RUNTIME_NORMAL) env.SQLITE_SYNCHRONOUS = 'NORMAL'
  if (scenario === RUNTIME_NO_DEDUPE) env.DEDUPE_WINDOW_MS = '0'
  if (redis) Object.assign(env, { REDIS_URL: redis.url, REDIS_PREFIX: `bench-${process.pid}-${Date.now()}:` })
  // Each runtime its own DATA_DIR (the embedded queue; with Redis, nothing is written there).
  const dataDirs = Array.from({ length: instances }, () => mkdtempSync(path.join(os.tmpdir(), 'tiktok-bench-')))
  const runtimes = await Promise.all(dataDirs.map((dataDir) => startRuntimeProcess({ ...env, DATA_DIR: dataDir })))
  const pids = [...runtimes.map(({ pid }) => pid), ...(redis ? [redis.pid] : [])]
  const before = pids.map(processUsage)
  const urls = runtimes.map(({ url }) => url).join(',')
  const client = await resultOf<RuntimeClientResult>(
    child(['bench/runtime-client.ts', '--runtime', urls, '--standin', standInUrl, '--events', String(events)]),
    'client'
  )
  const counts = { delivered: 0, deadLettered: 0 }
  for (const { url } of runtimes) {
    const health = (await (await fetch(`${url}/health`)).json()) as { counts: typeof counts }
    counts.delivered += health.counts.delivered
    counts.deadLettered += health.counts.deadLettered
  }
  const after = pids.map(processUsage)
  const cpu = (i: number) => after[i].cpuMicros - before[i].cpuMicros
  // The runtimes' CPU and peak RSS, added up; Redis's own CPU is reported apart.
  const runtimeCpu = runtimes.reduce((sum, _, i) => sum + cpu(i), 0)
  const peakRssMB = runtimes.reduce((sum, _, i) => sum + after[i].peakRssMB, 0)
  for (const { runtime } of runtimes) runtime.kill('SIGTERM')
  const exitCodes = await Promise.all(runtimes.map(({ exited }) => exited))
  const failedExit = exitCodes.find((code) => code !== 0)
  const seen = await stats(standInUrl, 'GET')
  const lost = events - Math.min(seen.events, counts.delivered)
  for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true })
  console.log(`  ${scenario} @ ${latencyMs} ms: ${client.wallSeconds.toFixed(2)} s, ${seen.events}/${events} delivered`)
  return {
    scenario,
    latencyMs,
    events,
    wallSeconds: client.wallSeconds,
    eventsPerSecond: events / client.wallSeconds,
    requests: seen.requests,
    delivered: seen.events,
    bytesPerEvent: seen.bytes / events,
    cpuMicros: runtimeCpu,
    cpuMicrosPerEvent: runtimeCpu / events,
    peakRssMB,
    peakHeapUsedMB: NaN,
    rssBeforeMB: before.slice(0, instances).reduce((sum, usage) => sum + usage.peakRssMB, 0),
    errors: lost + counts.deadLettered + (failedExit === undefined ? 0 : 1),
    firstError: failedExit === undefined ? undefined : `runtime exited with ${failedExit} on SIGTERM`,
    routedRequests: seen.requests,
    extra: {
      acceptedSeconds: client.acceptedSeconds,
      clientCpuMicrosPerEvent: client.clientCpuMicros / events,
      redisCpuMicrosPerEvent: redis ? cpu(instances) / events : undefined,
      runtimeCounts: counts,
      exitCodesOnSigterm: exitCodes
    }
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

const fixed = (digits: number) => (value: number) => value.toFixed(digits)
const COLUMNS: [string, (row: Row) => string][] = [
  ['scenario', (row) => (row.run ? `${row.scenario} #${row.run}` : row.scenario)],
  ['latency', (row) => `${row.latencyMs} ms`],
  ['events', (row) => String(row.events)],
  ['wall s', (row) => fixed(2)(row.wallSeconds)],
  ['events/s', (row) => fixed(0)(row.eventsPerSecond)],
  ['requests', (row) => String(row.requests)],
  ['bytes/event', (row) => fixed(0)(row.bytesPerEvent)],
  ['CPU µs/event', (row) => fixed(0)(row.cpuMicrosPerEvent)],
  ['peak RSS MB', (row) => fixed(1)(row.peakRssMB)],
  ['peak heap MB', (row) => (Number.isNaN(row.peakHeapUsedMB) ? '-' : fixed(1)(row.peakHeapUsedMB))],
  ['delivered', (row) => String(row.delivered)],
  ['errors', (row) => String(row.errors)]
]

function table(rows: Row[]): string {
  const cells = [COLUMNS.map(([title]) => title), ...rows.map((row) => COLUMNS.map(([, cell]) => cell(row)))]
  const widths = COLUMNS.map((_, c) => Math.max(...cells.map((line) => line[c].length)))
  const line = (values: string[]) => values.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c])))
  const [head, ...body] = cells.map((values) => line(values).join('  '))
  return [head, '-'.repeat(head.length), ...body].join('\n')
}

interface Target {
  name: string
  value: number
  limit: string
  pass: boolean
}

function targets(rows: Row[], latencyMs: number): Target[] {
  const find = (scenario: Row['scenario'], latency: number) => {
    const row = rows.find((r) => r.scenario === scenario && r.latencyMs === latency && !r.run)
    if (!row) throw new Error(`no result for ${scenario} at ${latency} ms`)
    return row
  }
  /** Median CPU per event of the repeated 0 ms per-event runs of a scenario. */
  const cpu = (scenario: Scenario) =>
    median(rows.filter((r) => r.scenario === scenario && r.latencyMs === 0 && r.run).map((r) => r.cpuMicrosPerEvent))
  const batched = find('ours batched', latencyMs)
  const published = find('published per-event', latencyMs)
  const target = (name: string, value: number, op: '<=' | '>=', limit: number): Target => ({
    name,
    value,
    limit: `${op} ${limit}`,
    pass: op === '<=' ? value <= limit : value >= limit
  })
  return [
    target('ours batched: requests per 10,000 events', (batched.requests * 10000) / batched.events, '<=', 10),
    target(
      `ours batched events/s ÷ published per-event events/s (${latencyMs} ms)`,
      batched.eventsPerSecond / published.eventsPerSecond,
      '>=',
      5
    ),
    target(
      'ours per-event CPU/event ÷ published per-event CPU/event (0 ms, medians)',
      cpu('ours per-event') / cpu('published per-event'),
      '<=',
      1
    ),
    target(
      'ours batched bytes/event ÷ published per-event bytes/event',
      batched.bytesPerEvent / published.bytesPerEvent,
      '<=',
      0.8
    ),
    target(
      `runtime events/s, analytics-node → durable queue → stand-in (${latencyMs} ms)`,
      find(RUNTIME, latencyMs).eventsPerSecond,
      '>=',
      RUNTIME_TARGET
    )
  ]
}

/** Every scenario delivered every event, without errors, all through the loopback patch. */
function problems(rows: Row[]): string[] {
  return rows.flatMap((row) => {
    const where = `${row.scenario} @ ${row.latencyMs} ms`
    const found: string[] = []
    if (row.delivered !== row.events) found.push(`${where}: stand-in got ${row.delivered} of ${row.events} events`)
    if (row.errors) found.push(`${where}: ${row.errors} events failed, first: ${row.firstError}`)
    if (row.routedRequests !== row.requests) {
      found.push(`${where}: ${row.routedRequests} requests rerouted but the stand-in saw ${row.requests}`)
    }
    return found
  })
}

async function main() {
  const startedAt = new Date()
  const clock = performance.now()
  const events = option('events', 10000, 1)
  const latencyMs = option('latency', 20, 0)
  const concurrency = option('concurrency', 10, 1)
  const cpuRepeats = option('cpu-repeats', 5, 1)
  const runtimeEvents = option('runtime-events', 50000, 1)
  if (!existsSync(PUBLISHED)) throw new Error('The published destination is not installed: npm ci --prefix bench')
  if (!existsSync(RUNTIME_CLI)) throw new Error('The runtime is not built: npm run build')
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    ramGB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`
  }
  console.log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGB} GB RAM, Node ${machine.node}`)
  console.log(
    `Run: ${events} events, stand-in latency ${latencyMs} ms (then 0 ms, per-event runs ${cpuRepeats}× each), ` +
      `${concurrency} in flight per-event; runtime: ${runtimeEvents} events from analytics-node\n`
  )

  const rows: Row[] = []
  const extras: Record<string, object> = {}
  // At the configured latency: each scenario once, then the runtime.
  let standIn = await startStandIn(latencyMs)
  try {
    for (const scenario of SCENARIOS)
      rows.push(await runScenario(scenario, standIn.url, latencyMs, events, concurrency))
    const { extra, ...runtime } = await runRuntime(standIn.url, latencyMs, runtimeEvents)
    rows.push(runtime)
    extras.runtime = extra
    const { extra: extraNormal, ...normal } = await runRuntime(standIn.url, latencyMs, runtimeEvents, RUNTIME_NORMAL)
    rows.push(normal)
    extras[RUNTIME_NORMAL] = extraNormal
    const { extra: extraNoDedupe, ...noDedupe } = await runRuntime(
      standIn.url,
      latencyMs,
      runtimeEvents,
      RUNTIME_NO_DEDUPE
    )
    rows.push(noDedupe)
    extras[RUNTIME_NO_DEDUPE] = extraNoDedupe
    extras.dedupeIndex = {
      cpuMicrosPerEvent: runtime.cpuMicrosPerEvent - noDedupe.cpuMicrosPerEvent,
      eventsPerSecondRatio: runtime.eventsPerSecond / noDedupe.eventsPerSecond
    }
    // The same on Redis (REDIS_URL): one runtime, then two sharing the queue.
    const redis = await startRedisServer()
    if (!redis) console.log('  no redis-server (REDIS_SERVER or /usr/bin/redis-server): the Redis rows are skipped')
    try {
      for (const scenario of redis ? ([REDIS_ONE, REDIS_TWO] as const) : []) {
        const { extra: more, ...row } = await runRuntime(standIn.url, latencyMs, runtimeEvents, scenario, redis)
        rows.push(row)
        extras[scenario] = more
      }
      if (redis) extras.redisDedupe = await redisDedupeCost(redis.url)
    } finally {
      await redis?.stop()
    }
  } finally {
    standIn.stop()
  }
  // At 0 ms, for CPU: the per-event runs of both sides alternate, `cpuRepeats` times each.
  standIn = await startStandIn(0)
  try {
    for (let run = 1; run <= cpuRepeats; run++) {
      for (const scenario of ['ours per-event', 'published per-event'] as const) {
        rows.push({ ...(await runScenario(scenario, standIn.url, 0, events, concurrency)), run })
      }
    }
    rows.push(await runScenario('ours batched', standIn.url, 0, events, concurrency))
    rows.push(await runScenario('ours app batched', standIn.url, 0, events, concurrency))
  } finally {
    standIn.stop()
  }
  // The cost of source routing per event, in its own process (no stand-in: routing only).
  const routing = await resultOf<RoutingResult>(
    child(['bench/routing.ts', '--events', '100000', '--repeats', String(cpuRepeats)]),
    'routing'
  )
  extras.routing = routing

  // Segment's limits at intake, on the per-event path: their cost in this process, in one row.
  const intake = intakeCost()
  extras.intake = intake
  console.log(`\n${table(rows)}\n`)
  const dedupe = extras.dedupeIndex as { cpuMicrosPerEvent: number; eventsPerSecondRatio: number }
  console.log(
    `messageId index (${RUNTIME} − ${RUNTIME_NO_DEDUPE}): ${dedupe.cpuMicrosPerEvent.toFixed(0)} µs of CPU per event, ` +
      `events/s × ${dedupe.eventsPerSecondRatio.toFixed(2)}`
  )
  const redisDedupe = extras.redisDedupe as RedisDedupeCost | undefined
  if (redisDedupe) {
    console.log(
      `messageId index on Redis (${redisDedupe.events} events appended): ${redisDedupe.withMicros.toFixed(1)} µs of ` +
        `Redis CPU per event (${redisDedupe.withoutMicros.toFixed(1)} with DEDUPE_WINDOW_MS=0, ` +
        `×${(redisDedupe.withMicros / redisDedupe.withoutMicros).toFixed(2)}), ${redisDedupe.bytesPerMessageId} bytes ` +
        'of Redis memory per messageId for the window'
    )
  }
  const cpuAt0 = (scenario: Scenario) => rows.find((r) => r.scenario === scenario && r.latencyMs === 0 && !r.run)
  const appRatio = cpuAt0('ours app batched')!.cpuMicrosPerEvent / cpuAt0('ours batched')!.cpuMicrosPerEvent
  extras.appEvent = { appOverWebCpuPerEvent: appRatio }
  console.log(
    [
      `Source routing, ${routing.events} events (half iOS, half server), CPU µs per event (medians of ${cpuRepeats}):`,
      `  now: ${routing.subscriptions} presets, kind of source then trigger  ${routing.sourceRoutingMicros.toFixed(2)}`,
      `  before: the 15 web presets, trigger only          ${routing.webTriggersOnlyMicros.toFixed(2)}`,
      `  the kind of source alone (sourceKindOf)           ${routing.kindOnlyMicros.toFixed(2)}`,
      `An app event, batched: CPU/event ÷ a web event's (0 ms)  ${appRatio.toFixed(2)}\n`
    ].join('\n')
  )
  console.log(
    `Intake (a /v1/batch of ${intake.events} events parsed): ${intake.withChecksMicros.toFixed(1)} µs/event with ` +
      `the UTF-8 check and the 32 KB measure of each event, ${intake.withoutChecksMicros.toFixed(1)} without ` +
      `(×${(intake.withChecksMicros / intake.withoutChecksMicros).toFixed(2)})\n`
  )
  // Identity memory's lookup before routing, on the session corpus: on (SQLite) against off.
  const identity = await identityCost(cpuRepeats)
  extras.identity = { ...identity, onOverOff: identity.onMicros / identity.offMicros }
  console.log(
    `Identity memory (${identity.events} events of sessions.ts, before routing): ${identity.onMicros.toFixed(1)} µs/event ` +
      `on (SQLite), ${identity.offMicros.toFixed(1)} off (×${(identity.onMicros / identity.offMicros).toFixed(1)})\n`
  )
  const results = targets(rows, latencyMs)
  const width = Math.max(...results.map((t) => t.name.length))
  for (const t of results) {
    console.log(`${t.pass ? 'PASS' : 'FAIL'}  ${t.name.padEnd(width)}  ${t.value.toFixed(2).padStart(8)}  (${t.limit})`)
  }
  const lost = problems(rows)
  if (lost.length) {
    const bar = '!'.repeat(80)
    console.error(
      `\n${bar}\nWARNING: EVENTS LOST OR FAILED: THE NUMBERS ABOVE ARE NOT VALID\n${lost.join('\n')}\n${bar}`
    )
  }
  const wallSeconds = (performance.now() - clock) / 1000
  const file = path.join(__dirname, 'results.json')
  const options = { events, latencyMs, concurrency, batch: BATCH, cpuRepeats, runtimeEvents }
  const report = { startedAt, wallSeconds, machine, options, scenarios: rows, extras, targets: results, problems: lost }
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
  console.log(`\nTotal ${wallSeconds.toFixed(1)} s; results in ${path.relative(process.cwd(), file)}`)
  process.exitCode = lost.length ? 1 : 0
}

main().catch((error) => {
  console.error(error)
  killChildren()
  process.exit(1)
})
