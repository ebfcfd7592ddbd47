/** Why `Pipeline.accept` refused a request; the Tracking API answers each with its own status. */

/** Refused because the queue is full: the Tracking API answers 429 with this Retry-After. */
export class QueueFullError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number
  ) {
    super(message)
  }
}

/** A request with more deliveries than the queue can ever hold: 413, no retry can help. */
export class TooLargeError extends Error {}

/** The queue could not store the request (disk full, store unreachable): 503, the client retries. */
export class StoreUnavailableError extends Error {}

/** The runtime is stopping: 503, the client retries (with another instance, or after the restart). */
export class StoppingError extends Error {}
