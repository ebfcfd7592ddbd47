/** Opens where a runtime keeps what it accepts: Redis when REDIS_URL is set, else SQLite in DATA_DIR. */
import { dirname, join } from 'node:path'
import { ConfigError, type RuntimeConfig } from '../ops/config'
import type { Log } from '../ops/log'
import { DeadLetterFile } from './dead-letter-file'
import { DiskSpace } from './disk-space'
import { MappingsFile } from './mappings-file'
import { damagedReason, unacknowledged } from './sqlite/damaged'
import { SqliteStore } from './sqlite/store'
import type { Storage, StorageTrouble } from './store'

/**
 * The embedded default: SQLite and a dead-letter file in DATA_DIR. Its trouble: a full disk (the queue's,
 * the dead-letter file's), and damaged queue files moved aside that were neither salvaged nor removed.
 */
function embeddedStorage(config: RuntimeConfig, log: Log): Storage {
  let store: SqliteStore
  try {
    store = new SqliteStore({ dataDir: config.dataDir, synchronous: config.sqliteSynchronous, log })
  } catch (error) {
    throw new ConfigError(`DATA_DIR ${config.dataDir}: cannot open the queue (${(error as Error).message})`)
  }
  const queueFile = join(config.dataDir, 'queue.db')
  for (const file of unacknowledged(queueFile)) {
    if (file !== store.movedAside)
      log.warn('a damaged queue file waits to be salvaged', { file, next_step: `tiktok-conversions salvage ${file}` })
  }
  const deadLetterDisk = new DiskSpace(dirname(config.deadLetterFile), 'the dead-letter file', log)
  const trouble = (): StorageTrouble => {
    const damaged = unacknowledged(queueFile)
    const deadLetterFull = deadLetterDisk.describe()
    const reasons = [
      ...store.trouble(),
      deadLetterFull &&
        `${deadLetterFull}: the dead-letter file ${config.deadLetterFile} cannot be written; events that failed for good stay queued until it can. Free space on that disk`,
      ...damaged.map(damagedReason)
    ].filter((reason): reason is string => reason !== undefined)
    return { reasons, diskFull: store.disk.full || deadLetterDisk.full, damagedFiles: damaged.length }
  }
  return {
    store,
    deadLetter: new DeadLetterFile(config.deadLetterFile, log, deadLetterDisk),
    mappings: new MappingsFile(config.dataDir),
    trouble
  }
}

/** Redis when REDIS_URL is set (loaded only then: without it, nothing of Redis runs), else the embedded storage. */
export async function openStorage(config: RuntimeConfig, log: Log): Promise<Storage> {
  if (!config.redisUrl) return embeddedStorage(config, log)
  const { redisStorage } = await import('./redis')
  return redisStorage(config, log)
}
