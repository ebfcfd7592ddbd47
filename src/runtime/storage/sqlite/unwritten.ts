/**
 * What the queue could not write while the disk was full, kept in memory until it has room: rows to
 * delete (delivered or dead-lettered), rows read that the file still shows waiting (to mark held), and
 * rows rescheduled (their attempts and next time). In WAL mode even a DELETE needs room, so a full disk
 * would otherwise leave delivered rows to be sent again after a restart. The store gives back a
 * rescheduled row once due (its retry state from here, the rest read from the file), and keeps every row
 * here out of what it reads from the file. Ids and retry states only: memory stays small.
 */
import type Database from 'libsql'
import { describeError, type Log } from '../../ops/log'
import type { DiskSpace } from '../disk-space'
import type { StoredDelivery } from '../store'
import { transaction } from './schema'

/** How often what waits is tried again, while the disk is full. */
const ROOM_CHECK_MS = 1000

/** What a reschedule records of a delivery: its retry state (the rest is in the file, read again when due). */
export type RetryState = Pick<StoredDelivery, 'attempts' | 'firstFailedAt' | 'nextAt' | 'lastError'>

type Write = { kind: 'delete' } | { kind: 'hold' } | { kind: 'update'; state: RetryState }

/** The statements that write each kind, prepared by the store. */
export interface WriteStatements {
  delete: Database.Statement
  /** Marks a row held (next_at = 0). */
  hold: Database.Statement
  /** Sets attempts, first_failed_at, next_at, last_error (and clears sent_at) of a row. */
  update: Database.Statement
  /** Makes every waiting row due now. */
  dueNow: Database.Statement
}

export interface UnwrittenOptions {
  db: Database.Database
  writes: WriteStatements
  /** Writes the one row of `probe`: a write that learns whether there is room when nothing else waits. */
  probe: Database.Statement
  disk: DiskSpace
  log: Log
}

export class UnwrittenWrites {
  private readonly rows = new Map<number, Write>()
  /** expedite() could not be written: every waiting row is due now once there is room. */
  private expedited = false
  /** While the disk is full: the timer that tries again. */
  private timer?: NodeJS.Timeout

  constructor(private readonly options: UnwrittenOptions) {}

  get size(): number {
    return this.rows.size
  }

  /** Rows to delete: delivered or dead-lettered, no longer pending. */
  get deletes(): number {
    let count = 0
    for (const write of this.rows.values()) if (write.kind === 'delete') count++
    return count
  }

  /** Whether the store keeps this row out of what it reads from the file. */
  has(id: number): boolean {
    return this.rows.has(id)
  }

  isDeleted(id: number): boolean {
    return this.rows.get(id)?.kind === 'delete'
  }

  /** The row was delivered or dead-lettered; false when it was already. */
  delete(id: number): boolean {
    if (this.rows.get(id)?.kind === 'delete') return false
    this.rows.set(id, { kind: 'delete' })
    return true
  }

  /** The row was read while the file shows it waiting: it is held. */
  hold(id: number): void {
    this.rows.set(id, { kind: 'hold' })
  }

  /** Rescheduled: given back by `due` once its next attempt has come (only its retry state is kept here). */
  update({ id, attempts, firstFailedAt, nextAt, lastError }: StoredDelivery): void {
    this.rows.set(Number(id), { kind: 'update', state: { attempts, firstFailedAt, nextAt, lastError } })
  }

  /** Every rescheduled row here is due now. */
  expedite(): void {
    this.expedited = true
    for (const write of this.rows.values()) if (write.kind === 'update') write.state.nextAt = 0
  }

  /**
   * Up to `max` rescheduled rows whose next attempt has come, soonest first, with their retry state:
   * held again from now on (the caller reads the rest of each row from the file).
   */
  due(now: number, max: number): { id: number; state: RetryState }[] {
    if (max <= 0 || this.rows.size === 0) return []
    const due: { id: number; state: RetryState }[] = []
    for (const [id, write] of this.rows)
      if (write.kind === 'update' && write.state.nextAt <= now) due.push({ id, state: write.state })
    due.sort((a, b) => a.state.nextAt - b.state.nextAt)
    return due.slice(0, max).map(({ id, state }) => {
      this.hold(id)
      return { id, state: { ...state, nextAt: 0 } }
    })
  }

  /** Writes everything kept, inside the caller's transaction; `written` once it committed. */
  write(): void {
    const statements = this.options.writes
    for (const [id, write] of this.rows) {
      if (write.kind === 'delete') statements.delete.run(id)
      else if (write.kind === 'hold') statements.hold.run(id)
      else {
        const { attempts, firstFailedAt, nextAt, lastError } = write.state
        statements.update.run(attempts, firstFailedAt ?? null, Math.max(1, nextAt), lastError ?? null, id)
      }
    }
    if (this.expedited) statements.dueNow.run()
  }

  /** A transaction that wrote what was kept committed: the disk has room (said if it was full). */
  written(): void {
    const kept = this.rows.size
    const deleted = this.deletes
    this.rows.clear()
    this.expedited = false
    this.stop()
    this.options.disk.wrote(
      kept ? `${kept} queue writes that waited were written (${deleted} delivered rows removed)` : undefined
    )
  }

  /** While the disk is full: tries every second to write what is kept, and to learn that there is room. */
  watch(): void {
    if (this.timer) return
    this.timer = setInterval(() => this.tryNow(), ROOM_CHECK_MS)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Writes what is kept, with the probe row (so that nothing kept still learns of room). */
  tryNow(): void {
    const { db, probe, disk, log } = this.options
    try {
      transaction(db, () => {
        this.write()
        probe.run(Date.now())
      })
    } catch (error) {
      if (!disk.failed(error, 'new events are refused (503); queued events are still delivered')) {
        log.error('queue update failed', { reason: describeError(error) })
      }
      return
    }
    this.written()
  }
}
