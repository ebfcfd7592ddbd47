/**
 * The runtime's storage when REDIS_URL is set, for several runtimes behind a load balancer: the queue
 * (stream-store.ts), the dead letters (dead-letter-stream.ts), the settings (settings.ts) and the mappings saved on the page (mappings.ts), all in
 * one Redis under REDIS_PREFIX (keys.ts), on one connection (connection.ts).
 */
import { ConfigError, type RuntimeConfig } from '../../ops/config'
import { describeError, type Log } from '../../ops/log'
import type { Storage } from '../store'
import { checkPersistence, connectRedis, shownRedisUrl, watchConnection } from './connection'
import { RedisDeadLetter } from './dead-letter-stream'
import { redisKeys } from './keys'
import { RedisMappings } from './mappings'
import { RedisSettings } from './settings'
import { RedisStore } from './stream-store'

export async function redisStorage(config: RuntimeConfig, log: Log): Promise<Storage> {
  const url = config.redisUrl
  if (!url) throw new ConfigError('REDIS_URL is not set')
  const shown = shownRedisUrl(url)
  const client = await connectRedis(url)
  watchConnection(client, log, shown)
  const keys = redisKeys(config.redisPrefix)
  const store = new RedisStore({
    client,
    keys,
    claimIdleMs: config.redisClaimIdleMs,
    log,
    shownUrl: shown,
    persistence: await checkPersistence(client, log, shown)
  })
  try {
    await store.init()
  } catch (error) {
    client.disconnect()
    throw new ConfigError(`REDIS_URL ${shown}: cannot create the queue's stream and group (${describeError(error)})`)
  }
  const settings = new RedisSettings(client, keys.settings, log)
  const mappings = new RedisMappings(client, keys.mappings, log)
  // Redis came back empty: the settings and the mappings saved on the page go back with the queue's group and marker.
  store.onEmptied = async () => {
    await Promise.all([settings.restore(), mappings.restore()])
  }
  return {
    store,
    deadLetter: new RedisDeadLetter(client, keys.deadLetter, log, store.memory),
    settings,
    mappings,
    trouble: () => {
      const reasons = [store.memory.reason(), store.emptiedReason()].filter((reason): reason is string =>
        Boolean(reason)
      )
      return {
        reasons,
        diskFull: false,
        damagedFiles: 0,
        redisMemoryFull: store.memory.full,
        redisEmptied: store.emptied.times
      }
    }
  }
}
