/**
 * Identity memory in Redis (REDIS_URL), shared by every runtime on it: one hash per person key,
 * `<REDIS_PREFIX>identity:<key>` (`u:` or `a:` and a SHA-256), a field per fact (`email`, `phone`, `ttclid`, `ttp`: the value, as
 * sent, and when it was seen, as JSON) and one per link (`link:<key>`), expiring IDENTITY_TTL_DAYS
 * after it was last written (PEXPIREAT). Its own connection, so a slow lookup never holds the queue's.
 */
import type Redis from 'ioredis'
import { connectRedis, shownRedisUrl } from '../storage/redis/connection'
import { REMEMBERED_KEYS, type Facts } from './facts'
import type { IdentityStore, PersonRecord } from './store'

const LINK = 'link:'

export class RedisIdentityStore implements IdentityStore {
  private constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    readonly where: string
  ) {}

  static async open(url: string, prefix: string): Promise<RedisIdentityStore> {
    return new RedisIdentityStore(await connectRedis(url), `${prefix}identity:`, shownRedisUrl(url))
  }

  async load(keys: string[]): Promise<Map<string, PersonRecord>> {
    const found = new Map<string, PersonRecord>()
    if (keys.length === 0) return found
    const batch = this.client.pipeline()
    for (const key of keys) batch.hgetall(this.prefix + key)
    const replies = (await batch.exec()) ?? []
    replies.forEach(([error, hash], i) => {
      if (error) throw error
      const fields = hash as Record<string, string>
      if (Object.keys(fields).length === 0) return
      const facts: Facts = {}
      for (const name of REMEMBERED_KEYS) if (fields[name]) facts[name] = JSON.parse(fields[name])
      const links = Object.keys(fields)
        .filter((field) => field.startsWith(LINK))
        .map((field) => field.slice(LINK.length))
      found.set(keys[i], { facts, links })
    })
    return found
  }

  async learn(keys: string[], facts: Facts, expiresAt: number): Promise<void> {
    const batch = this.client.multi()
    for (const key of keys) {
      const fields: Record<string, string> = {}
      // What an event says is seen now: newer than anything the hash holds.
      for (const name of REMEMBERED_KEYS) if (facts[name]) fields[name] = JSON.stringify(facts[name])
      for (const other of keys) if (other !== key) fields[LINK + other] = '1'
      if (Object.keys(fields).length) batch.hset(this.prefix + key, fields)
      batch.pexpireat(this.prefix + key, expiresAt)
    }
    await batch.exec()
  }

  async remove(keys: string[]): Promise<void> {
    if (keys.length) await this.client.del(...keys.map((key) => this.prefix + key))
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect())
  }
}
