/**
 * Where events go when their delivery failed for good: one record per event and mapping, with the
 * Segment event as received, the status and the reason, so that they can be replayed once the cause
 * is fixed. The embedded storage writes them to a file (dead-letter-file.ts), the shared one to a
 * Redis stream (redis/dead-letter-stream.ts); delivery only sees this interface.
 *
 * A write never throws: it resolves false (and logs what was not written, never the events) when the
 * records could not be made durable, and the caller keeps the events queued.
 */

export interface DeadLetterRecord {
  at: string
  mapping: string
  status: number
  reason: string
  attempts: number
  /** The Segment event as received, JSON text. */
  event: string
  /** True when the event could not be stored whole (nested too deep): parts of it are cut. */
  cut?: boolean
}

export interface DeadLetterSink {
  /** Where records go, for logs and /health. */
  readonly where: string
  /** Throws, for a clear refusal to start, when records could not be written. */
  check(): Promise<void>
  /** Resolves true once the records are durable; false, logged, when they are not. Never rejects. */
  append(records: DeadLetterRecord[]): Promise<boolean>
}
