/**
 * The shared queue: Redis Streams with a consumer group, for several runtimes behind a load balancer
 * (REDIS_URL). Every key starts with REDIS_PREFIX (default `tiktok-conversions:`):
 *
 * - `queue`: a stream, one entry per delivery (fields `s` subscription, `k` batch key, `e` the event
 *   as received, `r` received at, ms). Consumer group `delivery`; each runtime is one consumer, named
 *   at each start (host, pid, random). An entry is deleted (XACK + XDEL) once delivered or dead-lettered,
 *   so the stream's length is the shared queue's depth.
 * - `retry`: a hash, stream id → the delivery's retry state as JSON (attempts, firstFailedAt, nextAt,
 *   lastError): a stream entry cannot change, and the next owner goes on from this after a crash.
 * - `dead-letter`: a stream, one entry per dead-lettered event (never trimmed; `tiktok-conversions replay --redis`).
 * - `settings`: a hash (accessToken, pixelCode), and the channel of that name that tells every runtime
 *   they were saved.
 *
 * Ownership: XREADGROUP puts what a runtime reads in its pending list; it is that runtime's until it
 * removes it. Every third of REDIS_CLAIM_IDLE_MS the runtime refreshes the idle time of everything
 * still pending for it (XCLAIM … JUSTID, in a script that touches only its own entries), so nobody
 * takes it while it is alive. Each read also takes over (XAUTOCLAIM) entries idle longer than
 * REDIS_CLAIM_IDLE_MS: those of a runtime that crashed or lost Redis, with their retry state. A runtime
 * that stops hands back what it still holds (to the consumer `released`, with a long idle time), so
 * another one takes it at its next read rather than after the claim time.
 *
 * Durability: a request's deliveries are one MULTI/EXEC, one round trip; the Tracking API answers 200
 * once Redis acknowledged it. What survives then is Redis's to keep: with `appendonly yes`, a crash of
 * redis-server loses nothing acknowledged (the AOF is written before Redis replies); a crash of the
 * machine loses up to the last second with `appendfsync everysec` (Redis's default), nothing with
 * `appendfsync always`. Without AOF, a Redis restart loses the queue: the runtime warns at start.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import Redis from 'ioredis'
import type { Settings } from '../../../destination/generated-types'
import { MIN_ACCESS_TOKEN_LENGTH } from '../../../destination/tiktok/api'
import { ConfigError, type RuntimeConfig } from '../../ops/config'
import type { DeadLetterRecord, DeadLetterSink } from '../dead-letter-file'
import type { Storage } from '../store'
import { describeError, type Log } from '../../ops/log'
import type { SharedSettings } from '../shared-settings'
import type { ConsumerState, DeliveryStore, NewDelivery, StoreStats, StoredDelivery } from '../store'

const GROUP = 'delivery'
/** Where a stopping runtime parks what it held: anyone's next XAUTOCLAIM takes it. */
const RELEASED = 'released'
/** The idle time given to parked entries: older than any claim time. */
const PARKED_IDLE_MS = 100_000_000_000
/** A command unanswered for this long fails (the Tracking API answers 503; the client retries). */
const COMMAND_TIMEOUT_MS = 5_000
/** How long the runtime tries to reach Redis at start before it refuses to start. */
const START_TIMEOUT_MS = 5_000
/** The most entries claimed by one XAUTOCLAIM (it looks at up to ten times as many). */
const CLAIM_COUNT = 1_000
/** Ids per command (XACK, XDEL, the ownership script). */
const CHUNK = 1_000
/** How often a runtime removes consumers that hold nothing and were idle for ten claim times. */
const CLEANUP_EVERY_MS = 60_000

export interface RedisKeys {
  queue: string
  retry: string
  deadLetter: string
  settings: string
}

export const redisKeys = (prefix: string): RedisKeys => ({
  queue: `${prefix}queue`,
  retry: `${prefix}retry`,
  deadLetter: `${prefix}dead-letter`,
  settings: `${prefix}settings`
})

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

/**
 * Moves entries pending for ARGV[2] in group ARGV[1] to consumer ARGV[3] and sets their idle time to
 * ARGV[4] ms: the ids ARGV[5]… that are still pending for ARGV[2], or, without ids, all of them.
 * Returns the ids moved. From a consumer to itself with idle 0, it is the heartbeat: it never touches
 * an entry another runtime has taken over.
 */
