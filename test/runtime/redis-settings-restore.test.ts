/**
 * Settings written back after Redis lost them (storage/redis/settings.ts restore()): a runtime's own
 * settings, whole, when the hash is still gone; the hash as it is when another runtime wrote it back
 * first, never mixed with a stale copy (no field a newer save removed comes back). A real redis-server.
 */
import { randomBytes } from 'node:crypto'
import { createLog } from '../../src/runtime/ops/log'
import { RedisSettings } from '../../src/runtime/storage/redis/settings'
import { redisSuite, startRedis, type RedisServer } from './redis-server'

const { describeWithRedis, redisServer } = redisSuite()
const TOKEN = 'restore-token-aaaaaaaaaaaaaaaa-1'
const NEWER_TOKEN = 'restore-token-bbbbbbbbbbbbbbbb-2'

let redis: RedisServer
beforeAll(async () => {
  if (redisServer) redis = await startRedis(redisServer)
})
afterAll(async () => {
  await redis?.stop()
})

describeWithRedis('settings written back after Redis lost them', () => {
  it("are one runtime's whole, never a stale runtime's fields mixed into what another wrote back", async () => {
    const client = redis.client()
    const key = `restore-${randomBytes(4).toString('hex')}:settings`
    const logs: string[] = []
    const a = new RedisSettings(
      client,
      key,
      createLog((line) => logs.push(`a ${line}`))
    )
    const b = new RedisSettings(
      client,
      key,
      createLog((line) => logs.push(`b ${line}`))
    )
    await a.load({ accessToken: TOKEN, pixelCode: 'PIXELA', appID: '7301' })
    await b.load({})
    // A newer save (on b's page) drops the App ID; a has not heard of it yet.
    await b.save({ accessToken: NEWER_TOKEN, pixelCode: 'PIXELB' })

    // Redis loses the hash; b writes its settings back first, then a tries with its stale copy.
    await client.del(key)
    expect(await b.restore()).toEqual({ accessToken: NEWER_TOKEN, pixelCode: 'PIXELB' })
    expect(await a.restore()).toEqual({ accessToken: NEWER_TOKEN, pixelCode: 'PIXELB' })
    const { since, ...held } = await client.hgetall(key)
    expect(held).toEqual({ accessToken: NEWER_TOKEN, pixelCode: 'PIXELB' })
    expect(since).toMatch(/^\d{4}-\d\d-\d\dT/)
    // Said by the one that wrote them back, without the token.
    expect(logs.filter((line) => line.includes('stored again from this runtime'))).toEqual([
      expect.stringMatching(/^b .* warn the settings were gone from Redis .* pixel_code=PIXELB$/)
    ])
    expect(logs.join('\n')).not.toContain('restore-token')

    // Gone again: a writes all of its own (now b's) back, at once.
    await client.del(key)
    expect(await a.restore()).toEqual({ accessToken: NEWER_TOKEN, pixelCode: 'PIXELB' })
    expect(await client.hget(key, 'pixelCode')).toBe('PIXELB')
    expect(await client.hexists(key, 'appID')).toBe(0)
  })
})
