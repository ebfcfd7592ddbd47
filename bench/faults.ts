/**
 * `npm run faults`: the fault table of docs/operations.md, rerun at its own sizes against the built runtime (`dist/cli.js`,
 * live, in its own process) and a TikTok stand-in, with @segment/analytics-node as the client. For each
 * fault: events accepted by the Tracking API, delivered (distinct event ids TikTok accepted),
 * dead-lettered (lines in the file) and lost (accepted, neither delivered nor dead-lettered).
 * Then steady traffic (1,500 events a second for 120 s, and for 10 minutes) with the runtime's RSS
 * sampled. A row that misses its target (docs/operations.md) says so, and the exit code is 1.
 * Takes about 17 minutes (a 60 s outage, a 15 s refusal, a 20 s slow TikTok, 2 + 10 minutes of traffic).
 */
import { Analytics } from '@segment/analytics-node'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startTikTokStandIn } from '../src/runtime/tools/standin'
import { switchableScript, type TikTokAnswer } from '../test/support/switchable-tiktok'
import { orderCompletedEvents } from './events'
import { countingTikTok, rssMb, sampleAt, steadyLoad, type Sample } from './steady-load'

const CLI = path.join(__dirname, '..', 'dist', 'cli.js')

interface Runtime {
  child: ChildProcess
  url: string
  /** The runtime's own process (its first log line says it): what signals and RSS are about. */
  pid: number
  exit: Promise<number | null>
}

function start(env: Record<string, string>): Promise<Runtime> {
  const child = spawn(process.execPath, [CLI], {
    env: { ...process.env, PORT: '0', TIKTOK_ACCESS_TOKEN: 'faults-table-token', TIKTOK_PIXEL_CODE: 'FAULTS', ...env },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve))
  let stderr = ''
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      const listening = stderr.match(/ listening url=(\S+) pid=(\d+)/)
      if (listening) resolve({ child, url: listening[1], pid: Number(listening[2]), exit })
    })
    void exit.then((code) => reject(new Error(`runtime exited with ${code}: ${stderr}`)))
  })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const startAt = Date.now()
  while (!condition()) {
    if (Date.now() - startAt > timeoutMs) return false
    await sleep(50)
  }
  return true
}

/** Sends with analytics-node; resolves with the messageIds the Tracking API accepted. */
async function send(url: string, count: number, from = 0): Promise<Set<string>> {
  const accepted = new Set<string>()
  const errors = new Map<string, number>()
  const analytics = new Analytics({ writeKey: 'faults', host: url, flushAt: 100, flushInterval: 50 })
  const events = orderCompletedEvents(from + count).slice(from)
  for (const event of events) {
    const { userId, event: name, properties, context, messageId } = event
    analytics.track({ userId: userId as string, event: name as string, properties, context, messageId }, (error) => {
      if (error === undefined) accepted.add(messageId as string)
      else errors.set(String(error), (errors.get(String(error)) ?? 0) + 1)
    })
  }
  await analytics.closeAndFlush({ timeout: 600_000 })
  for (const [message, count] of errors) console.log(`  client: ${count} event(s) failed: ${message}`)
  return accepted
}

async function tiktok(latencyMs = 0) {
  const state: { mode: TikTokAnswer } = { mode: 'ok' }
  const delivered = new Set<string>()
  const standIn = await startTikTokStandIn({
    latencyMs,
    keepBodies: false,
    script: switchableScript(
      () => state.mode,
      'No permission to operate pixel code',
      (id) => delivered.add(id)
    )
  })
  return { standIn, state, delivered }
}

const deadLettered = (dataDir: string) => {
  const file = path.join(dataDir, 'dead-letter.jsonl')
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0
}

interface Row {
  fault: string
  accepted: number
  delivered: number
  deadLettered: number
  lost: number
  note: string
  /** What the row must show and did not (a target of docs/operations.md), if any. */
  missed?: string
}

function row(fault: string, accepted: Set<string>, delivered: Set<string>, dead: number, note: string): Row {
  const lost = [...accepted].filter((id) => !delivered.has(id)).length - dead
  return {
    fault,
    accepted: accepted.size,
    delivered: [...accepted].filter((id) => delivered.has(id)).length,
    deadLettered: dead,
    lost: Math.max(0, lost),
    note
  }
}

/** 5,000 events while TikTok answers 503; the runtime is stopped by `stop`; a restart with TikTok back delivers. */
async function stopThenRestart(fault: string, stop: (runtime: Runtime) => Promise<string>): Promise<Row> {
  const { standIn, state, delivered } = await tiktok()
  state.mode = '503'
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'faults-'))
  const first = await start({ TIKTOK_API_URL: standIn.url, DATA_DIR: dataDir })
  const accepted = await send(first.url, 5000)
  const note = await stop(first)
  state.mode = 'ok'
  const second = await start({ TIKTOK_API_URL: standIn.url, DATA_DIR: dataDir })
  await until(() => delivered.size >= accepted.size, 60_000)
  second.child.kill('SIGTERM')
  await second.exit
  await standIn.close()
  return row(fault, accepted, delivered, deadLettered(dataDir), note)
}

