/**
 * Accepted means delivered: once the Tracking API has answered 200, every event reaches TikTok (a
 * loopback stand-in) or the dead-letter file with its reason, whatever happens in between. Each fault
 * is caused for real: kill -9 of the runtime's process, a stop that outlives its deadline, TikTok
 * answering 503 or refusing the token, an event nested 5,000 levels deep.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '../../src/runtime/storage/sqlite/store'
import type { StandIn } from '../../src/runtime/tools/standin'
import { switchableScript, type TikTokAnswer } from '../support/switchable-tiktok'
import { kill, startCli } from './cli-process'
import {
  acceptedIds,
  deadLetters,
  orderCompleted,
  post,
  printedEvents,
  startStandIn,
  startTestRuntime,
  waitFor,
  withKey
} from './helpers'

const TOKEN = 'faults-test-token-0042'
/** Deliveries a test writes to the queue itself, as a request would (no deduplication asked). */
const NO_DEDUPE = { now: Date.now(), dedupeWindowMs: 0 }
const PIXEL = 'FAULTPIXEL'

/**
 * A stand-in whose answer the test switches: TikTok's normal one, a 503, or a refusal of the token.
 * `accepted` counts, per event id, the times TikTok accepted it.
 */
async function switchableTikTok(latencyMs = 0) {
  const state: { answer: TikTokAnswer } = { answer: 'ok' }
  const accepted = new Map<string, number>()
  const standIn = await startStandIn({
    latencyMs,
    script: switchableScript(
      () => state.answer,
      'No permission to operate pixel code: FAULTPIXEL',
      (id) => accepted.set(id, (accepted.get(id) ?? 0) + 1)
    )
  })
  return { standIn, state, accepted }
}

/** Posts `count` Order Completed events in batches of 100; resolves once every batch got its 200. */
async function sendOrders(url: string, count: number, from = 0): Promise<string[]> {
  const ids: string[] = []
  for (let start = from; start < from + count; start += 100) {
    const batch = Array.from({ length: Math.min(100, from + count - start) }, (_, i) => orderCompleted(start + i))
    const answer = await post(`${url}/v1/batch`, { batch })
    expect(answer.status).toBe(200)
    ids.push(...batch.map((event) => event.messageId))
  }
  return ids
}

const live = (standIn: StandIn, env: Record<string, string> = {}) => ({
  TIKTOK_ACCESS_TOKEN: TOKEN,
  TIKTOK_PIXEL_CODE: PIXEL,
  TIKTOK_API_URL: standIn.url,
  RETRY_BASE_MS: '50',
  RETRY_MAX_MS: '300',
  FLUSH_INTERVAL_MS: '100',
  ...env
})

describe('a runtime killed with kill -9', () => {
  it('loses nothing it accepted while TikTok answered 503: the next start on the same DATA_DIR delivers it', async () => {
    const { standIn, state, accepted } = await switchableTikTok()
    state.answer = '503'
    const dataDir = mkdtempSync(join(tmpdir(), 'tiktok-kill9-'))
    const first = await startCli(live(standIn, { DATA_DIR: dataDir }))
    const ids = await sendOrders(first.url, 2000)
    await waitFor(() => standIn.stats.requests > 0) // it was trying, and failing
    await kill(first)
    expect(await first.exit).toBeNull()
    expect(standIn.stats.events).toBe(0)

    state.answer = 'ok'
    const second = await startCli(live(standIn, { DATA_DIR: dataDir }))
    await waitFor(() => accepted.size === 2000, 30_000)
    expect(new Set(accepted.keys())).toEqual(new Set(ids))
    // Nothing was accepted before the kill (TikTok failed every attempt): each reaches it exactly once.
    expect([...accepted.values()].every((times) => times === 1)).toBe(true)
    // At least once; a second copy could only carry the same event_id, which TikTok deduplicates on.
    second.child.kill('SIGTERM')
    expect(await second.exit).toBe(0)
    expect(readFileSync(join(dataDir, 'dead-letter.jsonl'), 'utf8')).toBe('')
  }, 60_000)

  it('loses nothing when killed while batches are in flight to a slow TikTok', async () => {
    const { standIn } = await switchableTikTok(400)
    const dataDir = mkdtempSync(join(tmpdir(), 'tiktok-kill9-inflight-'))
    const first = await startCli(live(standIn, { DATA_DIR: dataDir, WORKERS: '2' }))
    const ids = await sendOrders(first.url, 1500)
    await waitFor(() => standIn.stats.requests > 0)
    await kill(first)
    const second = await startCli(live(standIn, { DATA_DIR: dataDir }))
    await waitFor(() => ids.every((id) => acceptedIds(standIn).has(id)), 30_000)
    second.child.kill('SIGTERM')
    expect(await second.exit).toBe(0)
    // The batches that were out when it died were marked sent: the restart knew, and sent them last.
    const resumed = second.stderr.find((line) => / warn resuming deliveries that were being sent /.test(line))
    expect(Number(/ events=(\d+) /.exec(resumed ?? '')?.[1])).toBeGreaterThan(0)
  }, 60_000)
})

