/**
 * The durable queue behind the runtime: where an accepted event waits, for each subscription it
 * matched, until TikTok takes it or it is dead-lettered. The embedded default is SQLite in DATA_DIR
 * (sqlite/); several runtimes share one queue in Redis Streams (redis/). The pipeline only sees
 * this interface.
 */
import type { DeadLetterSink } from './dead-letters'
import type { SharedSettings } from './shared-settings'
import type { SavedMappings } from './saved-mappings'

/** One delivery as accepted: a Segment event for one subscription. */
export interface NewDelivery {
  /** The subscription (preset or mapping) name. */
  subscription: string
  /** Events that differ in it never share a request (event source, CRM event set, test event code). */
  batchKey: string
  /** The Segment event as received, JSON text. */
  event: string
  /** When the Tracking API accepted it, in ms. */
  receivedAt: number
  /** Accepted in dry-run: it may only ever go to the dry-run stand-in, never to TikTok. */
  dryRun: boolean
  /** The event's messageId (the Tracking API gives one to an event without). */
  messageId: string
}

/** How a store keeps a re-sent event from being stored twice. */
export interface AppendOptions {
  /** When the request arrived, in ms. */
  now: number
  /** How long an accepted messageId keeps a later event with the same messageId out (0: no deduplication). */
  dedupeWindowMs: number
}

export interface AppendResult {
  /** messageIds of the request that were accepted before, within the window: nothing of them was stored again. */
  duplicates: string[]
}

export interface StoredDelivery extends NewDelivery {
  /** The store's id (SQLite row id, Redis stream id). */
  id: string
  /** Attempts that ended with a retryable answer. */
  attempts: number
  /** When the first retryable answer came, in ms: the retry budget runs from it. */
  firstFailedAt?: number
  /** Not to be sent before this time, in ms (0: now). */
  nextAt: number
  /** The last retryable answer, for the dead-letter record if the budget runs out. */
  lastError?: string
}

export interface StoreStats {
  /** Deliveries waiting, in flight or waiting to retry (for a shared store: every runtime's). */
  depth: number
  /** The oldest of them, received at (ms). */
  oldestReceivedAt?: number
}

/** This runtime as one consumer of a shared store (/health, /metrics). */
export interface ConsumerState {
  /** Its name among the store's consumers. */
  name: string
  /** Deliveries it has read and not yet removed: its own while it shows it is alive. */
  owned: number
  /** Whether the store answered its last command. */
  connected: boolean
  /** Deliveries it took over from runtimes that stopped answering (or handed them back), since start. */
  claimed: number
  /** Deliveries it held that another runtime took over while this one did not show it was alive. */
  lost: number
}

export interface DeliveryStore {
  /** What the runtime logs and /health shows about where events wait. */
  readonly description: string
  /**
   * Other runtimes deliver from this store too: a stopping runtime sends what it holds and reads no
   * more (what is left is theirs).
   */
  readonly shared?: boolean
  /** A shared store's view of this runtime as its consumer. */
  consumer?(): ConsumerState
  /**
   * Stores the deliveries of one request, all or none, but for those whose messageId the store accepted within
   * `options.dedupeWindowMs` (their first body is kept); resolves once the rest are durable.
   */
  append(deliveries: NewDelivery[], options: AppendOptions): Promise<AppendResult>
  /**
   * Up to `max` deliveries for this runtime to send now, oldest first: new ones, and those whose next
   * attempt has come. None it already holds: once read, a delivery is this runtime's until it removes
   * or reschedules it (or, in a shared store, until this runtime stops answering and another takes it).
   */
  read(max: number): Promise<StoredDelivery[]>
  /** Delivered, or dead-lettered (after the record was written): gone for good. */
  remove(deliveries: StoredDelivery[]): Promise<void>
  /**
   * Back in the store until `nextAt`, with their attempts and first failure: read() gives them again once
   * due (after a restart too, or to the runtime that takes them over). The runtime keeps nothing of
   * them in memory meanwhile.
   */
  reschedule(deliveries: StoredDelivery[]): Promise<void>
  /** Every delivery waiting for its next attempt is due now (settings were saved: try again at once). */
  expedite(): Promise<void>
  /**
   * A batch of these deliveries goes to TikTok now, before its answer: after a crash, the store knows which
   * may have arrived, and gives them after the rest. Never rejects (nothing depends on it but the order).
   */
  sending?(deliveries: StoredDelivery[]): Promise<void>
  stats(): Promise<StoreStats>
  close(): Promise<void>
}

/**
 * The store has no room (a full disk, a Redis over its maxmemory): nothing of the request was stored.
 * Said once when it fills, not at every request it refuses; `refusal` is what the client is told.
 */
export class StoreFullError extends Error {
  constructor(
    message: string,
    readonly refusal: string
  ) {
    super(message)
  }
}

/** What is wrong with where events are kept, for an operator to act on: /health (degraded) and /metrics. */
export interface StorageTrouble {
  /** One sentence each: what is wrong, what the runtime does meanwhile, and what to do. */
  reasons: string[]
  /** A disk the queue or the dead-letter file is on is full. */
  diskFull: boolean
  /** The shared queue's Redis is over its maxmemory: it refuses new events. */
  redisMemoryFull?: boolean
  /** Times this runtime found the shared queue's Redis emptied (restarted without its data), since start. */
  redisEmptied?: number
  /** Damaged queue files moved aside and not yet salvaged or removed. */
  damagedFiles: number
}

/** Where a runtime keeps what it accepted: the durable queue and the dead-letter sink. */
export interface Storage {
  store: DeliveryStore
  deadLetter: DeadLetterSink
  /** Settings shared with other runtimes (Redis): saved there instead of SETTINGS_FILE, applied when any runtime saves. */
  settings?: SharedSettings
  /** Where the mappings saved on the page are kept (DATA_DIR, or Redis shared); absent: in memory only. */
  mappings?: SavedMappings
  /**
   * What is wrong now, if anything (the embedded storage: a full disk, a damaged queue file moved aside;
   * Redis: out of memory, or found empty).
   */
  trouble?(): StorageTrouble
}
