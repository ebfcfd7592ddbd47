/** Opens where a runtime keeps what it accepts: Redis when REDIS_URL is set, else SQLite in DATA_DIR. */
import { ConfigError, type RuntimeConfig } from '../ops/config'
import type { Log } from '../ops/log'
import { DeadLetterFile } from './dead-letter-file'
import { SqliteStore } from './sqlite/store'
import type { Storage } from './store'

/** The embedded default: SQLite and a dead-letter file in DATA_DIR. */
function embeddedStorage(config: RuntimeConfig, log: Log): Storage {
  try {
    return {
      store: new SqliteStore({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous }),
      deadLetter: new DeadLetterFile(config.deadLetterFile, log)
    }
  } catch (error) {
    throw new ConfigError(`DATA_DIR ${config.dataDir}: cannot open the queue (${(error as Error).message})`)
  }
}

/** Redis when REDIS_URL is set (loaded only then: without it, nothing of Redis runs), else the embedded storage. */
export async function openStorage(config: RuntimeConfig, log: Log): Promise<Storage> {
  if (!config.redisUrl) return embeddedStorage(config, log)
  const { redisStorage } = await import('./redis')
  return redisStorage(config, log)
}
