/**
 * An emptied Redis that refuses the writes that would recover from it (over its maxmemory right after
 * the restart): the emptying is said and counted once, whatever the number of heartbeats that find the
 * marker still missing; the group, the marker and the settings are written again without a word once
 * Redis takes them; a second emptying is counted again. A real redis-server, the store alone
 * (storage/redis/stream-store.ts), heartbeats driven by the test.
 */
import { randomBytes } from 'node:crypto'
import { createLog } from '../../src/runtime/ops/log'
import { connectRedis } from '../../src/runtime/storage/redis/connection'
import { redisKeys } from '../../src/runtime/storage/redis/keys'
import { RedisStore } from '../../src/runtime/storage/redis/stream-store'
import { waitFor } from './helpers'
import { redisSuite, startRedis, type RedisServer } from './redis-server'

const { describeWithRedis, redisServer } = redisSuite()

let redis: RedisServer
beforeAll(async () => {
  if (redisServer) redis = await startRedis(redisServer, { appendonly: false })
})
afterAll(async () => {
  await redis?.stop()
})

describeWithRedis('Redis emptied while it refuses writes', () => {
  it('is counted once, recovered silently once Redis takes the writes, and counted again at the next emptying', async () => {
    const admin = redis.client()
    const keys = redisKeys(`recovery-${randomBytes(4).toString('hex')}:`)
    const logs: string[] = []
    const store = new RedisStore({
      client: await connectRedis(redis.url),
      keys,
      claimIdleMs: 30_000,
      log: createLog((line) => logs.push(line)),
      shownUrl: redis.url
    })
    let restores = 0
    store.onEmptied = async () => void restores++
    await store.init()
    // The heartbeat, as its timer runs it (every 10 s here: the test runs it instead).
    const beat = () => (store as unknown as { ownership: { beat(): Promise<void> } }).ownership.beat()
    const ooms = async () => Number(/^errorstat_OOM:count=(\d+)/m.exec(await admin.info('errorstats'))?.[1] ?? 0)
    const said = () => logs.filter((line) => line.includes('Redis came back empty: queued events were lost')).length
    try {
      await admin.flushall()
      await admin.config('SET', 'maxmemory', '1')
      for (let i = 0; i < 4; i++) {
        const before = await ooms()
        await beat()
        // This heartbeat's attempt to write the queue's group again was refused.
        await waitFor(async () => (await ooms()) > before)
      }
      expect(store.emptied.times).toBe(1)
      expect(said()).toBe(1)
      expect(logs.filter((line) => line.includes('could not write the queue again'))).toHaveLength(1)
      expect(restores).toBe(0)

      // Redis has room: written again at the next beat, without another word.
      await admin.config('SET', 'maxmemory', '0')
      await beat()
      await waitFor(() => restores === 1)
      expect(await admin.exists(keys.marker)).toBe(1)
      expect(await admin.exists(keys.queue)).toBe(1)
      await beat()
      expect(store.emptied.times).toBe(1)
      expect(said()).toBe(1)
      expect(store.emptiedReason()).toMatch(/^Redis came back empty at \S+: up to 0 queued events were lost/)

      // Another emptying is another count.
      await admin.flushall()
      await beat()
      await waitFor(() => restores === 2)
      expect(store.emptied.times).toBe(2)
      expect(said()).toBe(2)
    } finally {
      await admin.config('SET', 'maxmemory', '0')
      await store.close()
    }
  }, 30_000)
})
