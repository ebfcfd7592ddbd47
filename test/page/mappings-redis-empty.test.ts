/**
 * The mappings saved on the page survive Redis restarting empty (no persistence): the runtime that
 * knew them writes them back (storage/redis/mappings.ts restore), so a runtime started afterwards
 * routes with them, not with the presets.
 */
import { randomBytes } from 'node:crypto'
import type { MappingEntry } from '../../src/runtime/routing/entries'
import { startTestRuntime, waitFor, withKey, type TestRuntime } from '../runtime/helpers'
import { redisSuite, startRedis, type RedisServer } from '../runtime/redis-server'

const { describeWithRedis, redisServer } = redisSuite()

let redis: RedisServer
beforeAll(async () => {
  if (redisServer) redis = await startRedis(redisServer, { appendonly: false })
})
afterAll(async () => {
  await redis?.stop()
})

async function mappings(test: TestRuntime): Promise<MappingEntry[]> {
  const response = await fetch(`${test.runtime.url}/api/mappings`, { headers: withKey(test.runtime) })
  return (await response.json()).mappings
}

describeWithRedis('mappings saved on the page, Redis restarted empty', () => {
  it('are written back by the runtime that knew them, and a runtime started later has them', async () => {
    const prefix = `mapempty-${randomBytes(4).toString('hex')}:`
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: prefix, REDIS_CLAIM_IDLE_MS: '1500', WORKERS: '0' }
    const a = await startTestRuntime(env)
    const edited = (await mappings(a)).map((mapping) =>
      mapping.name === 'Page View'
        ? { ...mapping, enabled: false }
        : mapping.name === 'Complete Payment'
          ? { ...mapping, subscribe: 'event = "Purchase Done"' }
          : mapping
    )
    const put = await fetch(`${a.runtime.url}/api/mappings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...withKey(a.runtime) },
      body: JSON.stringify(edited)
    })
    expect(put.status).toBe(200)

    await redis.kill()
    await redis.start()
    const client = redis.client()
    expect(await client.exists(`${prefix}mappings`)).toBe(0)
    await waitFor(async () => (await client.exists(`${prefix}mappings`)) === 1, 15_000)
    expect(a.logs.filter((line) => line.includes('mappings saved on the page were gone from Redis'))).toHaveLength(1)

    const later = await startTestRuntime(env)
    expect(await mappings(later)).toEqual(edited)
    expect(later.runtime.subscriptionSource).toBe(`saved on the page (redis key ${prefix}mappings)`)
    // The runtime that wrote them back still routes with them.
    expect(await mappings(a)).toEqual(edited)
  }, 60_000)
})