describe('a stop as a container manager does it (SIGTERM, then SIGKILL 10 s later)', () => {
  it('exits by its own deadline (SHUTDOWN_TIMEOUT_MS, 8 s by default) with what TikTok did not take still queued', async () => {
    const { standIn } = await switchableTikTok(20_000) // TikTok takes 20 s to answer
    const dataDir = mkdtempSync(join(tmpdir(), 'tiktok-sigterm-'))
    const first = await startCli(live(standIn, { DATA_DIR: dataDir }))
    const ids = await sendOrders(first.url, 1000)
    await waitFor(() => standIn.stats.requests > 0)
    const stoppedAt = Date.now()
    first.child.kill('SIGTERM')
    const killer = setTimeout(() => process.kill(first.pid, 'SIGKILL'), 10_000)
    const code = await first.exit
    clearTimeout(killer)
    expect(code).toBe(0) // it did not need the SIGKILL
    expect(Date.now() - stoppedAt).toBeLessThan(10_000)
    expect(first.stderr.find((line) => line.includes(' info stopped '))).toMatch(/ still_queued=1000$/)

    const healthy = await startStandIn()
    const second = await startCli(live(healthy, { DATA_DIR: dataDir }))
    await waitFor(() => healthy.stats.events === 1000, 30_000)
    const sentAfter = healthy.requests.flatMap(({ body }) => body.data.map((event) => event.event_id))
    expect(new Set(sentAfter)).toEqual(new Set(ids))
    expect(sentAfter).toHaveLength(1000) // each once: what the stop aborted was never taken by TikTok
    second.child.kill('SIGTERM')
    expect(await second.exit).toBe(0)
  }, 60_000)
})

describe('a poison event', () => {
  it('nested 5,000 levels deep in a batch of 1,000: dead-lettered with its reason, the 999 others delivered', async () => {
    const standIn = await startStandIn()
    const test = await startTestRuntime(live(standIn, { WORKERS: '2' }))
    let deep: Record<string, unknown> = { leaf: true }
    for (let i = 0; i < 5000; i++) deep = { n: deep }
    const batch = Array.from({ length: 1000 }, (_, i) => orderCompleted(i))
    batch[500] = { ...orderCompleted(500), properties: { ...orderCompleted(500).properties, deep } } as never
    // Sent as text: JSON.stringify of the test's own object would overflow too.
    const text = JSON.stringify({ batch }, (_key, value) => (value === deep ? '__DEEP__' : value)).replace(
      '"__DEEP__"',
      // About 30 KB: within the 32 KB an event may take (MAX_EVENT_KB), too deep for JSON.stringify.
      '{"n":'.repeat(5000) + '{"leaf":true}' + '}'.repeat(5000)
    )
    expect(await post(`${test.runtime.url}/v1/batch`, text)).toMatchObject({ status: 200, json: { success: true } })
    await waitFor(() => standIn.stats.events === 999)
    await waitFor(() => test.runtime.pipeline.pending === 0)
    expect(test.runtime.pipeline.counts).toMatchObject({ received: 1000, delivered: 999, deadLettered: 1 })
    expect(acceptedIds(standIn).has('msg-500')).toBe(false)
    const records = deadLetters(test.deadLetterFile)
    expect(records).toHaveLength(1)
    const record = records[0]
    expect(record).toMatchObject({
      mapping: 'Complete Payment',
      status: 400,
      cut: true,
      event: { messageId: 'msg-500' }
    })
    expect(record.reason).toMatch(/cannot be stored as JSON .*nested too deeply/)
  })

  it('that the destination cannot run: its batch is split until it is alone; the others are delivered', async () => {
    const standIn = await startStandIn()
    const test = await startTestRuntime(live(standIn, { WORKERS: '0' }))
    // A queued event that makes the whole batch throw in the thread that runs it (its stored text is
    // damaged), among seven good ones.
    await test.runtime.storage.store.append(
      [
        ...Array.from({ length: 7 }, (_, i) => ({
          subscription: 'Complete Payment',
          batchKey: JSON.stringify({ event_source: 'web' }),
          event: JSON.stringify(orderCompleted(900 + i)),
          receivedAt: Date.now(),
          dryRun: false,
          messageId: `msg-${900 + i}`
        })),
        {
          subscription: 'Complete Payment',
          batchKey: JSON.stringify({ event_source: 'web' }),
          event: '{"broken',
          receivedAt: Date.now(),
          dryRun: false,
          messageId: 'broken'
        }
      ],
      NO_DEDUPE
    )
    expect(await post(`${test.runtime.url}/v1/track`, orderCompleted(907))).toMatchObject({ status: 200 })
    await waitFor(() => test.runtime.pipeline.counts.deadLettered === 1)
    await waitFor(() => standIn.stats.events === 8)
    const [record] = deadLetters(test.deadLetterFile)
    expect(record.reason).toMatch(/^the destination failed on this event: /)
    expect(test.logs.some((line) => / warn batch failed as a whole: sending it again in halves /.test(line))).toBe(true)
  })
})

