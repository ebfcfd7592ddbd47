/**
 * `npm run faults:redis`: Redis's bad days at the sizes, against the built runtime (`dist/cli.js`,
 * live, in its own process), a redis-server of its own (`REDIS_SERVER`, default /usr/bin/redis-server) and
 * a TikTok stand-in. For each: events accepted, delivered once, sent more than once, lost, and the
 * row's own measure. A row that misses its target (docs/operations.md) says so, and the exit code is 1.
 * - `full`: maxmemory 20mb (noeviction), TikTok answering 503 while clients fill it, then 200: the stream
 *   drains to 0 within 60 s, every accepted event delivered once, intake back.
 * - `empty`: no persistence, 2,000 events queued (TikTok 503), Redis restarted: /health says how many may be
 *   lost, the runtime stays live, new events delivered once.
 * - `stall`: `DEBUG SLEEP 15` while a batch of 1,600 is posted (answered 503), the client sends it again
 *   once Redis answers: each event delivered once.
 * `npm run faults:redis -- full` runs one.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import Redis from 'ioredis'
import { startTikTokStandIn } from '../src/runtime/tools/standin'
import { switchableScript, type TikTokAnswer } from '../test/support/switchable-tiktok'
import { orderCompletedEvents } from './events'

const CLI = path.join(__dirname, '..', 'dist', 'cli.js')
const REDIS = process.env.REDIS_SERVER || '/usr/bin/redis-server'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const startAt = Date.now()
  while (!(await condition())) {
    if (Date.now() - startAt > timeoutMs) return false
    await sleep(50)
  }
  return true
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

/** A redis-server on a free port without persistence, with `args`; restartable on the same port. */
async function redisServer(args: string[]) {
  const port = await freePort()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tiktok-faults-redis-'))
  let child: ChildProcess | undefined
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...args])
      child = proc
      let out = ''
      proc.stdout!.on('data', (chunk: Buffer) => (out += chunk) && out.includes('Ready to accept') && resolve())
      proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)))
    })
  await start()
  const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 3 })
  client.on('error', () => undefined)
  return {
    url: `redis://127.0.0.1:${port}`,
    client,
    async restart() {
      child!.kill('SIGKILL')
      await new Promise((resolve) => child!.once('exit', resolve))
      await start()
    },
    stop() {
      client.disconnect()
      child?.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

async function runtime(redisUrl: string, tiktokUrl: string) {
  const child = spawn(process.execPath, [CLI], {
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'tiktok-faults-')),
      REDIS_URL: redisUrl,
      REDIS_PREFIX: 'faults:',
      TIKTOK_ACCESS_TOKEN: 'faults-table-token',
      TIKTOK_PIXEL_CODE: 'FAULTS',
      TIKTOK_API_URL: tiktokUrl
    },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      const listening = / listening url=(\S+)/.exec(stderr)
      if (listening) resolve(listening[1])
    })
    child.once('exit', (code) => reject(new Error(`runtime exited with ${code}: ${stderr}`)))
  })
  return { url, log: () => stderr, stop: () => child.kill('SIGKILL') }
}

async function tiktok() {
  const state: { mode: TikTokAnswer } = { mode: '503' }
  const times = new Map<string, number>()
  const standIn = await startTikTokStandIn({
    keepBodies: false,
    script: switchableScript(
      () => state.mode,
      '',
      (id) => times.set(id, (times.get(id) ?? 0) + 1)
    )
  })
  const duplicates = () => [...times.values()].reduce((sum, n) => sum + n - 1, 0)
  return { standIn, state, times, duplicates }
}

const postBatch = (url: string, batch: object[]) =>
  fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ batch })
  }).then((response) => response.status)

const health = async (url: string) =>
  (await (await fetch(`${url}/health`)).json()) as { status: string; reason?: string; mode: string }

interface Row {
  fault: string
  accepted: number
  delivered: number
  duplicates: number
  lost: number
  measure: string
  ok: boolean
}

function row(
  fault: string,
  accepted: string[],
  times: Map<string, number>,
  duplicates: number,
  measure: string,
  ok: boolean
): Row {
  const delivered = accepted.filter((id) => times.has(id)).length
  return { fault, accepted: accepted.length, delivered, duplicates, lost: accepted.length - delivered, measure, ok }
}

