/**
 * The connection to REDIS_URL: made to fail fast while Redis is away, reached at start or refused
 * with a clear error, watched (one log line when it goes, one when it is back), and asked what it keeps
 * across a restart.
 *
 * Durability: a request's deliveries are stored by one Lua script (append.ts), one round trip, all or
 * nothing; the Tracking API answers 200 once Redis acknowledged it. What survives then is Redis's to keep: with `appendonly yes`, a crash of
 * redis-server loses nothing acknowledged (the AOF is written before Redis replies); a crash of the
 * machine loses up to the last second with `appendfsync everysec` (Redis's default), nothing with
 * `appendfsync always`. Without AOF, a Redis restart loses the queue: the runtime warns at start.
 */
import Redis from 'ioredis'
import { ConfigError } from '../../ops/config'
import { describeError, type Log } from '../../ops/log'
import { fieldsOf } from './replies'

/** A command unanswered for this long fails (the Tracking API answers 503; the client retries). */
const COMMAND_TIMEOUT_MS = 5_000
/** How long the runtime tries to reach Redis at start before it refuses to start. */
const START_TIMEOUT_MS = 5_000

/** REDIS_URL as logs and /health show it: without its password. */
export function shownRedisUrl(raw: string): string {
  const url = new URL(raw)
  if (url.password) url.password = '***'
  return url.toString()
}

/**
 * A connection that fails fast while Redis is away (no offline queue, no resending after a
 * reconnection, a command timeout) and reconnects every second at most.
 */
function redisClient(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(100 * times, 1_000)
  })
}

/** Resolves once the client is ready; rejects with the last connection error after `timeoutMs`. */
async function reach(client: Redis, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  if (client.status === 'ready') return
  let lastError: Error | undefined
  const onError = (error: Error) => (lastError = error)
  client.on('error', onError)
  try {
    if (client.status === 'wait') client.connect().catch(() => undefined)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(lastError ?? new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
      client.once('ready', () => {
        clearTimeout(timer)
        resolve()
      })
    })
  } finally {
    client.off('error', onError)
  }
}

/** A client of REDIS_URL once it answers; a ConfigError saying so when it does not. */
export async function connectRedis(url: string): Promise<Redis> {
  const client = redisClient(url)
  try {
    await reach(client)
  } catch (error) {
    client.disconnect()
    throw new ConfigError(`REDIS_URL ${shownRedisUrl(url)}: cannot reach Redis (${describeError(error)})`)
  }
  return client
}

/** Logs once when Redis becomes unreachable, and once when it is back. */
export function watchConnection(client: Redis, log: Log, shown: string): void {
  let away = false
  client.on('error', (error: Error) => {
    if (away) return
    away = true
    log.error('Redis unreachable: the Tracking API answers 503 and delivery waits until it is back', {
      redis: shown,
      reason: error.message
    })
  })
  client.on('ready', () => {
    if (!away) return
    away = false
    log.info('Redis reachable again', { redis: shown })
  })
}

/**
 * Whether a maxmemory-policy never evicts the queue: `noeviction`, or a `volatile-*` policy, which evicts
 * only keys with a time to live (the seen keys of the dedupe window, identity memory's records, the
 * memory probe), never the queue, its retry states, the dead letters, the settings nor the marker.
 */
export const keepsTheQueue = (policy: string | undefined): boolean =>
  policy === undefined || policy === 'noeviction' || policy.startsWith('volatile-')

/**
 * What Redis keeps across a restart, for the queue's description; warnings when it would lose
 * accepted events. Undefined when Redis does not say (CONFIG renamed or refused: managed Redis).
 */
export async function checkPersistence(client: Redis, log: Log, shown: string): Promise<string | undefined> {
  let config: Record<string, string>
  try {
    const pairs = (await client.call('CONFIG', 'GET', '*')) as string[]
    config = fieldsOf(pairs)
  } catch {
    return undefined
  }
  if (config.appendonly !== 'yes') {
    log.warn(
      'Redis runs without AOF (appendonly no): accepted events wait in memory and a Redis restart can lose them; set appendonly yes',
      { redis: shown }
    )
  }
  if (!keepsTheQueue(config['maxmemory-policy'])) {
    log.warn(
      'Redis may evict keys (maxmemory-policy is not noeviction nor volatile-*): queued events can vanish; set maxmemory-policy noeviction or volatile-ttl',
      { redis: shown, maxmemory_policy: config['maxmemory-policy'] }
    )
  }
  return `appendonly=${config.appendonly} appendfsync=${config.appendfsync} maxmemory-policy=${config['maxmemory-policy']}`
}