describe('TikTok failing for longer than 8 attempts', () => {
  it('retries by time, not by count: past 8 answers of 503 every event arrives, none dead-lettered', async () => {
    const { standIn, state, accepted } = await switchableTikTok()
    state.answer = '503'
    const test = await startTestRuntime(live(standIn))
    const ids = await sendOrders(test.runtime.url, 300)
    // More tries than a count-based retry (8 attempts) would allow, however slow the machine is today.
    await waitFor(() => standIn.stats.requests > 8, 30_000)
    expect(test.runtime.pipeline.counts.deadLettered).toBe(0)
    const health = await (await fetch(`${test.runtime.url}/health`)).json()
    expect(health).toMatchObject({
      status: 'degraded',
      reason: expect.stringMatching(/^TikTok failed or could not be reached: /)
    })
    state.answer = 'ok'
    await waitFor(() => accepted.size === 300, 20_000)
    expect(new Set(accepted.keys())).toEqual(new Set(ids))
    expect(test.runtime.pipeline.counts.deadLettered).toBe(0)
    await waitFor(() => test.runtime.pipeline.health().status === 'ok')
    expect(await (await fetch(`${test.runtime.url}/health`)).json()).toMatchObject({ status: 'ok' })
  })

  it('recovers within seconds: one probe at a time while TikTok is down, everything delivered at the first probe once it is back', async () => {
    const { standIn, state, accepted } = await switchableTikTok()
    state.answer = '503'
    // The default backoff (500 ms doubling to 60 s), probes at least every second.
    const env = { RETRY_BASE_MS: '500', RETRY_MAX_MS: '60000', PROBE_INTERVAL_MS: '1000', MAX_IN_FLIGHT: '4' }
    const test = await startTestRuntime(live(standIn, env))
    const ids = await sendOrders(test.runtime.url, 1000)
    await new Promise((resolve) => setTimeout(resolve, 10_000))
    // About one probe a second (and the first batches, sent before the first answer): not a flood.
    expect(standIn.stats.requests).toBeLessThanOrEqual(16)
    state.answer = 'ok'
    const back = Date.now()
    await waitFor(() => accepted.size === 1000, 20_000)
    // Within the next probe and the time to send: the events' own backoff had grown to 4–8 s.
    expect(Date.now() - back).toBeLessThan(4_000)
    expect(new Set(accepted.keys())).toEqual(new Set(ids))
    expect([...accepted.values()].every((times) => times === 1)).toBe(true)
    await waitFor(() => test.logs.some((line) => line.includes(' info delivery resumes: TikTok answers again ')))
  }, 40_000)

  it('dead-letters once the retry budget (RETRY_BUDGET_MS) is spent, saying how long it tried', async () => {
    const { standIn, state } = await switchableTikTok()
    state.answer = '503'
    const test = await startTestRuntime(live(standIn, { RETRY_BUDGET_MS: '800' }))
    await sendOrders(test.runtime.url, 3)
    await waitFor(() => test.runtime.pipeline.counts.deadLettered === 3, 10_000)
    const records = deadLetters(test.deadLetterFile)
    expect(records.map((record) => record.event.messageId).sort()).toEqual(['msg-0', 'msg-1', 'msg-2'])
    for (const record of records) {
      expect(record.status).toBe(503)
      expect(record.reason).toMatch(
        /^gave up after \d+ attempts in \d+ m?s: TikTok failed with HTTP 503: Service Unavailable/
      )
      expect(record.attempts).toBeGreaterThan(1)
    }
  })
})

