/**
 * A full disk is a state, not an error string: a write that fails for lack of space (ENOSPC, SQLITE_FULL)
 * turns it on, the next write that succeeds turns it off, and each change is said once in the log. While
 * it is on, /health names the disk and its free space.
 */
import { statfsSync } from 'node:fs'
import { describeError, type Log } from '../ops/log'
import { StoreFullError } from './store'

/** A write failed for lack of space: nothing of the request was stored. */
export class DiskFullError extends StoreFullError {
  constructor(message: string) {
    super(message, "The runtime's disk is full: it cannot store the events; retry later.")
  }
}

/** Whether an error says the disk (or the user's quota) has no room: ENOSPC, EDQUOT, SQLITE_FULL. */
export function isDiskFull(error: unknown): boolean {
  if (error instanceof DiskFullError) return true
  const code = (error as { code?: unknown } | undefined)?.code
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return true
  return error instanceof Error && /database or disk is full|no space left on device/i.test(error.message)
}

/** Bytes this process may still write on the disk of `path` (undefined when the system does not say). */
export function freeBytes(path: string): number | undefined {
  try {
    const stats = statfsSync(path)
    return stats.bavail * stats.bsize
  } catch {
    return undefined
  }
}

/** 0 B, 812 KB, 3.4 MB, 12 GB. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return 'unknown'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 || value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`
}

export class DiskSpace {
  private fullSince?: number

  /**
   * @param dir the directory whose disk this watches (DATA_DIR, the dead-letter file's folder)
   * @param holds what is written there, for the log and /health ("the queue", "the dead-letter file")
   */
  constructor(
    readonly dir: string,
    readonly holds: string,
    private readonly log: Log
  ) {}

  /** A write failed for lack of space, and none succeeded since. */
  get full(): boolean {
    return this.fullSince !== undefined
  }

  /** A write failed: true when it was for lack of space (the state is then on; said when it changes). */
  failed(error: unknown, consequence: string): boolean {
    if (!isDiskFull(error)) return false
    if (this.fullSince === undefined) {
      this.fullSince = Date.now()
      this.log.error('disk full', {
        dir: this.dir,
        holds: this.holds,
        free: formatBytes(freeBytes(this.dir)),
        meanwhile: consequence,
        next_step: `free space on the disk of ${this.dir}: the runtime sees it within a second`,
        reason: describeError(error)
      })
    }
    return true
  }

  /** A write succeeded: the disk has room (said when it changes, with what was done once it had). */
  wrote(done?: string): void {
    if (this.fullSince === undefined) return
    const seconds = Math.round((Date.now() - this.fullSince) / 1000)
    this.fullSince = undefined
    this.log.info('disk has room again', {
      dir: this.dir,
      holds: this.holds,
      free: formatBytes(freeBytes(this.dir)),
      full_for: `${seconds} s`,
      done
    })
  }

  /** "the disk of DIR is full (12 KB free)", while it is. */
  describe(): string | undefined {
    if (this.fullSince === undefined) return undefined
    return `the disk of ${this.dir} is full (${formatBytes(freeBytes(this.dir))} free, since ${new Date(this.fullSince).toISOString()})`
  }
}
