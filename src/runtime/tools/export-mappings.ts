/**
 * `tiktok-conversions mappings export`: the mappings a runtime started with these variables would have
 * in force (the list saved on the page, in DATA_DIR or in Redis with REDIS_URL; else MAPPINGS; else
 * the presets), as a mappings file's JSON text, and where they came from.
 */
import { redisPrefixFromEnv } from '../ops/config'
import type { Log } from '../ops/log'
import { mappingEntries } from '../routing/entries'
import { startingRouting } from '../routing/in-force'
import { MappingsFile } from '../storage/mappings-file'
import type { SavedMappings } from '../storage/saved-mappings'

export async function exportMappings(env: NodeJS.ProcessEnv, log: Log): Promise<{ text: string; source: string }> {
  let close = async () => undefined as void
  let saved: SavedMappings
  if (env.REDIS_URL) {
    const [{ connectRedis }, { redisKeys }, { RedisMappings }] = await Promise.all([
      import('../storage/redis/connection'),
      import('../storage/redis/keys'),
      import('../storage/redis/mappings')
    ])
    const client = await connectRedis(env.REDIS_URL)
    close = async () => void (await client.quit().catch(() => client.disconnect()))
    saved = new RedisMappings(client, redisKeys(redisPrefixFromEnv(env)).mappings, log)
  } else {
    saved = new MappingsFile(env.DATA_DIR || '.runtime')
  }
  try {
    const routing = await startingRouting(env.MAPPINGS || undefined, saved, log)
    return { text: JSON.stringify(mappingEntries(routing.subscriptions), null, 2) + '\n', source: routing.source }
  } finally {
    await close()
  }
}