describe('TikTok refusing the token (40001)', () => {
  it('holds delivery without losing or dead-lettering anything, says so on /health, and delivers once TikTok takes it', async () => {
    const { standIn, state, accepted } = await switchableTikTok()
    state.answer = '40001'
    const test = await startTestRuntime(live(standIn, { AUTH_RETRY_MS: '300' }))
    const ids = await sendOrders(test.runtime.url, 500)
    await waitFor(() => standIn.stats.requests > 0)
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const held = await (await fetch(`${test.runtime.url}/health`)).json()
    expect(held).toMatchObject({
      status: 'degraded',
      reason: expect.stringMatching(/^TikTok refuses the access token or pixel: .*No permission to operate pixel code/),
      pending: 500
    })
    // Held, not hammering: one probe per AUTH_RETRY_MS, not one request per batch.
    expect(standIn.stats.requests).toBeLessThanOrEqual(6)
    expect(test.runtime.pipeline.counts.deadLettered).toBe(0)
    const metrics = await (await fetch(`${test.runtime.url}/metrics`)).text()
    expect(metrics).toMatch(/^tiktok_conversions_delivery_held 1$/m)

    state.answer = 'ok'
    await waitFor(() => accepted.size === 500, 20_000)
    expect(new Set(accepted.keys())).toEqual(new Set(ids))
    await waitFor(() => test.runtime.pipeline.pending === 0)
    expect(test.runtime.pipeline.counts).toMatchObject({ delivered: 500, deadLettered: 0 })
    expect(await (await fetch(`${test.runtime.url}/health`)).json()).toMatchObject({ status: 'ok', pending: 0 })
  })

  it('tries again at once when settings are saved', async () => {
    const { standIn, state } = await switchableTikTok()
    state.answer = '40001'
    const test = await startTestRuntime(live(standIn, { AUTH_RETRY_MS: '3600000' }))
    await sendOrders(test.runtime.url, 10)
    await waitFor(() => test.runtime.pipeline.health().status === 'degraded')
    state.answer = 'ok'
    const saved = await post(
      `${test.runtime.url}/api/settings`,
      { accessToken: 'a-new-token-1234', pixelCode: PIXEL },
      withKey(test.runtime)
    )
    expect(saved.status).toBe(200)
    await waitFor(() => standIn.stats.events === 10, 5_000)
    expect(standIn.requests.at(-1)!.headers['access-token']).toBe('a-new-token-1234')
  })
})

describe('a slow TikTok', () => {
  it('never makes a client lose events: the durable queue takes 3,000 while TikTok takes 2 s a batch', async () => {
    const { standIn } = await switchableTikTok(2000)
    const test = await startTestRuntime(live(standIn, { MAX_IN_FLIGHT: '1' }))
    const ids = await sendOrders(test.runtime.url, 3000)
    expect(test.runtime.pipeline.counts.received).toBe(3000)
    await waitFor(() => acceptedIds(standIn).size === 3000, 30_000)
    expect(new Set(acceptedIds(standIn).keys())).toEqual(new Set(ids))
  }, 45_000)
})