const MOVE = `
local key, group, from, to, idle = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ids = {}
if #ARGV > 4 then
  for i = 5, #ARGV do
    if #redis.call('XPENDING', key, group, ARGV[i], ARGV[i], 1, from) > 0 then ids[#ids + 1] = ARGV[i] end
  end
else
  for _, entry in ipairs(redis.call('XPENDING', key, group, '-', '+', 1000000000, from)) do ids[#ids + 1] = entry[1] end
end
for i = 1, #ids, 500 do
  local args = { 'XCLAIM', key, group, to, 0 }
  for j = i, math.min(i + 499, #ids) do args[#args + 1] = ids[j] end
  args[#args + 1] = 'IDLE'
  args[#args + 1] = idle
  args[#args + 1] = 'JUSTID'
  redis.call(unpack(args))
end
return ids
`

/** Removes consumers (other than ARGV[3]) that hold nothing and were idle longer than ARGV[2] ms. */
const CLEANUP = `
local removed = 0
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
  if info['pending'] == 0 and info['idle'] > tonumber(ARGV[2]) and info['name'] ~= ARGV[3] then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    removed = removed + 1
  end
end
return removed
`

type Entry = [id: string, fields: string[]]

interface RetryState {
  attempts: number
  firstFailedAt?: number
  nextAt: number
  lastError?: string
}

function fieldsOf(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]] = fields[i + 1]
  return out
}

function toDelivery([id, raw]: Entry, state?: string | null): StoredDelivery {
  const fields = fieldsOf(raw)
  let retry: Partial<RetryState> = {}
  if (state) {
    try {
      retry = JSON.parse(state) as RetryState
    } catch {
      retry = {}
    }
  }
  return {
    id,
    subscription: fields.s ?? '',
    batchKey: fields.k ?? '',
    event: fields.e ?? '{}',
    receivedAt: Number(fields.r) || Number(id.split('-')[0]),
    dryRun: fields.d === '1',
    attempts: retry.attempts ?? 0,
    firstFailedAt: retry.firstFailedAt,
    nextAt: retry.nextAt ?? 0,
    lastError: retry.lastError
  }
}

const chunks = <T>(items: T[], size = CHUNK): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))

/** Fails with the first error of a MULTI's or pipeline's replies. */
function replies(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('the Redis transaction was aborted')
  for (const [error] of results) if (error) throw error
  return results.map(([, value]) => value)
}

export interface RedisStoreOptions {
  client: Redis
  keys: RedisKeys
  claimIdleMs: number
  log: Log
  /** REDIS_URL as shown (no password). */
  shownUrl: string
  /** What the server's persistence is, for the description. */
  persistence?: string
  consumer?: string
}

export class RedisStore implements DeliveryStore {
  readonly description: string
  readonly shared = true
  /** This runtime's consumer name. */
  readonly name: string
  private readonly client: Redis
  private readonly keys: RedisKeys
  private readonly claimIdleMs: number
  private readonly log: Log
  /** Read and not yet removed: this runtime's (the heartbeat keeps them so). */
  private readonly owned = new Set<string>()
  /** Of those, the ones handed back until their next attempt: id → that time (ms). */
  private readonly waiting = new Map<string, number>()
  /** Removed by the pipeline but not yet acknowledged in Redis (it was away): sent again at each heartbeat. */
  private readonly unacked = new Set<string>()
  private claimCursor = '0-0'
  private nextClaimAt = 0
  private readonly claimEveryMs: number
  private heartbeat?: NodeJS.Timeout
  private beating?: Promise<void>
  private lastCleanup = Date.now()
  private claimed = 0
  private lost = 0
  private closed = false

