/**
 * The queue file's tables: `deliveries` (what waits to be sent), `seen` (the messageIds accepted lately,
 * for deduplication) and `probe` (one row, written to learn whether the disk has room again). A
 * transaction that fails rolls back whole and says why (libsql's own wrapper reports "cannot rollback -
 * no transaction is active" instead when SQLite rolled back by itself, as it does when the disk is full).
 */
import type Database from 'libsql'
import type { StoredDelivery } from '../store'

/** A row of `deliveries`. */
export interface Row {
  id: number
  subscription: string
  batch_key: string
  event: string
  received_at: number
  dry_run: number
  attempts: number
  first_failed_at: number | null
  next_at: number
  last_error: string | null
  message_id: string
  /** When a batch carrying it was last sent without its answer known yet (null: never, or answered). */
  sent_at: number | null
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  subscription TEXT NOT NULL,
  batch_key TEXT NOT NULL,
  event TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  first_failed_at INTEGER,
  next_at INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  dry_run INTEGER NOT NULL DEFAULT 0,
  message_id TEXT NOT NULL DEFAULT '',
  sent_at INTEGER
);
CREATE INDEX IF NOT EXISTS deliveries_waiting ON deliveries (next_at) WHERE next_at > 0;
CREATE TABLE IF NOT EXISTS seen (
  id INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL UNIQUE,
  at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)`

/** Columns added since the first version, added to an older file as it is opened. */
const ADDED_COLUMNS: [name: string, definition: string][] = [
  ['dry_run', 'INTEGER NOT NULL DEFAULT 0'],
  ['message_id', "TEXT NOT NULL DEFAULT ''"],
  ['sent_at', 'INTEGER']
]

/** Creates what is missing (a new file, or one written by an older version). */
export function createSchema(db: Database.Database): void {
  db.exec(SCHEMA)
  const columns = (db.prepare('PRAGMA table_info(deliveries)').all() as { name: string }[]).map((c) => c.name)
  for (const [name, definition] of ADDED_COLUMNS) {
    if (!columns.includes(name)) db.exec(`ALTER TABLE deliveries ADD COLUMN ${name} ${definition}`)
  }
}

export const deliveryOf = (row: Row): StoredDelivery => ({
  id: String(row.id),
  subscription: row.subscription,
  batchKey: row.batch_key,
  event: row.event,
  receivedAt: row.received_at,
  dryRun: row.dry_run === 1,
  messageId: row.message_id,
  attempts: row.attempts,
  firstFailedAt: row.first_failed_at ?? undefined,
  nextAt: row.next_at,
  lastError: row.last_error ?? undefined
})

/** Runs `work` in one transaction: committed whole, or rolled back whole with the error that caused it. */
export function transaction<T>(db: Database.Database, work: () => T): T {
  db.exec('BEGIN IMMEDIATE')
  try {
    const result = work()
    db.exec('COMMIT')
    return result
  } catch (error) {
    // SQLite may have rolled back already (a full disk does that); a COMMIT that failed leaves it open.
    if (db.inTransaction) {
      try {
        db.exec('ROLLBACK')
      } catch {
        // The error that matters is the first one.
      }
    }
    throw error
  }
}
