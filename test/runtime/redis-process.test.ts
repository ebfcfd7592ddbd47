/**
 * Runtimes as `npm start` runs them (src/cli.ts), each in its own process, on one Redis: killed for
 * real (SIGKILL), and Redis itself killed (SIGKILL) and restarted on its AOF.
 */
import { randomBytes } from 'node:crypto'
import type { ConsumerState } from '../../src/runtime/storage/store'
import { kill, startCli } from './cli-process'
import { countingStandIn, orderCompleted, post, waitFor } from './helpers'
import { redisSuite, startRedis, type RedisServer } from './redis-server'

const { describeWithRedis, redisServer } = redisSuite()
const TOKEN = 'process-redis-token-77aa'

let redis: RedisServer
beforeAll(async () => {
  if (redisServer) redis = await startRedis(redisServer)
})
afterAll(async () => {
  await redis?.stop()
})

interface Health {
  status: string
  consumer: ConsumerState
}

const health = async (url: string) => (await (await fetch(`${url}/health`)).json()) as Health

/** Posts `count` events from `from` in one /v1/batch; the messageIds whose request was answered 200. */
async function send(url: string, from: number, count: number): Promise<string[]> {
  const batch = Array.from({ length: count }, (_, i) => orderCompleted(from + i))
  const { status } = await post(`${url}/v1/batch`, { batch }).catch(() => ({ status: 0 }))
  return status === 200 ? batch.map((event) => event.messageId) : []
}

const runtimeEnv = (prefix: string, apiUrl: string) => ({
  REDIS_URL: redis.url,
  REDIS_PREFIX: prefix,
  REDIS_CLAIM_IDLE_MS: '1500',
  TIKTOK_ACCESS_TOKEN: TOKEN,
  TIKTOK_PIXEL_CODE: 'PROCPIXEL',
  TIKTOK_API_URL: apiUrl,
  FLUSH_INTERVAL_MS: '200',
  RETRY_BASE_MS: '100',
  RETRY_MAX_MS: '400',
  WORKERS: '1'
})