  constructor({ client, keys, claimIdleMs, log, shownUrl, persistence, consumer }: RedisStoreOptions) {
    this.client = client
    this.keys = keys
    this.claimIdleMs = claimIdleMs
    this.log = log
    this.claimEveryMs = Math.min(1_000, claimIdleMs / 4)
    this.name = consumer ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`
    this.description = `redis ${shownUrl} stream ${keys.queue} group ${GROUP} consumer ${this.name}${persistence ? ` (${persistence})` : ''}`
  }

  /** Creates the stream and its group when missing, and starts the heartbeat. */
  async init(): Promise<void> {
    await this.ensureGroup()
    this.heartbeat = setInterval(() => void this.beat(), Math.max(100, this.claimIdleMs / 3))
    this.heartbeat.unref()
  }

  private async ensureGroup() {
    try {
      await this.client.xgroup('CREATE', this.keys.queue, GROUP, '0', 'MKSTREAM')
    } catch (error) {
      if (!describeError(error).startsWith('BUSYGROUP')) throw error
    }
  }

  /** Runs a command again once when the group is gone (a Redis that restarted without its data). */
  private async withGroup<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command()
    } catch (error) {
      if (!describeError(error).startsWith('NOGROUP')) throw error
      this.log.warn('the Redis consumer group was missing (Redis restarted without its data?): created again', {
        stream: this.keys.queue
      })
      await this.ensureGroup()
      return command()
    }
  }

  async append(deliveries: NewDelivery[]): Promise<void> {
    if (this.closed) throw new Error('the queue is closed')
    if (deliveries.length === 0) return
    const multi = this.client.multi()
    for (const d of deliveries) {
      multi.xadd(
        this.keys.queue,
        '*',
        's',
        d.subscription,
        'k',
        d.batchKey,
        'e',
        d.event,
        'r',
        String(d.receivedAt),
        'd',
        d.dryRun ? '1' : '0'
      )
    }
    replies(await multi.exec())
  }

  async read(max: number): Promise<StoredDelivery[]> {
    if (this.closed || max <= 0) return []
    const out = await this.dueRetries(max)
    try {
      if (out.length < max && Date.now() >= this.nextClaimAt) {
        out.push(...(await this.claim(Math.min(max - out.length, CLAIM_COUNT))))
      }
      if (out.length < max) {
        const reply = (await this.withGroup(() =>
          this.client.xreadgroup('GROUP', GROUP, this.name, 'COUNT', max - out.length, 'STREAMS', this.keys.queue, '>')
        )) as [string, Entry[]][] | null
        for (const entry of reply?.[0]?.[1] ?? []) {
          this.owned.add(entry[0])
          out.push(toDelivery(entry))
        }
      }
    } catch (error) {
      // What was read already is given (it is this runtime's now); the rest waits for the next read.
      if (out.length === 0) throw error
    }
    return out
  }

  /** This runtime's deliveries whose next attempt has come, read again with their retry state. */
  private async dueRetries(max: number): Promise<StoredDelivery[]> {
    const now = Date.now()
    const due = [...this.waiting]
      .filter(([, nextAt]) => nextAt <= now)
      .sort((a, b) => a[1] - b[1])
      .slice(0, max)
      .map(([id]) => id)
    if (due.length === 0) return []
    const pipeline = this.client.pipeline()
    for (const id of due) pipeline.xrange(this.keys.queue, id, id)
    pipeline.hmget(this.keys.retry, ...due)
    const results = replies(await pipeline.exec())
    const states = results.pop() as (string | null)[]
    const out: StoredDelivery[] = []
    due.forEach((id, i) => {
      this.waiting.delete(id)
      const [entry] = results[i] as Entry[]
      if (entry) out.push({ ...toDelivery(entry, states[i]), nextAt: 0 })
      else this.owned.delete(id) // gone from the stream (removed by a runtime that had taken it over)
    })
    return out
  }

  /** Takes over entries idle longer than the claim time, with their retry state. */
  private async claim(count: number): Promise<StoredDelivery[]> {
    const [next, claimed] = (await this.withGroup(() =>
      this.client.xautoclaim(this.keys.queue, GROUP, this.name, this.claimIdleMs, this.claimCursor, 'COUNT', count)
    )) as [string, (Entry | null)[]]
    this.claimCursor = next
    // Scan on at the next read while the pending list is not wholly seen, else in a while.
    this.nextClaimAt = next === '0-0' ? Date.now() + this.claimEveryMs : 0
    // An entry already ours (its heartbeat was late) is not given twice.
    const fresh = claimed.filter((entry): entry is Entry => entry !== null && !this.owned.has(entry[0]))
    if (fresh.length === 0) return []
    for (const [id] of fresh) this.owned.add(id)
    const states = await this.client.hmget(this.keys.retry, ...fresh.map(([id]) => id)).catch(() => {
      // Without their retry state, they wait for a read that can have it: handed back by the heartbeat.
      for (const [id] of fresh) this.owned.delete(id)
      return undefined
    })
    if (!states) return []
    this.claimed += fresh.length
    this.log.info('took over deliveries left by a runtime that stopped or stopped answering', {
      deliveries: fresh.length,
      consumer: this.name
    })
    // Taken over with their retry state: those whose next attempt has not come wait here for it.
    const now = Date.now()
    const out: StoredDelivery[] = []
    fresh.forEach((entry, i) => {
      const delivery = toDelivery(entry, states[i])
      if (delivery.nextAt > now) this.waiting.set(delivery.id, delivery.nextAt)
      else out.push(delivery)
    })
    return out
  }

  async remove(deliveries: StoredDelivery[]): Promise<void> {
    if (deliveries.length === 0) return
    for (const { id } of deliveries) {
      this.owned.delete(id)
      this.waiting.delete(id)
      this.unacked.add(id)
    }
    await this.acknowledge()
  }

  /** Acknowledges and deletes what was removed; what fails stays in `unacked` (still ours) for the next heartbeat. */
  private async acknowledge() {
    for (const ids of chunks([...this.unacked])) {
      const multi = this.client.multi()
      multi.xack(this.keys.queue, GROUP, ...ids)
      multi.xdel(this.keys.queue, ...ids)
      multi.hdel(this.keys.retry, ...ids)
      replies(await multi.exec())
      for (const id of ids) this.unacked.delete(id)
    }
  }

  async reschedule(deliveries: StoredDelivery[]): Promise<void> {
    if (deliveries.length === 0) return
    const fields: string[] = []
    for (const { id, attempts, firstFailedAt, nextAt, lastError } of deliveries) {
      fields.push(id, JSON.stringify({ attempts, firstFailedAt, nextAt, lastError }))
    }
    await this.client.hset(this.keys.retry, ...fields)
    // Still this runtime's (the heartbeat keeps them): read() gives them again once due. Not before
    // Redis took the retry state: when it did not, the pipeline keeps them itself.
    for (const { id, nextAt } of deliveries) if (this.owned.has(id)) this.waiting.set(id, nextAt)
  }

  /** Hands entries back: parked with a long idle time, anyone's next read takes them. */
  private async park(ids: string[]) {
    for (const chunk of chunks(ids)) {
      await this.client.eval(MOVE, 1, this.keys.queue, GROUP, this.name, RELEASED, PARKED_IDLE_MS, ...chunk)
      for (const id of chunk) {
        this.owned.delete(id)
        this.waiting.delete(id)
      }
    }
  }

  async expedite(): Promise<void> {
    for (const id of this.waiting.keys()) this.waiting.set(id, 0)
  }

  async stats(): Promise<StoreStats> {
    const [depth, first] = replies(
      await this.client.pipeline().xlen(this.keys.queue).xrange(this.keys.queue, '-', '+', 'COUNT', 1).exec()
    ) as [number, Entry[]]
    return { depth, oldestReceivedAt: first[0] ? toDelivery(first[0]).receivedAt : undefined }
  }

  consumer(): ConsumerState {
    return {
      name: this.name,
      owned: this.owned.size + this.unacked.size,
      connected: this.client.status === 'ready',
      claimed: this.claimed,
      lost: this.lost
    }
  }

  /** Keeps what this runtime holds its own, acknowledges what could not be, and tidies the group now and then. */
  private beat(): Promise<void> {
    if (this.beating || this.closed) return this.beating ?? Promise.resolve()
    this.beating = (async () => {
      try {
        if (this.unacked.size) await this.acknowledge()
        const before = [...this.owned]
        const mine = new Set(
          (await this.client.eval(MOVE, 1, this.keys.queue, GROUP, this.name, this.name, 0)) as string[]
        )
        // Pending for this runtime but held by none of its parts (a read that failed halfway, a command
        // Redis ran after the client gave up on it): handed back, so that a read takes it again.
        const orphans = [...mine].filter((id) => !this.owned.has(id) && !this.unacked.has(id))
        if (orphans.length) {
          await this.park(orphans)
          this.log.warn('handed back deliveries this runtime had read but lost track of', {
            deliveries: orphans.length
          })
        }
        // Still held here but no longer pending for this runtime: another one took it over.
        const lost = before.filter((id) => this.owned.has(id) && !mine.has(id))
        if (lost.length) {
          for (const id of lost) {
            this.owned.delete(id)
            this.waiting.delete(id)
          }
          this.lost += lost.length
          this.log.warn(
            'deliveries taken over by another runtime while this one did not answer: both may send them (TikTok keeps one per event_id)',
            { deliveries: lost.length, consumer: this.name }
          )
        }
        if (Date.now() - this.lastCleanup >= CLEANUP_EVERY_MS) {
          this.lastCleanup = Date.now()
          await this.client.eval(CLEANUP, 1, this.keys.queue, GROUP, this.claimIdleMs * 10, this.name)
        }
      } catch (error) {
        // Redis away: the connection's own log line says so; what is held stays held, acknowledged later.
        if (this.client.status === 'ready') this.log.warn('queue heartbeat failed', { reason: describeError(error) })
      } finally {
        this.beating = undefined
      }
    })()
    return this.beating
  }

  /** Hands back what this runtime still holds (another takes it at once), then closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.heartbeat)
    await this.beating
    await this.acknowledge().catch((error) =>
      this.log.warn('could not acknowledge what was delivered: it may be sent again', { reason: describeError(error) })
    )
    try {
      const held = this.owned.size
      await this.park([...this.owned])
      if (held) this.log.info('handed back what this runtime held to the shared queue', { deliveries: held })
    } catch (error) {
      this.log.warn('could not hand back what this runtime held: another runtime takes it after REDIS_CLAIM_IDLE_MS', {
        deliveries: this.owned.size,
        reason: describeError(error)
      })
    }
    await this.client.quit().catch(() => this.client.disconnect())
  }
}

/** Dead-letter records as entries of a stream (never trimmed), one per event: `replay --redis` posts them back. */
export class RedisDeadLetter implements DeadLetterSink {
  readonly where: string

  constructor(
    private readonly client: Redis,
    private readonly key: string,
    private readonly log: Log
  ) {
    this.where = `redis stream ${key}`
  }

  async check(): Promise<void> {
    await this.client.ping()
  }

  async append(records: DeadLetterRecord[]): Promise<boolean> {
    if (records.length === 0) return true
    try {
      const multi = this.client.multi()
      for (const { at, mapping, status, reason, attempts, event, cut } of records) {
        const fields = ['at', at, 'mapping', mapping, 'status', String(status), 'reason', reason]
        fields.push('attempts', String(attempts), 'event', event)
        if (cut) fields.push('cut', '1')
        multi.xadd(this.key, '*', ...fields)
      }
      replies(await multi.exec())
      return true
    } catch (error) {
      this.log.error('dead-letter write failed: the events stay queued', {
        stream: this.key,
        events: records.length,
        mapping: records[0].mapping,
        error: describeError(error)
      })
      return false
    }
  }
}

/** A dead-letter stream entry as a record. */
export function deadLetterRecordOf(fields: string[]): DeadLetterRecord {
  const f = fieldsOf(fields)
  return {
    at: f.at ?? '',
    mapping: f.mapping ?? '',
    status: Number(f.status),
    reason: f.reason ?? '',
    attempts: Number(f.attempts) || 0,
    event: f.event ?? '{}',
    cut: f.cut === '1' || undefined
  }
}

const pick = (held: Record<string, string>): Partial<Settings> => ({
  accessToken: held.accessToken || undefined,
  pixelCode: held.pixelCode || undefined
})

/** The settings of every runtime on this Redis: a hash, and a channel that says when it was saved. */
export class RedisSettings implements SharedSettings {
  readonly where: string
  private subscriber?: Redis
  private closed = false

  constructor(
    private readonly client: Redis,
    private readonly key: string,
    private readonly log: Log
  ) {
    this.where = `redis hash ${key}`
  }

  async load(seed: Partial<Settings>): Promise<Partial<Settings>> {
    const multi = this.client.multi()
    // First writer wins: a runtime started with other variables does not replace saved settings.
    if (seed.accessToken) multi.hsetnx(this.key, 'accessToken', seed.accessToken)
    if (seed.pixelCode) multi.hsetnx(this.key, 'pixelCode', seed.pixelCode)
    multi.hgetall(this.key)
    const answers = replies(await multi.exec())
    const held = pick(answers[answers.length - 1] as Record<string, string>)
    if (held.accessToken && held.accessToken.length < MIN_ACCESS_TOKEN_LENGTH) {
      throw new ConfigError(
        `the access token held in Redis (${this.where}) has ${held.accessToken.length} characters, fewer than ${MIN_ACCESS_TOKEN_LENGTH}: save the whole token on the page, or delete the key`
      )
    }
    const differs = [
      seed.accessToken && seed.accessToken !== held.accessToken ? 'access token' : undefined,
      seed.pixelCode && seed.pixelCode !== held.pixelCode ? 'pixel code' : undefined
    ].filter(Boolean)
    if (differs.length) {
      this.log.warn(
        `the ${differs.join(' and ')} saved in Redis differ from TIKTOK_ACCESS_TOKEN / TIKTOK_PIXEL_CODE / SETTINGS_FILE: the saved ones are used by every runtime (save on the page to change them)`,
        { settings: this.where, pixel_code: held.pixelCode }
      )
    }
    return held
  }

  async save(settings: Partial<Settings>): Promise<void> {
    const multi = this.client.multi()
    for (const field of ['accessToken', 'pixelCode'] as const) {
      const value = settings[field]
      if (value) multi.hset(this.key, field, value)
      else multi.hdel(this.key, field)
    }
    // The message says nothing but that they changed: every runtime reads them from the hash.
    multi.publish(this.key, 'saved')
    replies(await multi.exec())
  }

  watch(onChange: (settings: Partial<Settings>) => void): void {
    const subscriber = this.client.duplicate()
    this.subscriber = subscriber
    const reload = () => {
      if (this.closed) return
      this.client.hgetall(this.key).then(
        (held) => !this.closed && onChange(pick(held)),
        (error) => this.log.warn('could not read the saved settings from Redis', { reason: describeError(error) })
      )
    }
    let first = true
    subscriber.on('error', () => undefined) // the main connection logs Redis being away
    subscriber.on('message', reload)
    subscriber.on('ready', () => {
      // After a reconnection, settings saved meanwhile were not announced to this runtime.
      if (!first) reload()
      first = false
    })
    subscriber
      .connect()
      .then(() => subscriber.subscribe(this.key))
      // A save between load() and the subscription was announced to nobody here: read them once now.
      .then(reload)
      .catch((error) => this.log.warn('cannot watch the saved settings in Redis', { reason: describeError(error) }))
  }

  async close(): Promise<void> {
    this.closed = true
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect())
  }
}

/** Logs once when Redis becomes unreachable, and once when it is back. */
function watchConnection(client: Redis, log: Log, shown: string) {
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

/** What Redis keeps across a restart; warnings when it would lose accepted events. */
async function persistence(client: Redis, log: Log, shown: string): Promise<string | undefined> {
  let config: Record<string, string>
  try {
    const pairs = (await client.call('CONFIG', 'GET', '*')) as string[]
    config = fieldsOf(pairs)
  } catch {
    return undefined // CONFIG renamed or refused (managed Redis): nothing to say
  }
  if (config.appendonly !== 'yes') {
    log.warn(
      'Redis runs without AOF (appendonly no): accepted events wait in memory and a Redis restart can lose them; set appendonly yes',
      {
        redis: shown
      }
    )
  }
  if (config['maxmemory-policy'] && config['maxmemory-policy'] !== 'noeviction') {
    log.warn(
      'Redis may evict keys (maxmemory-policy is not noeviction): queued events can vanish; set maxmemory-policy noeviction',
      {
        redis: shown,
        maxmemory_policy: config['maxmemory-policy']
      }
    )
  }
  return `appendonly=${config.appendonly} appendfsync=${config.appendfsync} maxmemory-policy=${config['maxmemory-policy']}`
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

/** The runtime's storage when REDIS_URL is set: queue, dead-letter stream and settings in Redis. */
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
    persistence: await persistence(client, log, shown)
  })
  try {
    await store.init()
  } catch (error) {
    client.disconnect()
    throw new ConfigError(`REDIS_URL ${shown}: cannot create the queue's stream and group (${describeError(error)})`)
  }
  return {
    store,
    deadLetter: new RedisDeadLetter(client, keys.deadLetter, log),
    settings: new RedisSettings(client, keys.settings, log)
  }
}
