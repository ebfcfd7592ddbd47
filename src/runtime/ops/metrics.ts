/**
 * `GET /metrics`: the runtime in Prometheus's text format (prom-client), one registry per runtime.
 * Counts and times only: mapping names are the only labels, never an event's value.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

export interface RuntimeMetrics {
  readonly registry: Registry
  received: Counter
  skipped: Counter
  unmatched: Counter
  refused: Counter
  deduplicated: Counter
  queued: Counter
  delivered: Counter<'mapping'>
  deadLettered: Counter<'mapping'>
  retries: Counter<'mapping'>
  batchSeconds: Histogram
}

const PREFIX = 'tiktok_conversions_'

/** The queue as a scrape reads it (what a store's stats() gives). */
interface QueueReading {
  depth: number
  oldestReceivedAt?: number
}

/** This runtime as a consumer of a shared queue, as a scrape reads it (a store's consumer()). */
interface ConsumerReading {
  owned: number
  connected: boolean
  claimed: number
  lost: number
}

export interface MetricsState {
  inFlight: number
  held: boolean
  degraded: boolean
  /** This runtime as a consumer of a shared queue (Redis); undefined for the embedded one. */
  consumer?: ConsumerReading
  /** A disk the queue or the dead-letter file is on is full. */
  diskFull?: boolean
  /** Damaged queue files moved aside and not yet salvaged or removed. */
  damagedFiles?: number
  /** The shared queue's Redis is over its maxmemory (new events are refused). */
  redisMemoryFull?: boolean
  /** Times this runtime found the shared queue's Redis emptied, since it started. */
  redisEmptied?: number
}

/**
 * The runtime's metrics. `state` and `queue` are read at each scrape: batches in flight, whether
 * delivery is held or degraded, the consumer's state of a shared queue, and the queue's depth and
 * oldest delivery (from the store itself).
 */
export function createMetrics(
  state: () => MetricsState,
  queue: () => Promise<QueueReading>,
  { sharedQueue = false } = {}
): RuntimeMetrics {
  const registry = new Registry()
  const counter = (name: string, help: string) => new Counter({ name: PREFIX + name, help, registers: [registry] })
  const perMapping = (name: string, help: string) =>
    new Counter({ name: PREFIX + name, help, labelNames: ['mapping'] as const, registers: [registry] })
  // One read of the store per scrape, shared by the two queue gauges; a store that does not answer
  // (Redis down) leaves them at their last values rather than failing the scrape.
  let scrape: Promise<QueueReading | undefined> | undefined
  const stats = () =>
    (scrape ??= queue()
      .catch(() => undefined)
      .finally(() => setImmediate(() => (scrape = undefined))))
  new Gauge({
    name: `${PREFIX}queue_depth`,
    help: 'Deliveries accepted and not yet delivered or dead-lettered (queued, in flight, waiting to retry).',
    registers: [registry],
    async collect() {
      const current = await stats()
      if (current) this.set(current.depth)
    }
  })
  new Gauge({
    name: `${PREFIX}queue_oldest_pending_age_seconds`,
    help: 'Age of the oldest delivery still queued (0 when the queue is empty).',
    registers: [registry],
    async collect() {
      const current = await stats()
      if (!current) return
      const oldest = current.oldestReceivedAt
      this.set(oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000))
    }
  })
  // A gauge read from the runtime's state at each scrape.
  const gauge = (name: string, help: string, value: (state: MetricsState) => number) =>
    new Gauge({
      name: PREFIX + name,
      help,
      registers: [registry],
      collect() {
        this.set(value(state()))
      }
    })
  gauge('batches_in_flight', 'Batches being sent to TikTok now.', (s) => s.inFlight)
  gauge('delivery_held', '1 while TikTok refuses the access token or pixel and delivery is held, else 0.', (s) =>
    s.held ? 1 : 0
  )
  gauge('delivery_degraded', '1 while deliveries fail (held, or TikTok failing or unreachable), else 0.', (s) =>
    s.degraded ? 1 : 0
  )
  gauge(
    'disk_full',
    '1 while a disk the queue or the dead-letter file is on is full (new events are refused), else 0.',
    (s) => (s.diskFull ? 1 : 0)
  )
  gauge(
    'queue_damaged_files',
    'Damaged queue files moved aside in DATA_DIR and not yet salvaged or removed.',
    (s) => s.damagedFiles ?? 0
  )
  // A shared queue's consumer (Redis): only with one, so the embedded queue shows no empty series.
  const consumer = (name: string, help: string, value: (state: ConsumerReading) => number) =>
    sharedQueue &&
    new Gauge({
      name: PREFIX + name,
      help,
      registers: [registry],
      collect() {
        const current = state().consumer
        if (current) this.set(value(current))
      }
    })
  consumer('queue_consumer_up', '1 while the shared queue (Redis) answers this runtime, else 0.', (c) =>
    c.connected ? 1 : 0
  )
  consumer(
    'queue_consumer_owned',
    'Deliveries of the shared queue this runtime has read and not yet removed (its pending list).',
    (c) => c.owned
  )
  consumer(
    'queue_consumer_claimed',
    'Deliveries this runtime took over from runtimes that stopped or stopped answering, since it started.',
    (c) => c.claimed
  )
  consumer(
    'queue_consumer_lost',
    'Deliveries this runtime held that another runtime took over while this one did not answer, since it started.',
    (c) => c.lost
  )
  // Redis's own states: only with a shared queue.
  const shared = (name: string, help: string, value: (state: MetricsState) => number) =>
    sharedQueue && gauge(name, help, value)
  shared('redis_memory_full', '1 while Redis is over its maxmemory (new events are refused), else 0.', (s) =>
    s.redisMemoryFull ? 1 : 0
  )
  shared(
    'redis_emptied',
    'Times this runtime found Redis emptied (restarted without its data: queued events lost), since it started.',
    (s) => s.redisEmptied ?? 0
  )
  return {
    registry,
    received: counter('events_received_total', 'Messages the Tracking API accepted.'),
    skipped: counter('events_skipped_total', 'Accepted messages whose integrations object turns the destination off.'),
    unmatched: counter('events_unmatched_total', 'Accepted messages that no subscription trigger matches.'),
    refused: counter(
      'events_consent_refused_total',
      'Accepted messages whose consent (context.consent.categoryPreferences) lacks a category CONSENT_CATEGORIES names: neither delivered nor remembered.'
    ),
    deduplicated: counter(
      'events_deduplicated_total',
      'Accepted messages not queued again: their messageId was accepted before (DEDUPE_WINDOW_MS) or earlier in the request.'
    ),
    queued: counter('deliveries_queued_total', 'Deliveries (an event for one subscription) written to the queue.'),
    delivered: perMapping('deliveries_delivered_total', 'Deliveries TikTok accepted.'),
    deadLettered: perMapping('deliveries_dead_lettered_total', 'Deliveries written to the dead-letter file or stream.'),
    retries: perMapping('delivery_retries_total', 'Deliveries scheduled for another attempt after a retryable answer.'),
    batchSeconds: new Histogram({
      name: `${PREFIX}batch_duration_seconds`,
      help: 'Time from sending a batch to knowing every status of it.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers: [registry]
    })
  }
}
