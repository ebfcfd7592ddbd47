/**
 * Redis restarted empty, for real: a redis-server without persistence (no AOF, no RDB) restarted with
 * 2,000 events queued (TikTok answering 503). Each runtime finds the marker it knew gone
 * (storage/redis/stream-store.ts): /health says queued events were lost and how many may be, the log
 * says what happened (not "taken over by another runtime"), the group, the marker and the settings are
 * written again (never a switch to dry-run), and new events reach TikTok.
 */
import { randomBytes } from 'node:crypto'
import { countingStandIn, orderCompleted, post, startTestRuntime, waitFor, withKey, type TestRuntime } from './helpers'
import { redisSuite, startRedis, type RedisServer } from './redis-server'

const { describeWithRedis, redisServer } = redisSuite()
const TOKEN = 'redis-secret-token-5e5e5e'
const PIXEL = 'REDISPIXEL'
/** Saved on the page before Redis loses them: what the runtimes write back, not their variables. */
const SAVED_TOKEN = 'redis-saved-token-7a7a7a7a'
const SAVED_PIXEL = 'SAVEDPIXEL'

let redis: RedisServer
beforeAll(async () => {
  if (redisServer) redis = await startRedis(redisServer, { appendonly: false })
})
afterAll(async () => {
  await redis?.stop()
})

const health = async ({ runtime }: TestRuntime) => {
  const response = await fetch(`${runtime.url}/health`)
  return { code: response.status, ...((await response.json()) as { status: string; reason?: string; mode: string }) }
}
const batchOf = (from: number, count: number) => Array.from({ length: count }, (_, i) => orderCompleted(from + i))
const linesOf = (test: TestRuntime, text: string) => test.logs.filter((line) => line.includes(text))

describeWithRedis('Redis restarted empty', () => {
  it('is said on /health with how many events may be lost; settings are written back; the runtimes stay live and deliver new events', async () => {
    let tiktokUp = false
    const { standIn, delivered } = await countingStandIn({
      script: () => (tiktokUp ? undefined : { status: 503, body: 'Service Unavailable' })
    })
    const prefix = `empty-${randomBytes(4).toString('hex')}:`
    const env = {
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      REDIS_CLAIM_IDLE_MS: '1500',
      FLUSH_INTERVAL_MS: '100',
      WORKERS: '0',
      TIKTOK_ACCESS_TOKEN: TOKEN,
      TIKTOK_PIXEL_CODE: PIXEL,
      TIKTOK_API_URL: standIn.url
    }
    const a = await startTestRuntime(env)
    const b = await startTestRuntime(env)
    for (let from = 0; from < 2000; from += 500) {
      expect((await post(`${(from % 1000 ? b : a).runtime.url}/v1/batch`, { batch: batchOf(from, 500) })).status).toBe(
        200
      )
    }
    // Both have measured the shared depth, and TikTok has refused some batches (held by a or b).
    await waitFor(() => a.runtime.pipeline.pending === 2000 && b.runtime.pipeline.pending === 2000)
    await waitFor(() => standIn.requests.length >= 2)
    // Settings saved on a's page, which b takes: other than the variables both started with.
    const saved = await post(
      `${a.runtime.url}/api/settings`,
      { accessToken: SAVED_TOKEN, pixelCode: SAVED_PIXEL },
      withKey(a.runtime)
    )
    expect(saved.status).toBe(200)
    await waitFor(() => b.runtime.settings.pixelCode === SAVED_PIXEL)
    const changedBefore = new Map([a, b].map((test) => [test, linesOf(test, 'settings changed by another runtime')]))

    await redis.kill()
    await redis.start()

    for (const test of [a, b]) {
      await waitFor(async () => (await health(test)).reason?.includes('Redis came back empty') === true, 15_000)
      const { code, status, reason, mode } = await health(test)
      expect(code).toBe(200)
      expect(status).toBe('degraded')
      expect(reason).toMatch(/Redis came back empty at \S+: up to 2000 queued events were lost/)
      expect(mode).toBe('live')
      expect(linesOf(test, 'Redis came back empty: queued events were lost')).toHaveLength(1)
      expect(linesOf(test, 'taken over by another runtime')).toEqual([])
      expect(linesOf(test, 'settings changed by another runtime')).toEqual(changedBefore.get(test))
      expect(await (await fetch(`${test.runtime.url}/metrics`)).text()).toMatch(/^tiktok_conversions_redis_emptied 1$/m)
    }
    // The settings are back in Redis, from the runtimes' own (those saved on the page, not the variables).
    const client = redis.client()
    await waitFor(async () => (await client.hget(`${prefix}settings`, 'accessToken')) === SAVED_TOKEN)
    expect(await client.hget(`${prefix}settings`, 'pixelCode')).toBe(SAVED_PIXEL)
    for (const test of [a, b]) expect(test.runtime.settings.pixelCode).toBe(SAVED_PIXEL)
    expect(await client.exists(`${prefix}marker`)).toBe(1)

    // New events, to either runtime, reach TikTok once each.
    tiktokUp = true
    expect((await post(`${a.runtime.url}/v1/batch`, { batch: batchOf(5000, 100) })).status).toBe(200)
    expect((await post(`${b.runtime.url}/v1/batch`, { batch: batchOf(5100, 100) })).status).toBe(200)
    await waitFor(() => batchOf(5000, 200).every((event) => delivered.has(event.messageId)), 15_000)
    expect(batchOf(5000, 200).map((event) => delivered.get(event.messageId))).toEqual(batchOf(5000, 200).map(() => 1))
    // With the settings saved on the page.
    const last = standIn.requests[standIn.requests.length - 1]
    expect(last.headers['access-token']).toBe(SAVED_TOKEN)
    expect(JSON.stringify(last.body)).toContain(`"${SAVED_PIXEL}"`)
    // What the runtimes still held in memory when Redis lost it may go too (hence "up to"), once each.
    expect([...delivered.values()].filter((times) => times > 1)).toEqual([])
    for (const test of [a, b]) {
      expect((await health(test)).mode).toBe('live')
      expect(linesOf(test, 'taken over by another runtime')).toEqual([])
    }
  }, 90_000)
})
