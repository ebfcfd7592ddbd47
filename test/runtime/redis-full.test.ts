/**
 * Redis full, for real: a redis-server with `--maxmemory 20mb --maxmemory-policy noeviction` and TikTok
 * (the stand-in) answering 503 while the queue fills, then 200. Refusals are honest, /health names
 * Redis's memory, and once TikTok answers every accepted event is delivered once, the stream drains, and
 * intake takes events again (storage/redis/memory.ts, acknowledgements.ts).
 */
import { randomBytes } from 'node:crypto'
import { countingStandIn, orderCompleted, post, startTestRuntime, waitFor } from './helpers'
import { redisSuite, startRedis, type RedisServer } from './redis-server'

const { describeWithRedis, redisServer } = redisSuite()

let redis: RedisServer
beforeAll(async () => {
  if (redisServer) redis = await startRedis(redisServer, { args: ['--maxmemory', '20mb'] })
})
afterAll(async () => {
  await redis?.stop()
})

/** An Order Completed event of about 4 KB (a long note): Redis fills after a few thousand. */
const bigEvent = (i: number) => {
  const event = orderCompleted(i)
  return { ...event, properties: { ...event.properties, note: `${i}:`.padEnd(4000, 'x') } }
}

const health = async (url: string) => (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>
const metric = async (url: string, name: string) =>
  new RegExp(`^tiktok_conversions_${name} (\\S+)$`, 'm').exec(await (await fetch(`${url}/metrics`)).text())?.[1]
const linesOf = (logs: string[], text: string) => logs.filter((line) => line.includes(text))

describeWithRedis('Redis out of memory', () => {
  it('refuses new events while full and says so; once TikTok answers, delivers each accepted event once, drains and takes events again', async () => {
    let tiktokUp = false
    const { standIn, delivered } = await countingStandIn({
      script: () => (tiktokUp ? undefined : { status: 503, body: 'Service Unavailable' })
    })
    const prefix = `full-${randomBytes(4).toString('hex')}:`
    const env = {
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      REDIS_CLAIM_IDLE_MS: '1500',
      FLUSH_INTERVAL_MS: '100',
      WORKERS: '0',
      TIKTOK_ACCESS_TOKEN: 'redis-secret-token-5e5e5e',
      TIKTOK_PIXEL_CODE: 'REDISPIXEL',
      TIKTOK_API_URL: standIn.url
    }
    const { runtime, logs } = await startTestRuntime(env)

    // Fill Redis: batches of 100 events until one is refused.
    const accepted: string[] = []
    let refusal: Awaited<ReturnType<typeof post>> | undefined
    for (let from = 0; from < 20_000 && !refusal; from += 100) {
      const batch = Array.from({ length: 100 }, (_, i) => bigEvent(from + i))
      const response = await post(`${runtime.url}/v1/batch`, { batch })
      if (response.status === 200) accepted.push(...batch.map((event) => event.messageId))
      else refusal = response
    }
    expect(refusal?.status).toBe(503)
    expect((refusal?.json as { message: string }).message).toMatch(/Redis\) is out of memory/)
    expect(accepted.length).toBeGreaterThan(1000)
    // Redis's usage hovers at the edge (a refused request's own bytes counted it over): held firmly
    // over, as a Redis shared with other data is, by a maxmemory 1 MB under what it uses.
    const client = redis.client()
    const used = Number(/^used_memory:(\d+)/m.exec(await client.info('memory'))?.[1])
    await client.config('SET', 'maxmemory', String(used - 1024 * 1024))
    // Another refusal says nothing new in the log: the state was said once.
    expect((await post(`${runtime.url}/v1/track`, bigEvent(90_000))).status).toBe(503)
    await waitFor(() => linesOf(logs, 'Redis out of memory').length > 0)
    expect(linesOf(logs, 'Redis out of memory')).toHaveLength(1)
    expect(linesOf(logs, 'queue write failed')).toEqual([])

    // A runtime started while Redis is full starts (its group and marker are there), and knows it is
    // full from its measure alone, before any event of its own is refused.
    const second = await startTestRuntime({ ...env })
    await waitFor(async () => String((await health(second.runtime.url)).reason).startsWith('Redis is out of memory'))
    expect((await post(`${second.runtime.url}/v1/track`, bigEvent(90_002))).status).toBe(503)

    const full = await health(runtime.url)
    expect(full.status).toBe('degraded')
    expect(full.reason).toMatch(
      /^Redis is out of memory \(used [\d.]+ MB of maxmemory [\d.]+ MB\) since \S+: new events are refused \(503\)/
    )
    expect(await metric(runtime.url, 'redis_memory_full')).toBe('1')

    // TikTok answers again: every accepted event delivered once, the stream drained, within 60 s.
    tiktokUp = true
    await waitFor(async () => delivered.size >= accepted.length && (await client.xlen(`${prefix}queue`)) === 0, 60_000)
    expect(new Set(delivered.keys())).toEqual(new Set(accepted))
    expect([...delivered.values()].filter((times) => times > 1)).toEqual([])

    // Room again: events are taken, /health no longer names Redis's memory.
    await waitFor(async () => (await post(`${runtime.url}/v1/track`, bigEvent(90_001))).status === 200, 10_000)
    await waitFor(async () => !String((await health(runtime.url)).reason ?? '').includes('out of memory'), 5_000)
    expect(await metric(runtime.url, 'redis_memory_full')).toBe('0')
    expect(linesOf(logs, 'Redis has room again')).toHaveLength(1)
    await waitFor(() => delivered.has('msg-90001'))
    expect([...delivered.values()].filter((times) => times > 1)).toEqual([])
  }, 120_000)
})
