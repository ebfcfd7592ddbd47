/**
 * Identity memory as configured: on, in Redis when REDIS_URL is set (shared by every runtime on it),
 * else in DATA_DIR's `identities.db`; off, only the "would have had" count, though a request to forget
 * someone still reaches what an earlier run kept.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, type RuntimeConfig } from '../ops/config'
import type { Log } from '../ops/log'
import { IdentityMemory } from './memory'
import { SQLITE_FILE, type IdentityStore } from './store'

/** Where the runtime of these settings keeps identity memory. */
export type StorePlace = Pick<RuntimeConfig, 'redisUrl' | 'redisPrefix' | 'dataDir'>

export async function openIdentityMemory(config: RuntimeConfig, log: Log): Promise<IdentityMemory> {
  const on = config.settings.identityMemory === 'on'
  const store = on ? await openIdentityStore(config, log, config.identityTtlDays) : undefined
  return new IdentityMemory(store, config.identityTtlDays, log, Date.now, () => openKeptStore(config))
}

/** The store of identity memory: Redis with REDIS_URL, else DATA_DIR's identities.db (created). */
export async function openIdentityStore(place: StorePlace, log: Log, ttlDays: number): Promise<IdentityStore> {
  let store: IdentityStore
  try {
    if (place.redisUrl) {
      const { RedisIdentityStore } = await import('./redis-store')
      store = await RedisIdentityStore.open(place.redisUrl, place.redisPrefix)
    } else {
      const { SqliteIdentityStore } = await import('./sqlite-store')
      store = new SqliteIdentityStore(place.dataDir)
    }
  } catch (error) {
    throw new ConfigError(`identity memory: cannot open its store (${(error as Error).message})`)
  }
  log.info('identity memory on', { store: store.where, ttl_days: ttlDays })
  return store
}

/** The store as it was kept, to forget someone: undefined when nothing was ever kept in DATA_DIR. */
export async function openKeptStore(place: StorePlace): Promise<IdentityStore | undefined> {
  if (place.redisUrl) {
    const { RedisIdentityStore } = await import('./redis-store')
    return RedisIdentityStore.open(place.redisUrl, place.redisPrefix)
  }
  if (!existsSync(join(place.dataDir, SQLITE_FILE))) return undefined
  const { SqliteIdentityStore } = await import('./sqlite-store')
  return new SqliteIdentityStore(place.dataDir)
}
