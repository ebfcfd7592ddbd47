/**
 * The shared queue (DeliveryStore): the stream `queue` read in the consumer group `delivery`, each
 * runtime one consumer. What a runtime reads is its own until it removes it (ownership.ts); a delivery
 * that failed goes back with its retry state in the hash `retry` and waits here, still this runtime's,
 * until its next attempt. A removed delivery's entry is acknowledged and deleted (acknowledgements.ts),
 * so the stream's length is the shared queue's depth.
 */
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type Redis from 'ioredis'
import { describeError, type Log } from '../../ops/log'
import type {
  AppendOptions,
  AppendResult,
  ConsumerState,
  DeliveryStore,
  NewDelivery,
  StoreStats,
  StoredDelivery
} from '../store'
import { Acknowledgements } from './acknowledgements'
import { appendDeliveries } from './append'
import { deliveryOf, retryStateOf, type Entry } from './entries'
import { ConsumerGroup } from './group'
import { GROUP, type RedisKeys } from './keys'
import { NEW_EVENTS_REFUSED, RedisMemory } from './memory'
import { Ownership } from './ownership'
import { pendingEntries } from './pending-entries'
import { replies } from './replies'

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
  private readonly log: Log
  private readonly group: ConsumerGroup
  private readonly acknowledgements: Acknowledgements
  private readonly ownership: Ownership
  /** Deliveries this runtime owns that wait for their next attempt: id → that time (ms). */
  private readonly waiting = new Map<string, number>()
  /** Retry states Redis refused for memory: written once it has room (lost if this runtime stops first). */
  private readonly unwrittenStates = new Map<string, string>()
  /** Over maxmemory or not: new events are refused while it is. */
  readonly memory: RedisMemory
  /** Times Redis was found emptied (restarted without its data), and what was lost, since start. */
  readonly emptied = { times: 0, lostUpTo: 0, lastAt: 0 }
  /** Told when Redis was found emptied, once the queue is ready again: the settings are written again. */
  onEmptied?: () => Promise<void>
  /** The marker's value (keys.ts) as this runtime knows it. */
  private marker = ''
  /**
   * The marker's value Redis held when this runtime last looked (null: none): an emptying is counted
   * when Redis holds another, not again while the group, the marker or the settings wait to be written.
   */
  private seenMarker: string | null = null
  /** The group, the marker or the settings could not be written again after an emptying: retried each second. */
  private unrecovered = false
  /** The shared queue's depth last measured while the marker was the known one. */
  private lastDepth = 0
  private recovering = false
  private closed = false

  constructor({ client, keys, claimIdleMs, log, shownUrl, persistence, consumer }: RedisStoreOptions) {
    this.client = client
    this.keys = keys
    this.log = log
    this.name = consumer ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`
    this.group = new ConsumerGroup(client, keys.queue, log)
    this.acknowledgements = new Acknowledgements(client, keys)
    this.memory = new RedisMemory({
      client,
      probeKey: keys.memoryProbe,
      queueKey: keys.queue,
      log,
      onRoom: () => this.writeStates()
    })
    this.ownership = new Ownership({
      pending: pendingEntries({
        client,
        keys,
        group: this.group,
        consumer: this.name,
        claimIdleMs,
        marker: () => this.marker
      }),
      unacknowledged: this.acknowledgements,
      consumer: this.name,
      claimIdleMs,
      log,
      onDropped: (ids) => this.forget(ids),
      onEmptied: (vanished) => void this.foundEmpty(vanished)
    })
    this.description = `redis ${shownUrl} stream ${keys.queue} group ${GROUP} consumer ${this.name}${persistence ? ` (${persistence})` : ''}`
  }

  /** Creates the stream and its group when missing, and starts the heartbeat. */
  async init(): Promise<void> {
    await this.group.ensure()
    await this.writeMarker()
    this.ownership.start()
    // Back after a disconnection: whether Redis kept its data is known at once, not at the next beat.
    this.client.on('ready', () => void this.ownership.beat())
  }

  /** The marker as Redis holds it: written when missing (a new Redis, or one that lost its data). */
  private async writeMarker(): Promise<void> {
    // Read first: a Redis over its maxmemory refuses the SET even when the marker is there.
    const marker = await this.client.get(this.keys.marker)
    if (marker === null) await this.client.set(this.keys.marker, randomBytes(8).toString('hex'), 'NX')
    this.marker = marker ?? (await this.client.get(this.keys.marker)) ?? ''
    this.seenMarker = this.marker
  }

  /**
   * Redis lost its data (the heartbeat found the marker gone or new): what was queued is gone. Said
   * once per time, on /health until this runtime restarts; the group, the marker and the settings are
   * written again (retried silently until they are), and the runtime goes on with new events.
   */
  private async foundEmpty(vanished: number): Promise<void> {
    // Said once: beats while the marker is being written again find it gone too.
    if (this.recovering) return
    this.recovering = true
    let said = false
    try {
      const held = await this.client.get(this.keys.marker)
      // The same value as last seen (none, or one this runtime could not adopt yet): the same emptying.
      if (held !== this.seenMarker) {
        this.seenMarker = held
        this.sayEmptied(vanished)
        said = true
      }
      await this.group.ensure()
      await this.writeMarker()
      await this.onEmptied?.()
      this.unrecovered = false
    } catch (error) {
      this.unrecovered = true
      if (said) {
        this.log.warn('could not write the queue again after Redis came back empty: tried again every second', {
          reason: describeError(error)
        })
      }
    } finally {
      this.recovering = false
    }
  }

  /** Counts and logs one emptying. */
  private sayEmptied(vanished: number): void {
    const lostUpTo = Math.max(this.lastDepth, vanished)
    Object.assign(this.emptied, {
      times: this.emptied.times + 1,
      lostUpTo: this.emptied.lostUpTo + lostUpTo,
      lastAt: Date.now()
    })
    this.lastDepth = 0
    this.log.error('Redis came back empty: queued events were lost', {
      lost_up_to: lostUpTo,
      held_here: vanished,
      why: 'Redis restarted without persistence (appendonly no), or its keys were deleted',
      meanwhile:
        'the runtime goes on: the queue, its group, the settings and the mappings saved on the page are written again; new events are delivered',
      next_step: 'set appendonly yes on Redis; ask the sources to send again what they sent before this time'
    })
  }

  /** "Redis came back empty …: up to N queued events were lost", once it was. */
  emptiedReason(): string | undefined {
    const { times, lostUpTo, lastAt } = this.emptied
    if (times === 0) return undefined
    return `Redis came back empty at ${new Date(lastAt).toISOString()}${times > 1 ? ` (${times} times since this runtime started)` : ''}: up to ${lostUpTo} queued events were lost (Redis restarted without persistence, or its keys were deleted). The runtime goes on and delivers new events; set appendonly yes on Redis. This reason stays until the runtime restarts`
  }

  /** One script: the messageIds claimed and the deliveries added at once (append.ts), shared by every runtime. */
  async append(deliveries: NewDelivery[], options: AppendOptions): Promise<AppendResult> {
    if (this.closed) throw new Error('the queue is closed')
    if (deliveries.length === 0) return { duplicates: [] }
    // Out of memory: refused until the probe finds room (memory.ts), not at each request's edge.
    if (this.memory.full) throw this.memory.refusal()
    try {
      const result = await appendDeliveries(this.client, this.keys, deliveries, options)
      this.memory.wrote()
      // Known queued until the next measure (what "up to N lost" counts if Redis loses its data meanwhile).
      const duplicates = new Set(result.duplicates)
      this.lastDepth += deliveries.filter((d) => !duplicates.has(d.messageId)).length
      return result
    } catch (error) {
      if (this.memory.failed(error, NEW_EVENTS_REFUSED)) throw this.memory.refusal()
      throw error
    }
  }

  async read(max: number): Promise<StoredDelivery[]> {
    if (this.closed || max <= 0) return []
    const out = await this.dueRetries(max)
    try {
      if (out.length < max) out.push(...this.dueOf(await this.ownership.takeOver(max - out.length)))
      if (out.length < max) out.push(...(await this.readNew(max - out.length)))
    } catch (error) {
      // What was read already is given (it is this runtime's now); the rest waits for the next read.
      if (out.length === 0) throw error
    }
    return out
  }

  /** Up to `count` entries no runtime has read yet (XREADGROUP '>'): this runtime's from the answer on. */
  private async readNew(count: number): Promise<StoredDelivery[]> {
    const entries = await this.ownership.receive(async () => {
      const reply = (await this.group.run(() =>
        this.client.xreadgroup('GROUP', GROUP, this.name, 'COUNT', count, 'STREAMS', this.keys.queue, '>')
      )) as [string, Entry[]][] | null
      return reply?.[0]?.[1] ?? []
    })
    return entries.map((entry) => deliveryOf(entry))
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
      if (entry) out.push({ ...deliveryOf(entry, this.unwrittenStates.get(id) ?? states[i]), nextAt: 0 })
      else this.ownership.drop([id]) // gone from the stream (removed by a runtime that had taken it over)
    })
    return out
  }

  /** Taken over with their retry state: those whose next attempt has not come wait here for it. */
  private dueOf(deliveries: StoredDelivery[]): StoredDelivery[] {
    const now = Date.now()
    return deliveries.filter((delivery) => {
      if (delivery.nextAt <= now) return true
      this.waiting.set(delivery.id, delivery.nextAt)
      return false
    })
  }

  /** No longer this runtime's: nothing to read again. */
  private forget(ids: string[]) {
    for (const id of ids) {
      this.waiting.delete(id)
      this.unwrittenStates.delete(id)
    }
  }

  async remove(deliveries: StoredDelivery[]): Promise<void> {
    if (deliveries.length === 0) return
    const ids = deliveries.map(({ id }) => id)
    this.ownership.drop(ids)
    this.forget(ids)
    this.acknowledgements.add(ids)
    await this.acknowledgements.flush()
  }

  async reschedule(deliveries: StoredDelivery[]): Promise<void> {
    if (deliveries.length === 0) return
    try {
      await this.client.hset(this.keys.retry, ...deliveries.flatMap((d) => [d.id, retryStateOf(d)]))
      for (const { id } of deliveries) this.unwrittenStates.delete(id)
    } catch (error) {
      // Out of memory: the retry states wait here (the deliveries stay this runtime's) until Redis has room.
      if (!this.memory.failed(error, NEW_EVENTS_REFUSED)) throw error
      for (const d of deliveries) this.unwrittenStates.set(d.id, retryStateOf(d))
    }
    // Still this runtime's (the heartbeat keeps them): read() gives them again once due. Not before
    // Redis took the retry state: when it did not, the pipeline keeps them itself.
    for (const { id, nextAt } of deliveries) if (this.ownership.owns(id)) this.waiting.set(id, nextAt)
  }

  /** Redis has room again: the retry states it refused are written. */
  private async writeStates(): Promise<void> {
    const states = [...this.unwrittenStates].filter(([id]) => this.ownership.owns(id))
    this.unwrittenStates.clear()
    if (states.length === 0) return
    try {
      await this.client.hset(this.keys.retry, ...states.flat())
    } catch (error) {
      for (const [id, state] of states) if (!this.unwrittenStates.has(id)) this.unwrittenStates.set(id, state)
      throw error
    }
  }

  async expedite(): Promise<void> {
    for (const id of this.waiting.keys()) this.waiting.set(id, 0)
  }

  async stats(): Promise<StoreStats> {
    const [depth, first, marker, info] = replies(
      await this.client
        .pipeline()
        .xlen(this.keys.queue)
        .xrange(this.keys.queue, '-', '+', 'COUNT', 1)
        .get(this.keys.marker)
        .info('memory')
        .exec()
    ) as [number, Entry[], string | null, string]
    this.memory.observed(info)
    // The depth Redis had before it lost its data is what may have been lost: kept until the beat says so.
    if (marker === this.marker) this.lastDepth = depth
    else void this.ownership.beat()
    if (this.unrecovered) void this.foundEmpty(0)
    return { depth, oldestReceivedAt: first[0] ? deliveryOf(first[0]).receivedAt : undefined }
  }

  consumer(): ConsumerState {
    return {
      name: this.name,
      owned: this.ownership.size + this.acknowledgements.size,
      connected: this.client.status === 'ready',
      claimed: this.ownership.claimed,
      lost: this.ownership.lost
    }
  }

  /** Hands back what this runtime still holds (another takes it at once), then closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.memory.stop()
    await this.ownership.stop()
    await this.acknowledgements.flush().catch((error) =>
      this.log.warn('could not acknowledge what was delivered: it may be sent again', {
        reason: describeError(error)
      })
    )
    await this.ownership.handBackAll()
    await this.client.quit().catch(() => this.client.disconnect())
  }
}