describe('what the queue keeps apart', () => {
  it("one mapping's retries never keep another mapping's events from being sent", async () => {
    // Mapping "Failing" always gets 503; its 3,000 retrying events must not fill the memory window that
    // "Working" needs (one batch in flight: the window is 3,000 deliveries).
    const mappings = join(mkdtempSync(join(tmpdir(), 'mappings-')), 'mappings.json')
    writeFileSync(
      mappings,
      JSON.stringify([
        { name: 'Failing', subscribe: 'event = "Failing Thing"', mapping: { event: 'FailingEvent' } },
        { name: 'Working', subscribe: 'event = "Working Thing"', mapping: { event: 'WorkingEvent' } }
      ])
    )
    const standIn = await startStandIn({
      script: (body) => (body.data[0].event === 'FailingEvent' ? { status: 503, body: 'down' } : undefined)
    })
    const test = await startTestRuntime(live(standIn, { MAPPINGS: mappings, MAX_IN_FLIGHT: '1' }))
    const failing = Array.from({ length: 3000 }, (_, i) => ({ ...orderCompleted(i), event: 'Failing Thing' }))
    for (let i = 0; i < failing.length; i += 500) {
      expect((await post(`${test.runtime.url}/v1/batch`, { batch: failing.slice(i, i + 500) })).status).toBe(200)
    }
    await waitFor(() => test.runtime.pipeline.counts.retried >= 3000, 10_000)
    const working = Array.from({ length: 10 }, (_, i) => ({ ...orderCompleted(5000 + i), event: 'Working Thing' }))
    expect((await post(`${test.runtime.url}/v1/batch`, { batch: working })).status).toBe(200)
    await waitFor(() => standIn.stats.events === 10, 10_000)
    const sent = standIn.requests.flatMap(({ body }) => body.data).filter((event) => event.event === 'WorkingEvent')
    expect(sent.map((event) => event.event_id).sort()).toEqual(working.map((event) => event.messageId).sort())
    await waitFor(() => test.runtime.pipeline.pending === 3000)
  }, 30_000)

  it('events accepted live are never shown in dry-run, and go to TikTok once the runtime is live again', async () => {
    const { standIn, state, accepted } = await switchableTikTok()
    state.answer = '40001'
    const dataDir = mkdtempSync(join(tmpdir(), 'tiktok-modes-'))
    const first = await startTestRuntime(live(standIn, { DATA_DIR: dataDir }))
    await sendOrders(first.runtime.url, 3)
    await waitFor(() => first.runtime.pipeline.health().status === 'degraded')
    await first.runtime.close()
    state.answer = 'ok'

    // Restarted without the token (to paste a new one on the page): dry-run.
    const second = await startTestRuntime({
      DATA_DIR: dataDir,
      TIKTOK_PIXEL_CODE: PIXEL,
      TIKTOK_API_URL: standIn.url,
      AUTH_RETRY_MS: '300'
    })
    expect(second.runtime.mode()).toBe('dry-run')
    await waitFor(() => second.runtime.pipeline.health().status === 'degraded')
    expect(second.runtime.pipeline.health().reason).toMatch(
      /^events accepted live are kept queued while the runtime is in dry-run/
    )
    await new Promise((resolve) => setTimeout(resolve, 700))
    expect(second.printed).toEqual([]) // nothing of them shown as a dry-run body
    expect(second.runtime.pipeline.pending).toBe(3)

    // A dry-run event meanwhile is shown, as dry-run events are.
    await post(`${second.runtime.url}/v1/track`, orderCompleted(10))
    await waitFor(() => second.printed.length === 1)
    expect(JSON.parse(second.printed[0]).data[0].event_id).toBe('msg-10')

    const saved = await post(
      `${second.runtime.url}/api/settings`,
      { accessToken: TOKEN, pixelCode: PIXEL },
      withKey(second.runtime)
    )
    expect(saved.status).toBe(200)
    await waitFor(() => accepted.size === 3, 5_000)
    expect([...accepted.keys()].sort()).toEqual(['msg-0', 'msg-1', 'msg-2'])
  })

  it('events accepted in dry-run never reach TikTok: once live, those still queued are dead-lettered with the reason', async () => {
    const standIn = await startStandIn()
    const test = await startTestRuntime({
      TIKTOK_PIXEL_CODE: PIXEL,
      TIKTOK_API_URL: standIn.url,
      FLUSH_INTERVAL_MS: '60000'
    })
    await sendOrders(test.runtime.url, 2)
    // Saved before the dry-run batch went out (the flush tick is a minute away).
    await post(`${test.runtime.url}/api/settings`, { accessToken: TOKEN, pixelCode: PIXEL }, withKey(test.runtime))
    await test.runtime.close()
    expect(standIn.stats.requests).toBe(0)
    const records = deadLetters(test.deadLetterFile)
    expect(records.map((record) => record.event.messageId).sort()).toEqual(['msg-0', 'msg-1'])
    expect(records[0]).toMatchObject({
      status: 409,
      reason: expect.stringMatching(/^accepted in dry-run .* not sent to TikTok/)
    })
  })

  it('a stop waits out a short pause after a failure and delivers what is pending', async () => {
    const standIn = await startStandIn({ script: (_body, n) => (n === 0 ? { status: 503, body: 'blip' } : undefined) })
    const test = await startTestRuntime(live(standIn, { RETRY_BASE_MS: '400', RETRY_MAX_MS: '800' }))
    await sendOrders(test.runtime.url, 20)
    await waitFor(() => standIn.stats.requests === 1)
    await test.runtime.close()
    expect(test.runtime.pipeline.counts.delivered).toBe(20)
    expect(standIn.stats.events).toBe(20)
  })

  it('deliveries of a mapping that is gone are dead-lettered, and wait for the dead-letter file when it cannot be written', async () => {
    const standIn = await startStandIn()
    const test = await startTestRuntime(live(standIn, { FLUSH_INTERVAL_MS: '100' }))
    rmSync(test.deadLetterFile)
    mkdirSync(test.deadLetterFile) // appending to a directory fails
    await test.runtime.storage.store.append(
      [1, 2, 3].map((i) => ({
        subscription: 'A Mapping Since Removed',
        batchKey: '',
        event: JSON.stringify(orderCompleted(i)),
        receivedAt: Date.now(),
        dryRun: false,
        messageId: `msg-${i}`
      })),
      NO_DEDUPE
    )
    await waitFor(() => test.logs.some((line) => line.includes('dead-letter write failed')))
    expect(test.runtime.pipeline.counts.deadLettered).toBe(0)
    rmSync(test.deadLetterFile, { recursive: true })
    await waitFor(() => test.runtime.pipeline.counts.deadLettered === 3, 10_000)
    const records = deadLetters(test.deadLetterFile)
    expect(records[0]).toMatchObject({
      mapping: 'A Mapping Since Removed',
      reason:
        'mapping "A Mapping Since Removed" is no longer configured (the mappings changed while the event was queued: it was deleted or renamed)'
    })
  })

  it('one runtime per DATA_DIR: a second is refused; a lock left by a process that is gone is taken over', async () => {
    const first = await startTestRuntime()
    await expect(startTestRuntime({ DATA_DIR: first.dataDir })).rejects.toThrow(
      new RegExp(`another runtime \\(process ${process.pid}\\) uses .*queue\\.db: give each runtime its own DATA_DIR`)
    )
    await first.runtime.close()
    // kill -9 leaves the lock file behind, naming a process that no longer exists.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    writeFileSync(join(first.dataDir, 'runtime.lock'), `${gone.stdout}\n`)
    const again = await startTestRuntime({ DATA_DIR: first.dataDir })
    expect(again.runtime.mode()).toBe('dry-run')
  })
})

describe('a restart with a backlog', () => {
  it('in dry-run, delivers it to the stand-in once that is up: no attempt lost to a stand-in not started yet', async () => {
    // Two full batches of dry-run deliveries queued by a runtime that stopped before sending them.
    const dataDir = mkdtempSync(join(tmpdir(), 'tiktok-backlog-'))
    const queue = new SqliteStore({ dataDir, synchronous: 'NORMAL' })
    await queue.append(
      Array.from({ length: 2000 }, (_, i) => ({
        subscription: 'Complete Payment',
        batchKey: JSON.stringify({ event_source: 'web' }),
        event: JSON.stringify(orderCompleted(i)),
        receivedAt: Date.now(),
        dryRun: true,
        messageId: `msg-${i}`
      })),
      NO_DEDUPE
    )
    await queue.close()
    const test = await startTestRuntime({ DATA_DIR: dataDir })
    await waitFor(() => test.runtime.pipeline.counts.delivered === 2000, 20_000)
    expect(test.runtime.pipeline.counts).toMatchObject({ retried: 0, deadLettered: 0 })
    const shown = printedEvents(test).map((event) => event.event_id)
    expect(new Set(shown).size).toBe(2000)
  })
})
