/**
 * Identity memory as configured: with IDENTITY_MEMORY=on, in Redis when REDIS_URL is set (shared by
 * every runtime on it), else in DATA_DIR's `identities.db`; off, only the "would have had" count.
 */
import { ConfigError, type RuntimeConfig } from '../ops/config'
import type { Log } from '../ops/log'
import { IdentityMemory } from './memory'
import type { IdentityStore } from './store'

export async function openIdentityMemory(config: RuntimeConfig, log: Log): Promise<IdentityMemory> {
  const on = config.settings.identityMemory === 'on'
  return new IdentityMemory(on ? await openIdentityStore(config, log) : undefined, config.identityTtlDays, log)
}

/** The store of identity memory: Redis with REDIS_URL, else DATA_DIR's identities.db. */
export async function openIdentityStore(config: RuntimeConfig, log: Log): Promise<IdentityStore> {
  let store: IdentityStore
  try {
    if (config.redisUrl) {
      const { RedisIdentityStore } = await import('./redis-store')
      store = await RedisIdentityStore.open(config.redisUrl, config.redisPrefix)
    } else {
      const { SqliteIdentityStore } = await import('./sqlite-store')
      store = new SqliteIdentityStore(config.dataDir)
    }
  } catch (error) {
    throw new ConfigError(`identity memory: cannot open its store (${(error as Error).message})`)
  }
  log.info('identity memory on', { store: store.where, ttl_days: config.identityTtlDays })
  return store
}
