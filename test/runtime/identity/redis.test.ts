/**
 * Identity memory in Redis (REDIS_URL): two runtimes on one Redis share it (what one learns, the other
 * adds), a DELETE on one forgets for both, every hash expires IDENTITY_TTL_DAYS after it was last
 * written, and neither keys nor values hold a raw input.
 */
import { randomBytes } from 'node:crypto'
import { sha } from '../../helpers'
import { startTestRuntime, waitFor, withKey, type TestRuntime } from '../helpers'
import { redisSuite, startRedis, type RedisServer } from '../redis-server'
import { EMAIL, HASHED_EMAIL, HASHED_PHONE, identify, page, PHONE, purchase, send, sentOrder, TTCLID } from './session'

const { describeWithRedis, redisServer } = redisSuite()

let redis: RedisServer
beforeAll(async () => {
  if (redisServer) redis = await startRedis(redisServer)
})
afterAll(async () => {
  await redis?.stop()
})

const onRedis = (
  prefix: string,
  env: Record<string, string> = { IDENTITY_MEMORY: 'on', CONSENT_CATEGORIES: 'Advertising' }
) =>
  startTestRuntime({
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    IDENTITY_TTL_DAYS: '7',
    FLUSH_INTERVAL_MS: '50',
    WORKERS: '0',
    ...env
  })

/** The order as whichever runtime delivered it (they share one queue). */
async function delivered(tests: TestRuntime[], orderId: string) {
  const find = () => tests.map((test) => sentOrder(test, orderId)).find(Boolean)
  await waitFor(() => find() !== undefined)
  return find()!
}

describeWithRedis('identity memory in Redis, shared by two runtimes', () => {
  it('adds on one runtime what the other learned, forgets for both, expires, and keeps no raw input', async () => {
    const prefix = `test-${randomBytes(4).toString('hex')}:`
    const a = await onRedis(prefix)
    // Started without the variables: it takes the settings the first runtime saved in Redis.
    const b = await onRedis(prefix, {})
    expect(b.runtime.identity.on).toBe(true)
    expect(b.runtime.consentCategories()).toEqual(['Advertising'])
    await send(a.runtime.url, page('anon-1'), identify('anon-1', 'u-77'))
    await send(b.runtime.url, purchase('anon-2', 'u-77', 'order-1'))
    expect((await delivered([a, b], 'order-1')).user).toMatchObject({
      email: [HASHED_EMAIL],
      phone: [HASHED_PHONE],
      ttclid: TTCLID,
      external_id: [sha('u-77')]
    })

    const client = redis.client()
    const all = await client.keys(`${prefix}identity:*`)
    // u-77, anon-1, anon-2, under hashed names, and the set of u-77's devices.
    const keys = all.filter((key) => !key.startsWith(`${prefix}identity:rev:`))
    expect(keys).toHaveLength(3)
    const devices = all.filter((key) => key.startsWith(`${prefix}identity:rev:`))
    expect(devices).toHaveLength(1)
    expect(await client.smembers(devices[0])).toHaveLength(2)
    expect(await client.pttl(devices[0])).toBeGreaterThan(6.9 * 86_400_000)
    let text = keys.join('\n')
    for (const key of keys) {
      const ttl = await client.pttl(key)
      expect(ttl).toBeGreaterThan(6.9 * 86_400_000)
      expect(ttl).toBeLessThanOrEqual(7 * 86_400_000)
      text += JSON.stringify(await client.hgetall(key))
    }
    expect(text).toContain(HASHED_EMAIL) // what it holds is in view
    for (const raw of [
      EMAIL,
      EMAIL.toLowerCase(),
      PHONE,
      '+14155550142',
      'Ada',
      'Lovelace',
      'u-77',
      'anon-1',
      'anon-2'
    ]) {
      expect(text).not.toContain(raw)
    }

    const answer = await fetch(`${a.runtime.url}/api/identities/anon-2`, {
      method: 'DELETE',
      headers: withKey(a.runtime)
    })
    expect(await answer.json()).toEqual({ memory: 'on', forgotten: 3 })
    expect(await client.keys(`${prefix}identity:*`)).toEqual([])
    await send(b.runtime.url, purchase('anon-1', 'u-77', 'order-2'))
    expect((await delivered([a, b], 'order-2')).user.email).toBeUndefined()
  })
})

describeWithRedis('consent and identity saved on the page of one runtime', () => {
  it('apply to every runtime on the Redis, identity memory turned on without a restart', async () => {
    const prefix = `test-${randomBytes(4).toString('hex')}:`
    const a = await onRedis(prefix, {})
    const b = await onRedis(prefix, {})
    expect(b.runtime.identity.on).toBe(false)
    const saved = await fetch(`${a.runtime.url}/api/privacy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...withKey(a.runtime) },
      body: JSON.stringify({ consentCategories: 'Advertising', limitedDataUse: false, identityMemory: true })
    })
    expect(saved.status).toBe(200)
    await waitFor(() => b.runtime.identity.on && b.runtime.consentCategories().length === 1)
    await send(b.runtime.url, page('anon-5'), identify('anon-5', 'u-5'))
    await send(a.runtime.url, purchase('anon-6', 'u-5', 'order-5'))
    expect((await delivered([a, b], 'order-5')).user).toMatchObject({ email: [HASHED_EMAIL], ttclid: TTCLID })
  })
})
