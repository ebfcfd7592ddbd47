/**
 * What both identity stores (SQLite, and Redis with REDIS_SERVER) must do beyond a lookup: drop a fact
 * older than the TTL from a record kept alive by newer ones, and forget every device of a user, however
 * many, even after the user's own record expired. And memory's own limits: a ttclid older than 7 days
 * is not added.
 */
import type { SegmentEvent } from '@segment/actions-core'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { personKey } from '../../../src/runtime/identity/facts'
import { IdentityMemory } from '../../../src/runtime/identity/memory'
import { RedisIdentityStore } from '../../../src/runtime/identity/redis-store'
import { SqliteIdentityStore } from '../../../src/runtime/identity/sqlite-store'
import { forgetPerson, type IdentityStore } from '../../../src/runtime/identity/store'
import { createLog } from '../../../src/runtime/ops/log'
import { redisSuite, startRedis, type RedisServer } from '../redis-server'

const DAY = 86_400_000
const TTL = 28 * DAY
/** Now: Redis expires hashes on its own clock. */
const T0 = Date.now()
const { describeWithRedis, redisServer } = redisSuite()
const [user, phone, laptop] = [
  personKey('user', 'u'),
  personKey('anonymous', 'phone'),
  personKey('anonymous', 'laptop')
]

let redis: RedisServer | undefined
beforeAll(async () => {
  if (redisServer) redis = await startRedis(redisServer)
})
afterAll(async () => {
  await redis?.stop()
})

interface Opened {
  store: IdentityStore
  /** Whether the store holds a fact of this name for the key, whatever its age. */
  holds(key: string, name: string): Promise<boolean>
  /** Lets a key's record expire now (as if its TTL passed while others stayed). */
  expire(key: string): Promise<void>
}

function behaves(name: string, describeIt: jest.Describe, open: () => Promise<Opened>) {
  describeIt(`the ${name} store`, () => {
    it('drops a fact older than the TTL even though newer facts kept the record alive', async () => {
      const { store, holds } = await open()
      const t0 = T0
      await store.learn([user], { email: { value: 'E', at: t0 } }, t0 + TTL, t0 - TTL)
      // A new ttp every day keeps the record alive.
      for (let day = 1; day <= 29; day++) {
        const now = t0 + day * DAY
        await store.learn([user], { ttp: { value: `T${day}`, at: now } }, now + TTL, now - TTL)
        expect(await holds(user, 'email')).toBe(day <= 28)
      }
      expect(await holds(user, 'ttp')).toBe(true)
      await store.close()
    })

    it('forgets a user’s devices after the user’s record expired, and more than 32 of them', async () => {
      const { store, expire } = await open()
      const now = T0
      await store.learn([user, phone], { email: { value: 'E', at: now } }, now + TTL, now - TTL)
      // The phone keeps coming without the userId: its record outlives the user's.
      await store.learn([phone], { ttp: { value: 'T', at: now } }, now + TTL, now - TTL)
      await expire(user)
      expect((await store.load([user])).size).toBe(0)
      expect(await forgetPerson(store, [user, personKey('anonymous', 'u')])).toBe(1)
      expect((await store.load([phone])).size).toBe(0)

      const devices = Array.from({ length: 40 }, (_, i) => personKey('anonymous', `d${i}`))
      for (const device of devices) await store.learn([user, device], {}, now + TTL, now - TTL)
      await store.learn([laptop], { email: { value: 'OTHER', at: now } }, now + TTL, now - TTL)
      expect(await forgetPerson(store, [user])).toBe(41)
      expect((await store.load(devices)).size).toBe(0)
      expect((await store.load([laptop])).size).toBe(1)
      await store.close()
    })
  })
}

behaves('SQLite', describe, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'identity-'))
  const store = new SqliteIdentityStore(dir, () => T0)
  return {
    store,
    holds: async (key, name) => {
      const record = (await store.load([key])).get(key)
      return record !== undefined && name in record.facts
    },
    expire: async (key) => {
      // Another connection on the same file, as a sweep past the user's expiry would leave it.
      const Database = (await import('libsql')).default
      const db = new Database(join(dir, 'identities.db'))
      db.prepare('UPDATE persons SET expires_at = 0 WHERE key = ?').run(key)
      db.close()
    }
  }
})

behaves('Redis', describeWithRedis, async () => {
  const prefix = `test-${randomBytes(4).toString('hex')}:`
  const store = await RedisIdentityStore.open(redis!.url, prefix)
  const client = redis!.client()
  return {
    store,
    holds: async (key, name) => (await client.hexists(`${prefix}identity:${key}`, name)) === 1,
    expire: async (key) => {
      await client.del(`${prefix}identity:${key}`)
    }
  }
})

describe('IdentityMemory', () => {
  const event = (fields: object) => ({ type: 'track', event: 'Order Completed', ...fields }) as SegmentEvent

  it('does not add a ttclid older than 7 days (TikTok’s limit), though the TTL is longer', async () => {
    let now = 1_000 * DAY
    const store = new SqliteIdentityStore(mkdtempSync(join(tmpdir(), 'identity-')), () => now)
    const memory = new IdentityMemory(
      store,
      28,
      createLog(() => undefined),
      () => now
    )
    await memory.prepare([event({ userId: 'u', properties: { ttclid: 'CLICK', email: 'e@example.com' } })], () => true)
    now += 7 * DAY
    const week = await memory.prepare([event({ userId: 'u' })], () => true)
    expect(week.events[0].properties).toMatchObject({ ttclid: 'CLICK' })
    now += 1
    const later = await memory.prepare([event({ userId: 'u' })], () => true)
    expect(later.events[0].properties?.ttclid).toBeUndefined()
    expect([...later.gains.values()]).toEqual([['email']])
    await memory.close()
  })
})
