/**
 * Time as delivery sees it: what time it is, and timers. The runtime uses the system's; the unit tests
 * pass a fake one they move by hand, so that what happens when (a retry coming due, the end of a pause,
 * a probe, a stop's deadline) is tested without waiting.
 */

/** A timer that has been set: `cancel` stops it (nothing happens if it already ran). */
export interface Timer {
  cancel(): void
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Runs `run` once, `ms` from now. Unless `keepAlive`, the timer does not keep the process alive. */
  after(ms: number, run: () => void, keepAlive?: boolean): Timer
  /** Runs `run` every `ms`; the timer never keeps the process alive. */
  every(ms: number, run: () => void): Timer
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, run, keepAlive = false) {
    const timer = setTimeout(run, ms)
    if (!keepAlive) timer.unref()
    return { cancel: () => clearTimeout(timer) }
  },
  every(ms, run) {
    const timer = setInterval(run, ms)
    timer.unref()
    return { cancel: () => clearInterval(timer) }
  }
}