async function full(): Promise<Row> {
  const redis = await redisServer(['--maxmemory', '20mb', '--maxmemory-policy', 'noeviction'])
  const { standIn, state, times, duplicates } = await tiktok()
  const { url, log, stop } = await runtime(redis.url, standIn.url)
  const events = orderCompletedEvents(60_000)
  const accepted: string[] = []
  let refusals = 0
  // 90 s of clients: batches of 100 as fast as answered; refused ones are not sent again.
  const fillUntil = Date.now() + 90_000
  for (let i = 0; Date.now() < fillUntil && i < events.length; i += 100) {
    const batch = events.slice(i, i + 100)
    if ((await postBatch(url, batch)) === 200) accepted.push(...batch.map((event) => event.messageId as string))
    else if (refusals++ > 20) break
  }
  const named = (await health(url)).reason?.startsWith('Redis is out of memory') === true
  state.mode = 'ok'
  const back = Date.now()
  const drained = await until(async () => (await redis.client.xlen('faults:queue')) === 0, 60_000)
  const drainSeconds = (Date.now() - back) / 1000
  const intakeBack = await until(async () => (await postBatch(url, events.slice(59_900))) === 200, 15_000)
  await sleep(2_000)
  const oomLines = (log().match(/ error Redis out of memory /g) ?? []).length
  stop()
  await standIn.close()
  redis.stop()
  const ok = refusals > 0 && named && drained && intakeBack && duplicates() === 0 && oomLines === 1
  const measure = `${refusals} refusals, /health named Redis: ${named}, drained in ${drainSeconds.toFixed(1)} s, intake back: ${intakeBack}, logged once: ${oomLines === 1}`
  return row('full', accepted, times, duplicates(), measure, ok)
}

async function empty(): Promise<Row> {
  const redis = await redisServer(['--appendonly', 'no'])
  const { standIn, state, times, duplicates } = await tiktok()
  const { url, log, stop } = await runtime(redis.url, standIn.url)
  const events = orderCompletedEvents(2_200)
  for (let i = 0; i < 2_000; i += 100) await postBatch(url, events.slice(i, i + 100))
  await until(async () => (await redis.client.xlen('faults:queue')) === 2_000, 10_000)
  await sleep(1_500)
  await redis.restart()
  const said = await until(
    async () => (await health(url).catch(() => ({ reason: '' }))).reason?.includes('came back empty') === true,
    20_000
  )
  const { reason, mode } = await health(url)
  state.mode = 'ok'
  const fresh = events.slice(2_000).map((event) => event.messageId as string)
  const accepted = (await postBatch(url, events.slice(2_000))) === 200 ? fresh : []
  const delivered = await until(() => fresh.every((id) => times.has(id)), 20_000)
  const takenOver = log().includes('taken over by another runtime')
  stop()
  await standIn.close()
  redis.stop()
  const lostUpTo = /up to (\d+) queued events were lost/.exec(reason ?? '')?.[1]
  const ok = said && lostUpTo === '2000' && mode === 'live' && delivered && !takenOver && duplicates() === 0
  const measure = `/health: "up to ${lostUpTo} queued events were lost", mode ${mode}, 200 new events delivered: ${delivered}, "taken over" in the log: ${takenOver}`
  return row('empty', accepted, times, duplicates(), measure, ok)
}

async function stall(): Promise<Row> {
  const redis = await redisServer(['--enable-debug-command', 'local'])
  const { standIn, state, times, duplicates } = await tiktok()
  state.mode = 'ok'
  const { url, stop } = await runtime(redis.url, standIn.url)
  const events = orderCompletedEvents(1_601)
  await postBatch(url, events.slice(1_600))
  const batch = events.slice(0, 1_600)
  const sleeping = redis.client.call('DEBUG', 'SLEEP', '15')
  await sleep(200)
  const first = await Promise.all([0, 1, 2, 3].map((part) => postBatch(url, batch.slice(part * 400, part * 400 + 400))))
  await sleeping
  // The client sends again what was refused, until it is taken.
  const refused = first.flatMap((status, part) => (status === 200 ? [] : [part]))
  for (const part of refused) {
    await until(async () => (await postBatch(url, batch.slice(part * 400, part * 400 + 400))) === 200, 15_000)
  }
  const accepted = batch.map((event) => event.messageId as string)
  await until(() => accepted.every((id) => times.has(id)), 30_000)
  await sleep(2_000)
  stop()
  await standIn.close()
  redis.stop()
  const ok = refused.length > 0 && duplicates() === 0
  return row('stall', accepted, times, duplicates(), `${refused.length * 400} answered 503 and sent again`, ok)
}

async function main() {
  const faults: Record<string, () => Promise<Row>> = { full, empty, stall }
  const only = process.argv.slice(2)
  const rows: Row[] = []
  for (const [name, run] of Object.entries(faults)) {
    if (only.length && !only.includes(name)) continue
    console.log(`${name}…`)
    rows.push(await run())
  }
  console.table(rows)
  process.exit(rows.every((r) => r.ok && r.lost === 0) ? 0 : 1)
}

void main()
