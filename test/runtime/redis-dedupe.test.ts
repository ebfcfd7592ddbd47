/**
 * Deduplication on messageId shared in Redis (storage/redis/append.ts): the same batch sent to any runtime
 * on one Redis, or sent again after a Redis stall answered it 503 though Redis wrote it, reaches TikTok
 * once. The test's own redis-server, with DEBUG allowed from loopback (for the stall).
 */
import { randomBytes } from 'node:crypto'
import { countingStandIn, orderCompleted, post, startTestRuntime, waitFor } from './helpers'
import { redisSuite, startRedis, type RedisServer } from './redis-server'

const { describeWithRedis, redisServer } = redisSuite()
const TOKEN = 'redis-secret-token-5e5e5e'
const PIXEL = 'REDISPIXEL'

let redis: RedisServer
beforeAll(async () => {
  if (redisServer) redis = await startRedis(redisServer, { args: ['--enable-debug-command', 'local'] })
})
afterAll(async () => {
  await redis?.stop()
})

const newPrefix = () => `test-${randomBytes(4).toString('hex')}:`

async function liveRuntimes(prefix: string, count: number) {
  const counting = await countingStandIn()
  const env = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    REDIS_CLAIM_IDLE_MS: '1500',
    FLUSH_INTERVAL_MS: '100',
    WORKERS: '0',
    TIKTOK_ACCESS_TOKEN: TOKEN,
    TIKTOK_PIXEL_CODE: PIXEL,
    TIKTOK_API_URL: counting.standIn.url
  }
  const runtimes = []
  for (let i = 0; i < count; i++) runtimes.push(await startTestRuntime(env))
  return { ...counting, runtimes }
}

const batchOf = (from: number, count: number) => Array.from({ length: count }, (_, i) => orderCompleted(from + i))

describeWithRedis('deduplication shared in Redis', () => {
  it('the same batch of 500 posted three times to two runtimes: 500 delivered, 0 duplicates', async () => {
    const prefix = newPrefix()
    const { delivered, runtimes } = await liveRuntimes(prefix, 2)
    const [a, b] = runtimes
    const batch = batchOf(0, 500)
    for (const target of [a, b, a]) {
      expect((await post(`${target.runtime.url}/v1/batch`, { batch })).status).toBe(200)
    }
    await waitFor(() => delivered.size >= 500)
    await waitFor(() => a.runtime.pipeline.counts.delivered + b.runtime.pipeline.counts.delivered >= 500)
    await new Promise((resolve) => setTimeout(resolve, 500))

    expect(delivered.size).toBe(500)
    expect([...delivered.values()].filter((times) => times > 1)).toEqual([])
    expect(a.runtime.pipeline.counts.deduplicated + b.runtime.pipeline.counts.deduplicated).toBe(1000)
    const client = redis.client()
    expect(await client.xlen(`${prefix}queue`)).toBe(0)
    // Bounded: each messageId's key expires with DEDUPE_WINDOW_MS (24 h by default).
    const ttl = await client.pttl(`${prefix}seen:${batch[0].messageId}`)
    expect(ttl).toBeGreaterThan(23 * 3600_000)
    expect(ttl).toBeLessThanOrEqual(24 * 3600_000)
  })

  it('a re-sent messageId with another body keeps the first; DEDUPE_WINDOW_MS=0 stores both', async () => {
    const prefix = newPrefix()
    const { standIn, delivered, runtimes } = await liveRuntimes(prefix, 1)
    const [a] = runtimes
    const first = orderCompleted(1)
    const second = { ...orderCompleted(1), properties: { ...first.properties, order_id: 'another-order' } }
    expect((await post(`${a.runtime.url}/v1/track`, first)).status).toBe(200)
    expect((await post(`${a.runtime.url}/v1/track`, second)).status).toBe(200)
    await waitFor(() => delivered.size >= 1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const sent = standIn.requests.flatMap(({ body }) => body.data)
    expect(sent.map((event) => event.properties?.order_id)).toEqual(['order-1'])

    const off = await startTestRuntime({
      REDIS_URL: redis.url,
      REDIS_PREFIX: newPrefix(),
      WORKERS: '0',
      DEDUPE_WINDOW_MS: '0',
      TIKTOK_ACCESS_TOKEN: TOKEN,
      TIKTOK_PIXEL_CODE: PIXEL,
      TIKTOK_API_URL: standIn.url
    })
    expect((await post(`${off.runtime.url}/v1/track`, first)).status).toBe(200)
    expect((await post(`${off.runtime.url}/v1/track`, second)).status).toBe(200)
    await waitFor(() => off.runtime.pipeline.counts.delivered >= 2)
    expect(delivered.get(first.messageId)).toBe(3)
  })

  it('a batch answered 503 during a Redis stall (DEBUG SLEEP) that Redis still wrote, sent again by the client, reaches TikTok once', async () => {
    const prefix = newPrefix()
    const { delivered, runtimes } = await liveRuntimes(prefix, 1)
    const [a] = runtimes
    const batch = batchOf(10_000, 400)
    // Traffic before the stall (Redis knows the append script by then).
    expect((await post(`${a.runtime.url}/v1/track`, orderCompleted(9_999))).status).toBe(200)
    await waitFor(() => delivered.has('msg-9999'))
    // Redis stalls for 8 s: the runtime gives up on its command after 5 s, Redis runs it when it wakes.
    const sleeper = redis.client()
    const stall = sleeper.call('DEBUG', 'SLEEP', '8')
    await new Promise((resolve) => setTimeout(resolve, 200))
    const refused = await post(`${a.runtime.url}/v1/batch`, { batch })
    expect(refused.status).toBe(503)
    await stall
    // Redis wrote it after all: the client's retry is acknowledged and not stored again.
    await waitFor(async () => (await post(`${a.runtime.url}/v1/batch`, { batch })).status === 200, 15_000)
    await waitFor(() => batch.every((event) => delivered.has(event.messageId)), 15_000)
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    expect(batch.map((event) => delivered.get(event.messageId))).toEqual(batch.map(() => 1))
    expect(a.runtime.pipeline.counts.deduplicated).toBe(400)
  }, 60_000)
})