const killNine = () =>
  stopThenRestart('`kill -9` while TikTok answers 503, then a restart', async (runtime) => {
    process.kill(runtime.pid, 'SIGKILL')
    await runtime.exit
    return ''
  })

const termThenKill = () =>
  stopThenRestart('SIGTERM, then SIGKILL after 10 s, then a restart', async (runtime) => {
    const stoppedAt = Date.now()
    runtime.child.kill('SIGTERM')
    const killer = setTimeout(() => process.kill(runtime.pid, 'SIGKILL'), 10_000)
    const code = await runtime.exit
    clearTimeout(killer)
    const seconds = ((Date.now() - stoppedAt) / 1000).toFixed(1)
    return `exited ${code === null ? 'by SIGKILL' : `with ${code}`} ${seconds} s after SIGTERM`
  })

async function poison(): Promise<Row> {
  const { standIn, delivered } = await tiktok()
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'faults-'))
  // The batch is about 1 MB: over the Tracking API's 500 KB unless MAX_BATCH_KB says more.
  const runtime = await start({ TIKTOK_API_URL: standIn.url, DATA_DIR: dataDir, MAX_BATCH_KB: '1024' })
  const events = orderCompletedEvents(1000)
  const texts = events.map((event) => JSON.stringify(event))
  const deep = '{"n":'.repeat(5000) + '1' + '}'.repeat(5000)
  texts[999] = JSON.stringify({ ...events[999], properties: { deep: '__DEEP__' } }).replace('"__DEEP__"', deep)
  const answer = await fetch(`${runtime.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: `{"batch":[${texts.join(',')}]}`
  })
  const accepted = new Set(answer.status === 200 ? events.map((event) => event.messageId as string) : [])
  await until(() => delivered.size >= 999 && deadLettered(dataDir) >= 1, 30_000)
  runtime.child.kill('SIGTERM')
  await runtime.exit
  await standIn.close()
  const record = JSON.parse(readFileSync(path.join(dataDir, 'dead-letter.jsonl'), 'utf8').split('\n')[0])
  return row(
    'one `/v1/batch` of 999 good events + 1 nested 5,000 deep (`WORKERS` default, `MAX_BATCH_KB=1024`)',
    accepted,
    delivered,
    deadLettered(dataDir),
    `reason: "${String(record.reason).slice(0, 60)}…"`
  )
}

/** `count` events while TikTok answers `mode` for `seconds`; then it is back, and every event arrives. */
async function failingFor(mode: TikTokAnswer, seconds: number, count: number) {
  const { standIn, state, delivered } = await tiktok()
  state.mode = mode
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'faults-'))
  const runtime = await start({ TIKTOK_API_URL: standIn.url, DATA_DIR: dataDir })
  const started = Date.now()
  const accepted = await send(runtime.url, count)
  await sleep(Math.max(0, seconds * 1000 - (Date.now() - started)))
  const during = {
    requests: standIn.stats.requests,
    health: ((await (await fetch(`${runtime.url}/health`)).json()) as { status: string }).status
  }
  state.mode = 'ok'
  await until(() => delivered.size >= accepted.size, 120_000)
  const after = ((Date.now() - started) / 1000 - seconds).toFixed(1)
  runtime.child.kill('SIGTERM')
  await runtime.exit
  await standIn.close()
  return { accepted, delivered, dead: deadLettered(dataDir), during, after }
}

/** docs/operations.md: 1,000 events held by a 60 s outage, all delivered within 15 s of TikTok's return. */
async function outage(): Promise<Row> {
  const { accepted, delivered, dead, during, after } = await failingFor('503', 60, 1000)
  const note = `${during.requests} requests during the outage; all delivered ${after} s after it ended`
  const missed = Number(after) > 15 ? `delivered ${after} s after TikTok's return, over 15 s` : undefined
  return { ...row('TikTok 503 for 60 s, 1,000 events', accepted, delivered, dead, note), missed }
}

async function refusal(): Promise<Row> {
  const { accepted, delivered, dead, during, after } = await failingFor('40001', 15, 1000)
  const note = `/health ${during.health} during it; ${during.requests} request(s) while held; delivered ${after} s after (next probe, AUTH_RETRY_MS 60 s)`
  return row('TikTok refuses the token (40001) for 15 s', accepted, delivered, dead, note)
}

