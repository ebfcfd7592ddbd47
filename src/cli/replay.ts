/**
 * `tiktok-conversions replay FILE [--url URL]`: sends a dead-letter file's events back through the
 * runtime at URL (default http://$HOST:$PORT), with SEGMENT_WRITE_KEY when it is set.
 *
 * `tiktok-conversions replay --redis [--url URL] [--write-key KEY] [--mapping NAME] [--keep]`: the same
 * for the Redis dead-letter stream (REDIS_URL, REDIS_PREFIX), loaded only for it (`npm start` loads
 * nothing of Redis).
 */
import { createLog } from '../runtime/ops/log'
import { replayFile } from '../runtime/tools/replay-file'
import type { RedisReplayOptions } from '../runtime/tools/replay-redis'
import type { Command, CommandArgs } from './parse'

/** Options only the Redis stream's replay takes. */
const REDIS_ONLY = ['write-key', 'mapping', 'keep']

/** The configuration's readers, loaded when a replay runs (the bin loads nothing of the runtime it does not use). */
const config = () => import('../runtime/ops/config')

async function replayDeadLetterFile(file: string, { values, env }: CommandArgs) {
  const { runtimeUrlFromEnv, writeKeyFromEnv } = await config()
  const log = createLog()
  const result = await replayFile(file, {
    url: (values.url as string | undefined) ?? runtimeUrlFromEnv(env),
    writeKey: writeKeyFromEnv(env),
    say: (line, level) => (level === 'error' ? log.error(line) : log.info(line))
  })
  log.info('replay done', {
    replayed: result.replayed,
    duplicates: result.duplicates || undefined,
    not_replayable: result.notReplayable || undefined,
    left: result.left
  })
  process.exit(result.left ? 1 : 0)
}

/** The arguments and the environment as the Redis replay's options (REDIS_URL is checked before). */
async function redisReplayOptions({ values, env }: CommandArgs): Promise<RedisReplayOptions> {
  const { redisPrefixFromEnv, runtimeUrlFromEnv, writeKeyFromEnv } = await config()
  return {
    redisUrl: env.REDIS_URL as string,
    prefix: redisPrefixFromEnv(env),
    url: (values.url as string | undefined) ?? runtimeUrlFromEnv(env),
    writeKey: (values['write-key'] as string | undefined) ?? writeKeyFromEnv(env),
    mapping: values.mapping as string | undefined,
    keep: values.keep === true
  }
}

async function replayRedisStream(args: CommandArgs) {
  const { replayRedis } = await import('../runtime/tools/replay-redis')
  try {
    await replayRedis(await redisReplayOptions(args))
  } catch (error) {
    process.stderr.write(`replay stopped: ${(error as Error).message}\n`)
    process.exit(1)
  }
}

export const replayCommand: Command = {
  words: ['replay'],
  usage: [
    {
      synopsis: 'FILE [--url U]',
      about: [
        'a dead-letter file back through the runtime at U',
        '(default http://$HOST:$PORT, with SEGMENT_WRITE_KEY when set)'
      ]
    },
    {
      synopsis: '--redis [--url U] [--write-key KEY] [--mapping NAME] [--keep]',
      about: ['the Redis dead-letter stream (REDIS_URL) back through the runtime']
    }
  ],
  options: {
    url: { type: 'string' },
    redis: { type: 'boolean' },
    'write-key': { type: 'string' },
    mapping: { type: 'string' },
    keep: { type: 'boolean' }
  },
  positionals: ['FILE'],
  refuse({ values, positionals, env }) {
    if (values.redis) {
      if (positionals.length) return `replay --redis reads the Redis stream, not a FILE (got "${positionals[0]}")`
      if (!env.REDIS_URL) return 'REDIS_URL is not set: it names the Redis that holds the dead-letter stream'
      return undefined
    }
    const redisOnly = REDIS_ONLY.find((name) => values[name] !== undefined)
    if (redisOnly !== undefined) return `--${redisOnly} is for replay --redis only`
    if (!positionals.length) return 'FILE is missing: the dead-letter file to replay'
    return undefined
  },
  run: (args) => (args.values.redis ? replayRedisStream(args) : replayDeadLetterFile(args.positionals[0], args))
}
