/** What the pipeline counts since start (GET /health, the stop's log line, the tests). */
export interface DeliveryCounts {
  /** Messages taken in, and what became of them on arrival. */
  received: number
  skipped: number
  unmatched: number
  /** Messages whose consent lacks a category CONSENT_CATEGORIES names: acknowledged, neither delivered nor remembered. */
  refused: number
  /** Messages not queued again: their messageId was accepted before (a client's retry), or earlier in the request. */
  deduplicated: number
  /** Deliveries (an event matched by a subscription): queued = delivered + deadLettered + pending. */
  queued: number
  delivered: number
  /** Of the delivered, those a dry-run printed (stdout) instead of sending to TikTok. */
  printed: number
  deadLettered: number
  retried: number
  batches: number
}

export const noCounts = (): DeliveryCounts => ({
  received: 0,
  skipped: 0,
  unmatched: 0,
  refused: 0,
  deduplicated: 0,
  queued: 0,
  delivered: 0,
  printed: 0,
  deadLettered: 0,
  retried: 0,
  batches: 0
})
