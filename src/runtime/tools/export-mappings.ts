/**
 * `tiktok-conversions mappings export`: the mappings a runtime started with these variables would have
 * in force (the list saved on the page, in DATA_DIR or in Redis with REDIS_URL; else MAPPINGS; else
 * the presets), as a mappings file's JSON text, and where they came from.
 */
import type Redis from 'ioredis'
import { dataDirFromEnv, redisPrefixFromEnv } from '../ops/config'
import type { Log } from '../ops/log'
import { mappingEntries } from '../routing/entries'
import { startingRouting } from '../routing/in-force'
import { MappingsFile } from '../storage/mappings-file'
import type { SavedMappings } from '../storage/saved-mappings'

export async function exportMappings(env: NodeJS.ProcessEnv, log: Log): Promise<{ text: string; source: string }> {
  let client: Redis | undefined
  let saved: SavedMappings
  if (env.REDIS_URL) {
    const [{ connectRedis }, { redisKeys }, { RedisMappings }] = await Promise.all([
      import('../storage/redis/connection'),
      import('../storage/redis/keys'),
      import('../storage/redis/mappings')
    ])
    client = await connectRedis(env.REDIS_URL)
    saved = new RedisMappings(client, redisKeys(redisPrefixFromEnv(env)).mappings, log)
  } else {
    saved = new MappingsFile(dataDirFromEnv(env))
  }
  try {
    const routing = await startingRouting(env.MAPPINGS || undefined, saved, log)
    return { text: JSON.stringify(mappingEntries(routing.subscriptions), null, 2) + '\n', source: routing.source }
  } finally {
    await client?.quit().catch(() => client?.disconnect())
  }
}
