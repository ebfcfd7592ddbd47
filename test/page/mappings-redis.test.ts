/**
 * The mappings saved on the page with REDIS_URL: kept in Redis and applied at once by every runtime
 * on it (pub/sub), by a runtime started later, and written out by `mappings export`.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { MappingEntry } from '../../src/runtime/routing/entries'
import { post, startTestRuntime, waitFor, withKey, type TestRuntime } from '../runtime/helpers'
import { redisSuite, startRedis, type RedisServer } from '../runtime/redis-server'

const { describeWithRedis, redisServer } = redisSuite()

let redis: RedisServer
beforeAll(async () => {
  if (redisServer) redis = await startRedis(redisServer)
})
afterAll(async () => {
  await redis?.stop()
})

const onRedis = (prefix: string) => startTestRuntime({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, WORKERS: '0' })

async function mappings(test: TestRuntime): Promise<MappingEntry[]> {
  const response = await fetch(`${test.runtime.url}/api/mappings`, { headers: withKey(test.runtime) })
  return (await response.json()).mappings
}

const completePayment = async (test: TestRuntime) =>
  (await mappings(test)).find((mapping) => mapping.name === 'Complete Payment')?.subscribe

/** How many of a page call, "Purchase Done" and "Order Completed" the runtime routed nowhere. */
async function unmatchedOfThree(test: TestRuntime, round: string): Promise<number> {
  const before = test.runtime.pipeline.counts.unmatched
  const batch = [
    { type: 'page', name: 'Home', userId: 'u', messageId: `page-${round}` },
    { type: 'track', event: 'Purchase Done', userId: 'u', messageId: `done-${round}` },
    { type: 'track', event: 'Order Completed', userId: 'u', messageId: `completed-${round}` }
  ]
  expect((await post(`${test.runtime.url}/v1/batch`, { batch })).status).toBe(200)
  return test.runtime.pipeline.counts.unmatched - before
}

describeWithRedis('mappings saved on the page, on one Redis', () => {
  it('are applied by every runtime at once, and by one started later', async () => {
    const prefix = `test-${randomBytes(4).toString('hex')}:`
    const a = await onRedis(prefix)
    const b = await onRedis(prefix)
    expect(await unmatchedOfThree(b, '1')).toBe(1) // Purchase Done matches nothing yet
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
    expect((await put.json()).source).toBe(`saved on the page (redis key ${prefix}mappings)`)
    await waitFor(async () => (await completePayment(b)) === 'event = "Purchase Done"')
    expect(await unmatchedOfThree(b, '2')).toBe(2) // the page call and Order Completed
    expect(b.logs.some((line) => line.includes('mappings changed by another runtime'))).toBe(true)

    const c = await onRedis(prefix)
    expect(await mappings(c)).toEqual(edited)
    expect(c.runtime.subscriptionSource).toBe(`saved on the page (redis key ${prefix}mappings)`)
    expect(await unmatchedOfThree(c, '3')).toBe(2)

    // `mappings export` reads the same list from Redis.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'mappings', 'export'],
      {
        cwd: join(__dirname, '..', '..'),
        env: { ...process.env, REDIS_URL: redis.url, REDIS_PREFIX: prefix, MAPPINGS: '' }
      }
    )
    expect(JSON.parse(stdout)).toEqual(edited)
  })
})
