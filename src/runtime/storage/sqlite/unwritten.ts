/**
 * What the queue could not write while the disk was full, kept in memory until it has room: rows to
 * delete (delivered or dead-lettered), rows read that the file still shows waiting (to mark held), and
 * rows rescheduled (their attempts and next time). In WAL mode even a DELETE needs room, so a full disk
 * would otherwise leave delivered rows to be sent again after a restart. The store gives back a
 * rescheduled row from here once due, and keeps every row here out of what it reads from the file.
 */
import type Database from 'libsql'
import type { StoredDelivery } from '../store'

type Write = { kind: 'delete' } | { kind: 'hold' } | { kind: 'update'; delivery: StoredDelivery }

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

export class UnwrittenWrites {
  private readonly rows = new Map<number, Write>()
  /** expedite() could not be written: every waiting row is due now once there is room. */
  private expedited = false

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

  /** Rescheduled: given back by `due` once its next attempt has come. */
  update(delivery: StoredDelivery): void {
    this.rows.set(Number(delivery.id), { kind: 'update', delivery: { ...delivery } })
  }

  /** Every rescheduled row here is due now. */
  expedite(): void {
    this.expedited = true
    for (const write of this.rows.values()) if (write.kind === 'update') write.delivery.nextAt = 0
  }

  /** Up to `max` rescheduled rows whose next attempt has come, soonest first: held again from now on. */
  due(now: number, max: number): StoredDelivery[] {
    if (max <= 0 || this.rows.size === 0) return []
    const due: StoredDelivery[] = []
    for (const write of this.rows.values()) {
      if (write.kind === 'update' && write.delivery.nextAt <= now) due.push(write.delivery)
    }
    due.sort((a, b) => a.nextAt - b.nextAt)
    return due.slice(0, max).map((delivery) => {
      this.hold(Number(delivery.id))
      return { ...delivery, nextAt: 0 }
    })
  }

  /** Writes everything kept, inside the caller's transaction; `clear` once it committed. */
  write(statements: WriteStatements): void {
    for (const [id, write] of this.rows) {
      if (write.kind === 'delete') statements.delete.run(id)
      else if (write.kind === 'hold') statements.hold.run(id)
      else {
        const { attempts, firstFailedAt, nextAt, lastError } = write.delivery
        statements.update.run(attempts, firstFailedAt ?? null, Math.max(1, nextAt), lastError ?? null, id)
      }
    }
    if (this.expedited) statements.dueNow.run()
  }

  clear(): void {
    this.rows.clear()
    this.expedited = false
  }
}
