/**
 * Identity memory in Redis (REDIS_URL), shared by every runtime on it: one hash per person key,
 * `<REDIS_PREFIX>identity:<key>` (`u:` or `a:` and a SHA-256), a field per fact (`email`, `phone`, `ttclid`, `ttp`: the value, as
 * sent, and when it was seen, as JSON) and one per link (`link:<key>`), expiring IDENTITY_TTL_DAYS
 * after it was last written (PEXPIREAT); a fact seen more than IDENTITY_TTL_DAYS ago goes (HDEL) in the
 * same write. Each user's devices are also kept in a set, `<REDIS_PREFIX>identity:rev:<user key>`, with
 * the same expiry, so that forgetting the user finds them after the user's hash expired. Its own
 * connection, so a slow lookup never holds the queue's.
 */
import type Redis from 'ioredis'
import { connectRedis, shownRedisUrl } from '../storage/redis/connection'
import { replies } from '../storage/redis/replies'
import { REMEMBERED_KEYS, type Facts } from './facts'
import type { IdentityStore, PersonRecord } from './store'

const LINK = 'link:'
const REV = 'rev:'

/**
 * One record's write, atomic: drops the facts seen before `since` (ARGV[1]), sets the new fields
 * (ARGV[5]...), moves the expiry (ARGV[2]) and, for a device (ARGV[4], its key), adds it to the set of
 * each user it links to (ARGV[3], the sets' prefix), with the same expiry.
 */
const LEARN_SCRIPT = `
local key, since, expires, revPrefix, self = KEYS[1], tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
for _, name in ipairs({${REMEMBERED_KEYS.map((name) => `'${name}'`).join(', ')}}) do
  local held = redis.call('HGET', key, name)
  if held then
    local ok, fact = pcall(cjson.decode, held)
    if not ok or type(fact) ~= 'table' or type(fact.at) ~= 'number' or fact.at < since then
      redis.call('HDEL', key, name)
    end
  end
end
if #ARGV > 4 then redis.call('HSET', key, unpack(ARGV, 5)) end
redis.call('PEXPIREAT', key, expires)
if string.sub(self, 1, 2) == 'a:' then
  for _, field in ipairs(redis.call('HKEYS', key)) do
    if string.sub(field, 1, ${LINK.length + 2}) == '${LINK}u:' then
      local rev = revPrefix .. string.sub(field, ${LINK.length + 1})
      redis.call('SADD', rev, self)
      redis.call('PEXPIREAT', rev, expires)
    end
  end
end
return 1
`

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

  async learn(keys: string[], facts: Facts, expiresAt: number, since: number): Promise<void> {
    const batch = this.client.multi()
    for (const key of keys) {
      const fields: string[] = []
      // What an event says is seen now: newer than anything the hash holds.
      for (const name of REMEMBERED_KEYS) if (facts[name]) fields.push(name, JSON.stringify(facts[name]))
      for (const other of keys) if (other !== key) fields.push(LINK + other, '1')
      batch.eval(
        LEARN_SCRIPT,
        1,
        this.prefix + key,
        String(since),
        String(expiresAt),
        this.prefix + REV,
        key,
        ...fields
      )
    }
    replies(await batch.exec())
  }

  async linkedTo(key: string): Promise<string[]> {
    return this.client.smembers(this.prefix + REV + key)
  }

  async remove(keys: string[]): Promise<void> {
    if (keys.length) await this.client.del(...keys.flatMap((key) => [this.prefix + key, this.prefix + REV + key]))
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect())
  }
}
