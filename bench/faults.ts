/**
 * `npm run faults`: the fault table of docs/operations.md, rerun at its own sizes against the built runtime (`dist/cli.js`,
 * live, in its own process) and a TikTok stand-in, with @segment/analytics-node as the client. For each
 * fault: events accepted by the Tracking API, delivered (distinct event ids TikTok accepted),
 * dead-lettered (lines in the file) and lost (accepted, neither delivered nor dead-lettered).
 * Then the queue's bad day: kill -9 while batches are out, a client's retries, a full disk (an 8 MB tmpfs:
 * run as root), a damaged queue file (its lost events do not fail the table: the fault destroys them).
 * Then steady traffic (1,500 events a second for 120 s, and for 10 minutes) with the runtime's RSS
 * sampled. A row that misses its target (docs/operations.md) says so, and the exit code is 1.
 * Takes about 19 minutes (a 60 s outage, a 15 s refusal, a 10 s slow TikTok, 2 + 10 minutes of traffic).
 * `npm run faults -- diskFull` runs one.
 */
import { Analytics } from '@segment/analytics-node'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { replayFile } from '../src/runtime/tools/replay-file'
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
  /** Its log so far. */
  stderr: () => string
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
      if (listening) resolve({ child, url: listening[1], pid: Number(listening[2]), exit, stderr: () => stderr })
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
  /** Times TikTok took each event_id (more than 1: sent again). */
  const times = new Map<string, number>()
  const standIn = await startTikTokStandIn({
    latencyMs,
    keepBodies: false,
    script: switchableScript(
      () => state.mode,
      'No permission to operate pixel code',
      (id) => {
        delivered.add(id)
        times.set(id, (times.get(id) ?? 0) + 1)
      }
    )
  })
  const duplicates = () => [...times.values()].reduce((sum, n) => sum + n - 1, 0)
  return { standIn, state, delivered, duplicates }
}

/** Posts batches of 100 Order Completed events from `from` on; resolves with those answered 200 (and the first refusal's status). */
async function post(url: string, count: number, from = 0, stopAtRefusal = false) {
  const accepted = new Set<string>()
  const events = orderCompletedEvents(from + count).slice(from)
  let refused: number | undefined
  for (let i = 0; i < events.length; i += 100) {
    const batch = events.slice(i, i + 100)
    const answer = await fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ batch })
    })
    if (answer.status === 200) for (const event of batch) accepted.add(event.messageId as string)
    else if (((refused ??= answer.status), stopAtRefusal)) break
  }
  return { accepted, refused }
}

const health = async (url: string) =>
  (await (await fetch(`${url}/health`)).json()) as { status: string; reason?: string; pending: number }

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
  /** The fault itself destroys events (a damaged file): what is lost does not fail the table. */
  destroys?: boolean
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

/** TikTok answers each batch in 10 s: slow, but within the plugin's 15 s request timeout (a slower one times out and is retried). */
async function slow(): Promise<Row> {
  const { standIn, delivered } = await tiktok(10_000)
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'faults-'))
  const runtime = await start({ TIKTOK_API_URL: standIn.url, DATA_DIR: dataDir, QUEUE_LIMIT: '500' })
  const accepted = await send(runtime.url, 3000)
  await until(() => delivered.size >= accepted.size, 180_000)
  runtime.child.kill('SIGTERM')
  await runtime.exit
  await standIn.close()
  return row(
    '`QUEUE_LIMIT=500`, TikTok slow 10 s',
    accepted,
    delivered,
    deadLettered(dataDir),
    'the client waited as Retry-After said'
  )
}

/** kill -9 while batches are out to a TikTok that takes 2 s to answer; a restart sends them again, after the rest. */
async function inFlight(): Promise<Row> {
  const { standIn, delivered, duplicates } = await tiktok(2000)
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'faults-'))
  const first = await start({ TIKTOK_API_URL: standIn.url, DATA_DIR: dataDir })
  const { accepted } = await post(first.url, 5000)
  await until(() => standIn.stats.requests >= 2, 30_000)
  process.kill(first.pid, 'SIGKILL')
  await first.exit
  const second = await start({ TIKTOK_API_URL: standIn.url, DATA_DIR: dataDir })
  await until(() => delivered.size >= accepted.size, 120_000)
  second.child.kill('SIGTERM')
  await second.exit
  await standIn.close()
  const resumed = /resuming deliveries that were being sent when the runtime stopped events=(\d+)/.exec(second.stderr())
  return row(
    '`kill -9` while batches are out to TikTok (2 s a batch), then a restart',
    accepted,
    delivered,
    deadLettered(dataDir),
    `${duplicates()} sent twice (out at the kill: ${resumed?.[1] ?? 0} marked sent, sent again after the rest; same event_id)`
  )
}

/** The same batch of 500 posted three times at once, as a client's retries after a timeout. */
async function retries(): Promise<Row> {
  const { standIn, delivered, duplicates } = await tiktok()
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'faults-'))
  const runtime = await start({ TIKTOK_API_URL: standIn.url, DATA_DIR: dataDir })
  const answers = await Promise.all([1, 2, 3].map(() => post(runtime.url, 500)))
  const accepted = new Set(answers.flatMap(({ accepted: ids }) => [...ids]))
  await until(() => delivered.size >= accepted.size, 30_000)
  await sleep(1000)
  runtime.child.kill('SIGTERM')
  await runtime.exit
  await standIn.close()
  const sent = answers.reduce((sum, answer) => sum + answer.accepted.size, 0)
  return row(
    'the same batch of 500 posted three times at once',
    accepted,
    delivered,
    deadLettered(dataDir),
    `${sent} accepted answers; ${duplicates()} duplicates at TikTok`
  )
}

