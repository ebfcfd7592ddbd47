/**
 * The messageIds the queue accepted lately, with when (the table `seen`): an event whose messageId is
 * there, younger than the window, is a client's retry of one already accepted and is not stored again.
 * Bounded by the window: entries are dropped as they age, the oldest first (the table's rowid is their
 * order of arrival), a bounded number per commit. Every method runs inside the caller's transaction, so
 * a request that fails to store leaves no messageId behind.
 */
import type Database from 'libsql'

/** At most this many expired entries are dropped per commit (more than any commit adds). */
const EXPIRED_PER_COMMIT = 2000

export class SeenIndex {
  private readonly insertMany: Database.Statement
  private readonly insert: Database.Statement
  private readonly atOf: Database.Statement
  private readonly forget: Database.Statement
  private readonly first: Database.Statement
  private readonly expire: Database.Statement
  /** When the oldest entry was accepted (undefined: none, or not known since the last expiry). */
  private oldest?: number

  constructor(db: Database.Database) {
    // One statement per request (not per event): the ones it inserted come back.
    this.insertMany = db.prepare(
      'INSERT OR IGNORE INTO seen (message_id, at) SELECT value, ? FROM json_each(?) RETURNING message_id'
    )
    this.insert = db.prepare('INSERT INTO seen (message_id, at) VALUES (?, ?)')
    this.atOf = db.prepare('SELECT at FROM seen WHERE message_id = ?')
    this.forget = db.prepare('DELETE FROM seen WHERE message_id = ?')
    this.first = db.prepare('SELECT at FROM seen ORDER BY id LIMIT 1')
    this.expire = db.prepare(
      'DELETE FROM seen WHERE id IN (SELECT id FROM (SELECT id, at FROM seen ORDER BY id LIMIT ?) WHERE at <= ?)'
    )
    this.oldest = (this.first.get() as { at: number } | undefined)?.at
  }

  /**
   * Of `messageIds` (distinct), those that may be stored: not accepted within `windowMs` before `now`.
   * They are recorded as accepted at `now`; the others keep their first acceptance.
   */
  claim(messageIds: string[], now: number, windowMs: number): Set<string> {
    const fresh = new Set(
      (this.insertMany.all(now, JSON.stringify(messageIds)) as { message_id: string }[]).map((row) => row.message_id)
    )
    if (fresh.size < messageIds.length) {
      for (const messageId of messageIds) {
        if (fresh.has(messageId)) continue
        const { at } = this.atOf.get(messageId) as { at: number }
        if (now - at < windowMs) continue
        // Expired but not dropped yet: accepted anew, at the end of the order.
        this.forget.run(messageId)
        this.insert.run(messageId, now)
        fresh.add(messageId)
      }
    }
    if (fresh.size) this.oldest ??= now
    return fresh
  }

  /** Drops entries older than the window, the oldest first, a bounded number. */
  dropExpired(now: number, windowMs: number): void {
    if (this.oldest === undefined || now - this.oldest < windowMs) return
    this.expire.run(EXPIRED_PER_COMMIT, now - windowMs)
    this.oldest = (this.first.get() as { at: number } | undefined)?.at
  }

  /** The transaction that ran claim() or dropExpired() was rolled back: what is known of the table is read again. */
  rolledBack(): void {
    this.oldest = (this.first.get() as { at: number } | undefined)?.at
  }
}
