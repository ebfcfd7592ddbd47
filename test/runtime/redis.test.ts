/**
 * Several runtimes on one Redis (REDIS_URL), in this process: one queue, one dead-letter stream, one
 * set of settings. The test's own redis-server (AOF on) on a loopback port; each test has its own
 * REDIS_PREFIX. Killing a runtime for real is in redis-process.test.ts.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { sha } from '../helpers'
import { countingStandIn, orderCompleted, post, startTestRuntime, waitFor, withKey, type TestRuntime } from './helpers'
import { redisSuite, startRedis, type RedisServer } from './redis-server'

const { describeWithRedis, redisServer } = redisSuite()
const ROOT = join(__dirname, '..', '..')
const TOKEN = 'redis-secret-token-5e5e5e'
const PIXEL = 'REDISPIXEL'

let redis: RedisServer
beforeAll(async () => {
  if (redisServer) redis = await startRedis(redisServer)
})
afterAll(async () => {
  await redis?.stop()
})

/** A runtime on the test's Redis under `prefix`, delivering in this thread. */
const onRedis = (prefix: string, env: Record<string, string> = {}) =>
  startTestRuntime({
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    REDIS_CLAIM_IDLE_MS: '1500',
    FLUSH_INTERVAL_MS: '100',
    WORKERS: '0',
    ...env
  })

const newPrefix = () => `test-${randomBytes(4).toString('hex')}:`

/** `count` Order Completed events from `from`, as one /v1/batch; resolves with the answer's status. */
async function send(test: TestRuntime, from: number, count: number) {
  const batch = Array.from({ length: count }, (_, i) => ({ ...orderCompleted(from + i) }))
  return (await post(`${test.runtime.url}/v1/batch`, { batch })).status
}

const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => `msg-${from + i}`)

const health = async (test: TestRuntime) => {
  const response = await fetch(`${test.runtime.url}/health`)
  return { status: response.status, json: (await response.json()) as Record<string, unknown> }
}