/**
 * DATA_DIR on an 8 MB tmpfs (root only), TikTok answering 503, events until the runtime refuses; TikTok back
 * while the disk is still full; then room (the tmpfs grown), a stop and a restart.
 */
async function diskFull(): Promise<Row> {
  if (process.getuid?.() !== 0) throw new Error('diskFull mounts a tmpfs: run as root')
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'faults-tmpfs-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', dataDir])
  try {
    const { standIn, state, delivered, duplicates } = await tiktok()
    state.mode = '503'
    const first = await start({ TIKTOK_API_URL: standIn.url, DATA_DIR: dataDir })
    const { accepted, refused } = await post(first.url, 20_000, 0, true)
    const full = await health(first.url)
    state.mode = 'ok'
    await until(() => delivered.size >= accepted.size, 60_000)
    const pendingWhileFull = (await health(first.url)).pending
    const roomAt = Date.now()
    execFileSync('mount', ['-o', 'remount,size=64m', dataDir])
    await until(() => /disk has room again/.test(first.stderr()), 30_000)
    const written = ((Date.now() - roomAt) / 1000).toFixed(1)
    first.child.kill('SIGTERM')
    await first.exit
    const stillQueued = / still_queued=(\d+)/.exec(first.stderr())?.[1]
    const requests = standIn.stats.requests
    const second = await start({ TIKTOK_API_URL: standIn.url, DATA_DIR: dataDir })
    const pendingAfterRestart = (await health(second.url)).pending
    await sleep(2000)
    second.child.kill('SIGTERM')
    await second.exit
    await standIn.close()
    const disk = /^the disk of \S+ is full \(([^,]+) free/.exec(full.reason ?? '')?.[1]
    return row(
      '`DATA_DIR` on an 8 MB tmpfs, TikTok 503, then TikTok back, then room',
      accepted,
      delivered,
      deadLettered(dataDir),
      `refused with ${refused}; /health ${full.status} naming the disk (${disk} free); pending ${pendingWhileFull} once delivered while full; written ${written} s after room; still_queued=${stillQueued}; after a restart pending ${pendingAfterRestart}, ${standIn.stats.requests - requests} requests; ${duplicates()} duplicates; "disk full" logged ${(first.stderr().match(/ error disk full /g) ?? []).length} time(s)`
    )
  } finally {
    execFileSync('umount', ['-l', dataDir])
  }
}

/** 2,000 events queued (TikTok 503), a stop, 64 KB of the queue file overwritten, a start; salvage, then replay. */
async function damaged(): Promise<Row> {
  const { standIn, state, delivered } = await tiktok()
  state.mode = '503'
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'faults-'))
  const first = await start({ TIKTOK_API_URL: standIn.url, DATA_DIR: dataDir })
  const { accepted } = await post(first.url, 2000)
  first.child.kill('SIGTERM')
  await first.exit
  const file = path.join(dataDir, 'queue.db')
  const fd = openSync(file, 'r+')
  writeSync(fd, randomBytes(65536), 0, 65536, Math.floor(statSync(file).size / 2 / 4096) * 4096)
  closeSync(fd)
  state.mode = 'ok'
  const startedAt = Date.now()
  const second = await start({ TIKTOK_API_URL: standIn.url, DATA_DIR: dataDir })
  const startSeconds = ((Date.now() - startedAt) / 1000).toFixed(1)
  const status = (await health(second.url)).status
  const fresh = await post(second.url, 100, 10_000)
  await until(() => [...fresh.accepted].every((id) => delivered.has(id)), 30_000)
  const aside = readdirSync(dataDir).find((name) => /^queue\.db\.damaged-[\dTZ-]+$/.test(name))!
  execFileSync(process.execPath, [CLI, 'salvage', path.join(dataDir, aside)], { stdio: 'ignore' })
  const receipt = JSON.parse(readFileSync(path.join(dataDir, `${aside}.salvaged`), 'utf8'))
  await replayFile(receipt.out, { url: second.url, say: () => undefined })
  await until(() => delivered.size >= receipt.recovered + fresh.accepted.size, 30_000)
  await sleep(1000)
  second.child.kill('SIGTERM')
  await second.exit
  await standIn.close()
  return {
    ...row(
      'queue file checkpointed, 64 KB overwritten, a start; salvage, then replay',
      new Set([...accepted, ...fresh.accepted]),
      delivered,
      deadLettered(dataDir),
      `started in ${startSeconds} s on a fresh queue (/health ${status}), new events delivered; salvage read ${receipt.recovered} of ${accepted.size} (${receipt.unreadablePages} pages and ${receipt.unreadableRows} rows unreadable: the lost), replayed and delivered`
    ),
    destroys: true
  }
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
  const all = [
    killNine,
    termThenKill,
    poison,
    outage,
    refusal,
    slow,
    inFlight,
    retries,
    diskFull,
    damaged,
    steady,
    soak
  ]
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
  process.exit(rows.some((r) => (r.lost > 0 && !r.destroys) || r.missed) ? 1 : 0)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