describeWithRedis('runtimes on one Redis, killed for real', () => {
  it('SIGKILL one while TikTok answers 503: once TikTok recovers, the other delivers every accepted event, the killed one’s share included', async () => {
    let failing = true
    const { standIn, delivered } = await countingStandIn({
      keepBodies: false,
      script: () => (failing ? { status: 503, body: 'busy' } : undefined)
    })
    const prefix = `proc-${randomBytes(4).toString('hex')}:`
    const [a, b] = await Promise.all([
      startCli(runtimeEnv(prefix, standIn.url)),
      startCli(runtimeEnv(prefix, standIn.url))
    ])
    const accepted: string[] = []
    for (let i = 0; i < 8; i++) {
      accepted.push(...(await send(a.url, i * 50, 50)))
      accepted.push(...(await send(b.url, 1000 + i * 50, 50)))
    }
    expect(accepted).toHaveLength(800)
    // A holds deliveries it has tried and failed: they are in its pending list, with their retry state.
    let seenA = await health(a.url)
    await waitFor(async () => {
      seenA = await health(a.url)
      return seenA.status === 'degraded' && seenA.consumer.owned > 0
    })
    const heldByA: number = seenA.consumer.owned
    const client = redis.client()
    const pendingOfA = (await client.xpending(`${prefix}queue`, 'delivery', '-', '+', 10_000, seenA.consumer.name)) as [
      string
    ][]
    expect(pendingOfA.length).toBe(heldByA)

    await kill(a)
    const retryStates = (await client.hmget(`${prefix}retry`, ...pendingOfA.map(([id]) => id))).filter(Boolean)
    expect(retryStates.length).toBeGreaterThan(0)
    expect(JSON.parse(retryStates[0]!)).toMatchObject({
      attempts: expect.any(Number),
      firstFailedAt: expect.any(Number)
    })
    failing = false

    await waitFor(() => delivered.size >= 800, 20_000)
    expect(new Set(delivered.keys())).toEqual(new Set(accepted))
    const seenB = await health(b.url)
    expect(seenB.consumer.claimed).toBeGreaterThanOrEqual(heldByA)
    expect(b.stderr.join('\n')).toMatch(
      / info took over deliveries left by a runtime that stopped or stopped answering deliveries=\d+/
    )
    // Nothing is left behind in Redis: the killed runtime's entries were acknowledged by the other.
    const left = async () => [await client.xlen(`${prefix}queue`), await client.hlen(`${prefix}retry`)]
    await waitFor(async () => (await left()).every((n) => n === 0), 5_000).catch(() => undefined)
    expect(await left()).toEqual([0, 0])
    expect([...b.stderr, ...a.stderr].join('\n')).not.toContain(TOKEN)
  }, 60_000)

  it('SIGKILL a runtime between two attempts: the next owner goes on from its retry state (the next attempt’s time, the attempts so far)', async () => {
    let failing = true
    const { standIn, delivered, deliveredAt } = await countingStandIn({
      keepBodies: false,
      script: () => (failing ? { status: 503, body: 'busy' } : undefined)
    })
    const prefix = `proc-${randomBytes(4).toString('hex')}:`
    // The first retry waits 3 to 6 s: far longer than the claim time, so a new owner that forgot it would send at once.
    const env = { ...runtimeEnv(prefix, standIn.url), RETRY_BASE_MS: '6000', RETRY_MAX_MS: '6000' }
    const a = await startCli(env)
    const sent = await send(a.url, 0, 10)
    expect(sent).toHaveLength(10)
    const client = redis.client()
    await waitFor(async () => (await client.hlen(`${prefix}retry`)) === 10)
    const states = Object.values(await client.hgetall(`${prefix}retry`)).map(
      (text) => JSON.parse(text) as { attempts: number; nextAt: number; firstFailedAt: number }
    )
    expect(states.every(({ attempts }) => attempts === 1)).toBe(true)
    const nextAt = Math.min(...states.map((state) => state.nextAt))
    expect(standIn.stats.requests).toBe(1)

    await kill(a)
    failing = false
    const b = await startCli(env)
    await waitFor(() => delivered.size >= 10, 15_000)
    expect(new Set(delivered.keys())).toEqual(new Set(sent))
    expect(Math.min(...deliveredAt.values())).toBeGreaterThanOrEqual(nextAt)
    expect(standIn.stats.requests).toBe(2)
    // Its log line comes once the batch is settled in Redis.
    const line = / info batch mapping="Complete Payment" events=10 delivered=10 status=200 attempt=2 /
    await waitFor(() => b.stderr.some((text) => line.test(text)))
  }, 30_000)

  it('Redis killed (SIGKILL) and restarted on its AOF, the runtime killed too: every event the Tracking API acknowledged is delivered', async () => {
    let failing = true
    const { standIn, delivered } = await countingStandIn({
      keepBodies: false,
      script: () => (failing ? { status: 503, body: 'busy' } : undefined)
    })
    const prefix = `proc-${randomBytes(4).toString('hex')}:`
    const a = await startCli(runtimeEnv(prefix, standIn.url))
    // A client sends 20 events at a time, one request after the other, through the Redis crash.
    const acknowledged: string[] = []
    let refused = 0
    let sending = true
    const sender = (async () => {
      for (let n = 0; sending; n++) {
        const ok = await send(a.url, n * 20, 20)
        acknowledged.push(...ok)
        if (!ok.length) refused++
      }
    })()
    await waitFor(() => acknowledged.length >= 400 && standIn.stats.requests > 0, 15_000)
    await redis.kill()
    await waitFor(() => refused >= 3, 10_000)
    sending = false
    await sender
    await kill(a) // what it held in memory is gone: only Redis has the events now
    const before = acknowledged.length

    await redis.start()
    failing = false
    const b = await startCli(runtimeEnv(prefix, standIn.url))
    await waitFor(() => acknowledged.every((id) => delivered.has(id)), 20_000)
    expect(acknowledged.length).toBe(before)
    expect(before).toBeGreaterThanOrEqual(400)
    expect(b.stderr.join('\n')).toMatch(/ info took over deliveries/)
  }, 60_000)

  it('refuses to start (exit 2) when REDIS_URL does not answer, saying so without its password', async () => {
    const refused = startCli({ REDIS_URL: 'redis://:secret-pass@127.0.0.1:1/0' })
    await expect(refused).rejects.toThrow(
      /runtime exited with 2: .* error cannot start reason="REDIS_URL redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0: cannot reach Redis \(connect ECONNREFUSED 127\.0\.0\.1:1\)"/
    )
    await expect(refused).rejects.not.toThrow('secret-pass')
  }, 20_000)
})
