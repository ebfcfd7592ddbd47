/**
 * Accepted means delivered: once the Tracking API has answered 200, every event reaches TikTok (a
 * loopback stand-in) or the dead-letter file with its reason, whatever happens in between. Each fault
 * is caused for real: kill -9 of the runtime's process, a stop that outlives its deadline, TikTok
 * answering 503 or refusing the token, an event nested 5,000 levels deep.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StandIn, StandInAnswer } from '../../src/runtime/standin'
import { startCli } from './cli-process'
import { orderCompleted, post, startStandIn, startTestRuntime, waitFor, withKey } from './helpers'

const TOKEN = 'faults-test-token-0042'
const PIXEL = 'FAULTPIXEL'

/**
 * A stand-in whose answer the test switches: TikTok's normal one, a 503, or a refusal of the token.
 * `accepted` counts, per event id, the times TikTok accepted it.
 */
async function switchableTikTok(latencyMs = 0) {
  const state: { answer: 'ok' | '503' | '40001' } = { answer: 'ok' }
  const accepted = new Map<string, number>()
  const answers: Record<string, StandInAnswer | undefined> = {
    ok: undefined,
    '503': { status: 503, body: 'Service Unavailable' },
    '40001': { body: { code: 40001, message: 'No permission to operate pixel code: FAULTPIXEL' } }
  }
  const standIn = await startStandIn({
    latencyMs,
    script: (body) => {
      const answer = answers[state.answer]
      if (!answer)
        for (const event of body.data) accepted.set(event.event_id!, (accepted.get(event.event_id!) ?? 0) + 1)
      return answer
    }
  })
  return { standIn, state, accepted }
}

/** The event ids of every request a stand-in that always accepts received, and how many times each. */
function acceptedIds(standIn: StandIn): Map<string, number> {
  const seen = new Map<string, number>()
  for (const { body } of standIn.requests) {
    for (const event of body.data) seen.set(event.event_id!, (seen.get(event.event_id!) ?? 0) + 1)
  }
  return seen
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
    first.child.kill('SIGKILL')
    expect(await first.exit).toBeNull()
    expect(standIn.stats.events).toBe(0)

    state.answer = 'ok'
    const second = await startCli(live(standIn, { DATA_DIR: dataDir }))
    await waitFor(() => accepted.size === 2000, 30_000)
    expect(new Set(accepted.keys())).toEqual(new Set(ids))
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
    first.child.kill('SIGKILL')
    await first.exit
    const second = await startCli(live(standIn, { DATA_DIR: dataDir }))
    await waitFor(() => ids.every((id) => acceptedIds(standIn).has(id)), 30_000)
    second.child.kill('SIGTERM')
    expect(await second.exit).toBe(0)
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
    const killer = setTimeout(() => first.child.kill('SIGKILL'), 10_000)
    const code = await first.exit
    clearTimeout(killer)
    expect(code).toBe(0) // it did not need the SIGKILL
    expect(Date.now() - stoppedAt).toBeLessThan(10_000)
    expect(first.stderr.find((line) => line.includes(' info stopped '))).toMatch(/ still_queued=1000$/)

    const healthy = await startStandIn()
    const second = await startCli(live(healthy, { DATA_DIR: dataDir }))
    await waitFor(() => healthy.stats.events === 1000, 30_000)
    expect(new Set(healthy.requests.flatMap(({ body }) => body.data.map((event) => event.event_id)))).toEqual(
      new Set(ids)
    )
    second.child.kill('SIGTERM')
    expect(await second.exit).toBe(0)
  }, 60_000)
})

describe('a poison event', () => {
  it('nested 5,000 levels deep in a batch of 1,000: dead-lettered with its reason, the 999 others delivered', async () => {
    const standIn = await startStandIn()
    const test = await startTestRuntime(live(standIn, { WORKERS: '2' }))
    let deep: Record<string, unknown> = { leaf: true }
    for (let i = 0; i < 5000; i++) deep = { nested: deep }
    const batch = Array.from({ length: 1000 }, (_, i) => orderCompleted(i))
    batch[500] = { ...orderCompleted(500), properties: { ...orderCompleted(500).properties, deep } } as never
    // Sent as text: JSON.stringify of the test's own object would overflow too.
    const text = JSON.stringify({ batch }, (_key, value) => (value === deep ? '__DEEP__' : value)).replace(
      '"__DEEP__"',
      '{"nested":'.repeat(5000) + '{"leaf":true}' + '}'.repeat(5000)
    )
    expect(await post(`${test.runtime.url}/v1/batch`, text)).toMatchObject({ status: 200, json: { success: true } })
    await waitFor(() => standIn.stats.events === 999)
    await waitFor(() => test.runtime.pipeline.pending === 0)
    expect(test.runtime.pipeline.counts).toMatchObject({ received: 1000, delivered: 999, deadLettered: 1 })
    expect(acceptedIds(standIn).has('msg-500')).toBe(false)
    const records = readFileSync(test.deadLetterFile, 'utf8').trim().split('\n')
    expect(records).toHaveLength(1)
    const record = JSON.parse(records[0])
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
    await test.runtime.storage.store.append([
      ...Array.from({ length: 7 }, (_, i) => ({
        subscription: 'Complete Payment',
        batchKey: JSON.stringify({ event_source: 'web' }),
        event: JSON.stringify(orderCompleted(900 + i)),
        receivedAt: Date.now()
      })),
      {
        subscription: 'Complete Payment',
        batchKey: JSON.stringify({ event_source: 'web' }),
        event: '{"broken',
        receivedAt: Date.now()
      }
    ])
    expect(await post(`${test.runtime.url}/v1/track`, orderCompleted(907))).toMatchObject({ status: 200 })
    await waitFor(() => test.runtime.pipeline.counts.deadLettered === 1)
    await waitFor(() => standIn.stats.events === 8)
    const [record] = readFileSync(test.deadLetterFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(record.reason).toMatch(/^the destination failed on this event: /)
    expect(test.logs.some((line) => / warn batch failed as a whole: sending it again in halves /.test(line))).toBe(true)
  })
})

describe('TikTok failing for longer than 8 attempts', () => {
  it('retries by time, not by count: after 5 s of 503 every event arrives, none dead-lettered', async () => {
    const { standIn, state, accepted } = await switchableTikTok()
    state.answer = '503'
    const test = await startTestRuntime(live(standIn))
    const ids = await sendOrders(test.runtime.url, 300)
    await new Promise((resolve) => setTimeout(resolve, 5000))
    const attempts = standIn.stats.requests
    expect(attempts).toBeGreaterThan(8)
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

  it('dead-letters once the retry budget (RETRY_BUDGET_MS) is spent, saying how long it tried', async () => {
    const { standIn, state } = await switchableTikTok()
    state.answer = '503'
    const test = await startTestRuntime(live(standIn, { RETRY_BUDGET_MS: '800' }))
    await sendOrders(test.runtime.url, 3)
    await waitFor(() => test.runtime.pipeline.counts.deadLettered === 3, 10_000)
    const records = readFileSync(test.deadLetterFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
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