async function slow(): Promise<Row> {
  const { standIn, delivered } = await tiktok(20_000)
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'faults-'))
  const runtime = await start({ TIKTOK_API_URL: standIn.url, DATA_DIR: dataDir, QUEUE_LIMIT: '500' })
  const accepted = await send(runtime.url, 3000)
  await until(() => delivered.size >= accepted.size, 180_000)
  runtime.child.kill('SIGTERM')
  await runtime.exit
  await standIn.close()
  return row(
    '`QUEUE_LIMIT=500`, TikTok slow 20 s',
    accepted,
    delivered,
    deadLettered(dataDir),
    'the client waited as Retry-After said'
  )
}

const mb = (value: number) => `${Math.round(value)} MB`

/**
 * 1,500 events a second for `seconds` into a live runtime with its defaults, TikTok healthy: every
 * event must arrive once; `target` judges the RSS samples (taken every 5 s, the last once traffic stopped).
 */
async function steadyTraffic(
  fault: string,
  seconds: number,
  target: (samples: Sample[]) => string | undefined
): Promise<Row> {
  const { standIn, received } = await countingTikTok()
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'faults-'))
  const runtime = await start({ TIKTOK_API_URL: standIn.url, DATA_DIR: dataDir })
  const { accepted, refused, samples } = await steadyLoad(runtime.url, runtime.pid, {
    rate: 1500,
    seconds,
    delivered: () => received.size
  })
  await until(() => received.size >= accepted.size, 120_000)
  const drained = rssMb(runtime.pid)
  runtime.child.kill('SIGTERM')
  await runtime.exit
  await standIn.close()
  const delivered = new Set([...accepted].filter((id) => received.has(id)))
  const duplicates = [...received.values()].reduce((sum, times) => sum + times - 1, 0)
  const peak = Math.max(...samples.map((sample) => sample.rssMb))
  const minute = sampleAt(samples, 60)
  const end = samples[samples.length - 1]
  const refusedNote = [...refused].map(([status, count]) => `${count}×${status || 'no answer'}`).join(', ')
  const missed = [
    duplicates > 0 ? `${duplicates} duplicates` : undefined,
    delivered.size < accepted.size ? `${accepted.size - delivered.size} not delivered` : undefined,
    target(samples)
  ].filter(Boolean)
  const note =
    `RSS ${mb(samples[0].rssMb)} at start, ${mb(minute.rssMb)} at ${Math.round(minute.at)} s, peak ${mb(peak)}, ` +
    `${mb(end.rssMb)} at the end (${Math.round(end.at)} s), ${mb(drained)} once drained; ` +
    `${duplicates} duplicates${refusedNote ? `; refused: ${refusedNote}` : ''}`
  return {
    ...row(fault, accepted, new Set(received.keys()), deadLettered(dataDir), note),
    missed: missed.length ? missed.join('; ') : undefined
  }
}

/** docs/operations.md: 120 s at 1,500 events/s, all delivered once, RSS at the end ≤ 400 MB. */
const steady = () =>
  steadyTraffic('1,500 events/s for 120 s (defaults)', 120, (samples) => {
    const end = samples[samples.length - 1].rssMb
    return end > 400 ? `RSS ${mb(end)} at the end, over 400 MB` : undefined
  })

/** docs/operations.md: 10 minutes at 1,500 events/s end with RSS within 1.5× of its value at minute 1. */
const soak = () =>
  steadyTraffic('1,500 events/s for 10 minutes (defaults)', Number(process.env.SOAK_SECONDS ?? 600), (samples) => {
    const minute = sampleAt(samples, 60).rssMb
    const end = samples[samples.length - 1].rssMb
    return end > 1.5 * minute ? `RSS ${mb(end)} at the end, over 1.5 × ${mb(minute)} (minute 1)` : undefined
  })

async function main() {
  if (!existsSync(CLI)) throw new Error('build first: npm run build')
  const rows: Row[] = []
  const only = process.argv[2]
  const all = [killNine, termThenKill, poison, outage, refusal, slow, steady, soak]
  for (const scenario of all.filter((candidate) => !only || candidate.name === only)) {
    const result = await scenario()
    console.log(JSON.stringify(result))
    rows.push(result)
  }
  console.log('\n| fault | accepted | delivered | dead-lettered | lost | note |\n|---|---|---|---|---|---|')
  for (const r of rows) {
    const note = r.missed ? `${r.note} — **MISSED: ${r.missed}**` : r.note
    console.log(`| ${r.fault} | ${r.accepted} | ${r.delivered} | ${r.deadLettered} | ${r.lost} | ${note} |`)
  }
  process.exit(rows.some((r) => r.lost > 0 || r.missed) ? 1 : 0)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