describeWithRedis('runtimes on one Redis', () => {
  it('share one queue: events taken by either are delivered once each, with the same body as the embedded queue', async () => {
    const { standIn, delivered } = await countingStandIn()
    const prefix = newPrefix()
    const live = { TIKTOK_ACCESS_TOKEN: TOKEN, TIKTOK_PIXEL_CODE: PIXEL, TIKTOK_API_URL: standIn.url }
    const a = await onRedis(prefix, live)
    const b = await onRedis(prefix, live)
    expect(await send(a, 0, 150)).toBe(200)
    expect(await send(b, 150, 150)).toBe(200)
    await waitFor(() => delivered.size >= 300)

    expect(new Set(delivered.keys())).toEqual(new Set(ids(0, 300)))
    expect([...delivered.values()].every((times) => times === 1)).toBe(true)
    const event = standIn.requests.flatMap(({ body }) => body.data).find((e) => e.event_id === 'msg-7')
    expect(event?.user?.email).toEqual([sha('buyer7@example.com')])
    expect(event?.user?.phone).toEqual([sha('+14155550007')])
    expect(event?.properties?.order_id).toBe('order-7')
    expect(standIn.requests[0].headers['access-token']).toBe(TOKEN)

    // Nothing left in Redis: every entry acknowledged and deleted, no retry state.
    const client = redis.client()
    await waitFor(() => a.runtime.pipeline.counts.delivered + b.runtime.pipeline.counts.delivered === 300)
    expect(await client.xlen(`${prefix}queue`)).toBe(0)
    expect(await client.hlen(`${prefix}retry`)).toBe(0)
    const { status, json } = await health(a)
    expect(status).toBe(200)
    expect(json.queue).toMatch(
      new RegExp(
        `^redis redis://127\\.0\\.0\\.1:${redis.port}/? stream ${prefix}queue group delivery consumer \\S+ \\(appendonly=yes appendfsync=everysec maxmemory-policy=noeviction\\)$`
      )
    )
    expect(json.consumer).toMatchObject({ connected: true, owned: 0 })
  })

  it('report the shared depth and each consumer on /health and /metrics; refuse events (503) while Redis is down, then go on', async () => {
    let failing = true
    const { standIn, delivered } = await countingStandIn({
      script: () => (failing ? { status: 503, body: 'busy' } : undefined)
    })
    const prefix = newPrefix()
    const live = { TIKTOK_ACCESS_TOKEN: TOKEN, TIKTOK_PIXEL_CODE: PIXEL, TIKTOK_API_URL: standIn.url }
    const a = await onRedis(prefix, live)
    expect(await send(a, 0, 40)).toBe(200)
    await waitFor(() => standIn.stats.requests > 0 && a.runtime.storage.store.consumer!().owned === 40)
    // B starts once A holds them all (started before, it could read some first).
    const b = await onRedis(prefix, { ...live, RETRY_BASE_MS: '100', RETRY_MAX_MS: '300' })
    // B took none of them, yet its /health and /metrics show the shared queue's depth.
    await waitFor(() => b.runtime.pipeline.pending === 40)
    const seenByB = await health(b)
    expect(seenByB.json).toMatchObject({ status: 'ok', pending: 40, consumer: { connected: true, owned: 0 } })
    const seenByA = await health(a)
    expect(seenByA.json).toMatchObject({ status: 'degraded', pending: 40, consumer: { connected: true, owned: 40 } })
    const metrics = await (await fetch(`${b.runtime.url}/metrics`)).text()
    expect(metrics).toMatch(/^tiktok_conversions_queue_depth 40$/m)
    expect(metrics).toMatch(/^tiktok_conversions_queue_consumer_up 1$/m)
    expect(metrics).toMatch(/^tiktok_conversions_queue_consumer_owned 0$/m)

    await redis.kill()
    await waitFor(() => b.logs.some((line) => line.includes(' error Redis unreachable')))
    expect((await post(`${b.runtime.url}/v1/batch`, { batch: [orderCompleted(99)] })).status).toBe(503)
    expect(await health(b)).toMatchObject({
      status: 503,
      json: { status: 'unavailable', consumer: { connected: false } }
    })
    expect(await (await fetch(`${b.runtime.url}/metrics`)).text()).toMatch(/^tiktok_conversions_queue_consumer_up 0$/m)

    await redis.start()
    await waitFor(() => b.logs.some((line) => line.includes(' info Redis reachable again')))
    expect((await health(b)).status).toBe(200)
    expect(await send(b, 40, 10)).toBe(200)
    failing = false
    await waitFor(() => delivered.size >= 50, 15_000)
    expect(new Set(delivered.keys())).toEqual(new Set(ids(0, 50)))
    expect(b.logs.join('\n')).not.toContain(TOKEN)
  })

  it('keep what a live runtime holds its own: while TikTok fails for several claim times, no other runtime takes it', async () => {
    let failing = true
    const { standIn, delivered } = await countingStandIn({
      script: () => (failing ? { status: 503, body: 'busy' } : undefined)
    })
    const prefix = newPrefix()
    const live = { TIKTOK_ACCESS_TOKEN: TOKEN, TIKTOK_PIXEL_CODE: PIXEL, TIKTOK_API_URL: standIn.url }
    const a = await onRedis(prefix, { ...live, REDIS_CLAIM_IDLE_MS: '600', RETRY_BASE_MS: '100', RETRY_MAX_MS: '300' })
    expect(await send(a, 0, 40)).toBe(200)
    await waitFor(() => a.runtime.storage.store.consumer!().owned === 40)
    // B starts once A holds them all (started before, it could read some first).
    const b = await onRedis(prefix, { ...live, REDIS_CLAIM_IDLE_MS: '600' })
    // Five claim times: B reads the shared queue at every tick and would take anything idle that long.
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    expect(standIn.stats.requests).toBeGreaterThan(3)
    expect(b.runtime.storage.store.consumer!()).toMatchObject({ owned: 0, claimed: 0 })
    expect(a.runtime.storage.store.consumer!()).toMatchObject({ owned: 40, lost: 0 })
    failing = false
    await waitFor(() => delivered.size >= 40)
    expect(new Set(delivered.keys())).toEqual(new Set(ids(0, 40)))
    expect([...delivered.values()].every((times) => times === 1)).toBe(true)
  })

  it('hand back what a stopping runtime holds: another delivers it at once, not after the claim time', async () => {
    let failing = true
    const { standIn, delivered } = await countingStandIn({
      script: () => (failing ? { status: 503, body: 'busy' } : undefined)
    })
    const prefix = newPrefix()
    // A claim time far longer than the test: only the hand-back can give B what A held.
    const live = {
      TIKTOK_ACCESS_TOKEN: TOKEN,
      TIKTOK_PIXEL_CODE: PIXEL,
      TIKTOK_API_URL: standIn.url,
      REDIS_CLAIM_IDLE_MS: '600000'
    }
    const a = await onRedis(prefix, live)
    expect(await send(a, 0, 30)).toBe(200)
    await waitFor(() => a.runtime.storage.store.consumer!().owned === 30 && standIn.stats.requests > 0)
    // B starts once A holds them all (started before, it could read some first).
    const b = await onRedis(prefix, live)
    await a.runtime.close()
    expect(a.logs.join('\n')).toMatch(/ info handed back what this runtime held to the shared queue deliveries=30$/m)
    failing = false
    await waitFor(() => delivered.size >= 30)
    expect(new Set(delivered.keys())).toEqual(new Set(ids(0, 30)))
    expect(b.runtime.storage.store.consumer!().claimed).toBe(30)
  })

  it('apply settings saved on one page to every runtime: a hold on a refused token ends on both, the token is never logged', async () => {
    const { standIn, delivered } = await countingStandIn({ accessToken: TOKEN })
    const prefix = newPrefix()
    const wrong = { TIKTOK_ACCESS_TOKEN: 'wrong-token-0000000', TIKTOK_PIXEL_CODE: PIXEL, TIKTOK_API_URL: standIn.url }
    const a = await onRedis(prefix, { ...wrong, AUTH_RETRY_MS: '60000' })
    expect(await send(a, 0, 30)).toBe(200)
    await waitFor(() => a.runtime.pipeline.health().held === true)
    // B starts once A holds (started before, it could read all of A's events first: A would hold none).
    const b = await onRedis(prefix, { ...wrong, AUTH_RETRY_MS: '60000' })
    expect(await send(b, 30, 30)).toBe(200)
    // B holds too if it read some of them before A did (which one reads first is a race).
    await waitFor(() => a.runtime.storage.store.consumer!().owned + b.runtime.storage.store.consumer!().owned === 60)
    const bHeld = b.runtime.storage.store.consumer!().owned > 0
    expect(standIn.stats.events).toBe(0)

    const saved = await post(
      `${a.runtime.url}/api/settings`,
      { accessToken: TOKEN, pixelCode: PIXEL, appID: '7301' },
      withKey(a.runtime)
    )
    expect(saved.status).toBe(200)
    await waitFor(() => b.runtime.settings.accessToken === TOKEN)
    // The App ID too: mobile events go as app events on every runtime.
    expect(b.runtime.appEventsRoute()).toBe('sent as app events to TikTok App ID 7301')
    await waitFor(() => delivered.size >= 60, 15_000)
    if (bHeld) expect(b.runtime.pipeline.health().status).toBe('ok')
    expect(new Set(delivered.keys())).toEqual(new Set(ids(0, 60)))
    expect(
      b.logs.some((line) =>
        / info settings changed by another runtime mode=live pixel_code=REDISPIXEL app_id=7301$/.test(line)
      )
    ).toBe(true)

    // Redis holds the token (the one place it is stored); a runtime started later with other
    // variables uses the saved settings, says so, and logs no token either.
    const client = redis.client()
    expect(await client.hgetall(`${prefix}settings`)).toEqual({
      accessToken: TOKEN,
      pixelCode: PIXEL,
      appID: '7301',
      since: expect.stringMatching(/^\d{4}-/)
    })
    const c = await onRedis(prefix, { ...wrong, TIKTOK_PIXEL_CODE: 'OTHERPIXEL' })
    expect(c.runtime.settings).toEqual({ accessToken: TOKEN, pixelCode: PIXEL, appID: '7301' })
    expect(c.logs.join('\n')).toMatch(
      / warn the access token and pixel code saved in Redis differ from TIKTOK_ACCESS_TOKEN \/ TIKTOK_PIXEL_CODE \/ TIKTOK_APP_ID \/ TIKTOK_OFFLINE_EVENT_SET_ID \/ SETTINGS_FILE: the saved ones are used by every runtime \(save on the page to change them\) settings="redis hash test-\w+:settings" pixel_code=REDISPIXEL$/m
    )
    for (const test of [a, b, c]) {
      const logs = test.logs.join('\n')
      expect(logs).not.toContain(TOKEN)
      expect(logs).not.toContain('wrong-token-0000000')
    }
  })

  it('dead-letter to the stream what TikTok fails for longer than the retry budget, with the attempts', async () => {
    const { standIn } = await countingStandIn({ script: () => ({ status: 503, body: 'busy' }) })
    const prefix = newPrefix()
    const a = await onRedis(prefix, {
      TIKTOK_ACCESS_TOKEN: TOKEN,
      TIKTOK_PIXEL_CODE: PIXEL,
      TIKTOK_API_URL: standIn.url,
      RETRY_BUDGET_MS: '600'
    })
    expect(await send(a, 0, 5)).toBe(200)
    await waitFor(() => a.runtime.pipeline.counts.deadLettered === 5)
    const client = redis.client()
    const entries = await client.xrange(`${prefix}dead-letter`, '-', '+')
    expect(entries).toHaveLength(5)
    const records = entries.map(([, fields]) =>
      Object.fromEntries(fields.flatMap((_, i) => (i % 2 ? [] : [[fields[i], fields[i + 1]]])))
    )
    expect(records.map((record) => JSON.parse(record.event).messageId).sort()).toEqual(ids(0, 5))
    for (const record of records) {
      expect(record.status).toBe('503')
      expect(Number(record.attempts)).toBeGreaterThan(1)
      expect(record.reason).toMatch(new RegExp(`^gave up after ${record.attempts} attempts in \\d+ ms: `))
    }
    expect(await client.xlen(`${prefix}queue`)).toBe(0)
    expect(await client.hlen(`${prefix}retry`)).toBe(0)
  })

  it('dead-letter to a Redis stream, and `tiktok-conversions replay --redis` delivers them once the cause is fixed', async () => {
    let refuse = true
    const { standIn, delivered } = await countingStandIn({
      script: () =>
        refuse ? { body: { code: 40002, message: 'Invalid parameters: event is not supported' } } : undefined
    })
    const prefix = newPrefix()
    const a = await onRedis(prefix, {
      TIKTOK_ACCESS_TOKEN: TOKEN,
      TIKTOK_PIXEL_CODE: PIXEL,
      TIKTOK_API_URL: standIn.url
    })
    expect(await send(a, 0, 25)).toBe(200)
    const client = redis.client()
    await waitFor(() => a.runtime.pipeline.counts.deadLettered === 25)
    expect(await client.xlen(`${prefix}dead-letter`)).toBe(25)
    expect(await client.xlen(`${prefix}queue`)).toBe(0)
    const [[, fields]] = await client.xrange(`${prefix}dead-letter`, '-', '+', 'COUNT', 1)
    const record = Object.fromEntries(fields.flatMap((_, i) => (i % 2 ? [] : [[fields[i], fields[i + 1]]])))
    expect(record).toMatchObject({ mapping: 'Complete Payment', status: '400', attempts: '1' }) // sent once, refused: the attempt its log line names
    expect(record.reason).toContain('Invalid parameters: event is not supported')
    expect(JSON.parse(record.event)).toMatchObject({ messageId: 'msg-0', event: 'Order Completed' })
    expect(a.logs.join('\n')).toMatch(
      new RegExp(` error batch mapping="Complete Payment" .*dead_letter="redis stream ${prefix}dead-letter"`)
    )

    refuse = false
    const replay = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'replay', '--redis', '--url', a.runtime.url],
      {
        cwd: ROOT,
        env: { ...process.env, REDIS_URL: redis.url, REDIS_PREFIX: prefix },
        stdio: ['ignore', 'ignore', 'pipe']
      }
    )
    let stderr = ''
    replay.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    expect(await new Promise((resolve) => replay.on('exit', resolve))).toBe(0)
    expect(stderr).toContain(
      `replayed 25 events from redis stream ${prefix}dead-letter to ${a.runtime.url}; 0 left in the stream`
    )
    await waitFor(() => delivered.size >= 25)
    expect(new Set(delivered.keys())).toEqual(new Set(ids(0, 25)))
    expect(await client.xlen(`${prefix}dead-letter`)).toBe(0)
  })
})
