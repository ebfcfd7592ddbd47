/**
 * The embedded queue: SQLite (libsql, better-sqlite3's API with a prebuilt binary) in WAL mode, in
 * `DATA_DIR/queue.db`. One runtime owns it. A request's deliveries are written in one transaction
 * before the Tracking API answers; requests that arrive together share it (group commit), so a busy
 * runtime syncs a few hundred times a second at most, not once per request.
 *
 * Durability: `synchronous=FULL` (the default) syncs the WAL at each commit, so an accepted event
 * survives a crash of the process and of the machine; `NORMAL` survives a crash of the process
 * (kill -9) but may lose the last commits on power loss, for less I/O.
 */
import Database from 'libsql'
import { chmodSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Synchronous } from '../../ops/config'
import { privateDir, privateFile } from '../private-files'
import { releaseLock, takeLock } from './lock'
import type { DeliveryStore, NewDelivery, StoreStats, StoredDelivery } from '../store'

export interface SqliteStoreOptions {
  dataDir: string
  synchronous?: Synchronous
}

interface Row {
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
  dry_run INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS deliveries_waiting ON deliveries (next_at) WHERE next_at > 0`

const deliveryOf = (row: Row): StoredDelivery => ({
  id: String(row.id),
  subscription: row.subscription,
  batchKey: row.batch_key,
  event: row.event,
  receivedAt: row.received_at,
  dryRun: row.dry_run === 1,
  attempts: row.attempts,
  firstFailedAt: row.first_failed_at ?? undefined,
  nextAt: row.next_at,
  lastError: row.last_error ?? undefined
})

export class SqliteStore implements DeliveryStore {
  readonly description: string
  private readonly db!: Database.Database
  /** DATA_DIR's lock file (lock.ts), this runtime's while it runs. */
  private readonly lock: string
  private readonly insert: Database.Statement
  private readonly after: Database.Statement
  private readonly due: Database.Statement
  private readonly take: Database.Statement
  private readonly update: Database.Statement
  private readonly delete: Database.Statement
  private readonly dueNow: Database.Statement
  private readonly oldest: Database.Statement
  /**
   * Rows with an id up to this were read once. Past it, read() takes new rows in order; up to it, the
   * rows rescheduled (next_at > 0) whose time has come. A row read is marked next_at = 0 (held).
   */
  private cursor = 0
  private depth: number
  /** Appends waiting for the next group commit. */
  private pending: { deliveries: NewDelivery[]; resolve: () => void; reject: (error: Error) => void }[] = []
  private closed = false

  constructor({ dataDir, synchronous = 'FULL' }: SqliteStoreOptions) {
    privateDir(dataDir)
    const path = join(dataDir, 'queue.db')
    privateFile(path)
    this.lock = takeLock(join(dataDir, 'runtime.lock'), path)
    try {
      this.db = new Database(path)
      this.db.pragma('busy_timeout = 5000')
      this.db.pragma('journal_mode = WAL')
      this.db.pragma(`synchronous = ${synchronous}`)
      this.db.exec(SCHEMA)
      const columns = (this.db.prepare('PRAGMA table_info(deliveries)').all() as { name: string }[]).map((c) => c.name)
      if (!columns.includes('dry_run'))
        this.db.exec('ALTER TABLE deliveries ADD COLUMN dry_run INTEGER NOT NULL DEFAULT 0')
    } catch (error) {
      releaseLock(this.lock)
      throw error
    }
    for (const file of [`${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600)
    this.insert = this.db.prepare(
      'INSERT INTO deliveries (subscription, batch_key, event, received_at, dry_run) VALUES (?, ?, ?, ?, ?)'
    )
    this.after = this.db.prepare('SELECT * FROM deliveries WHERE id > ? ORDER BY id LIMIT ?')
    this.due = this.db.prepare(
      'SELECT * FROM deliveries WHERE next_at > 0 AND next_at <= ? AND id <= ? ORDER BY next_at LIMIT ?'
    )
    this.take = this.db.prepare('UPDATE deliveries SET next_at = 0 WHERE id = ?')
    this.update = this.db.prepare(
      'UPDATE deliveries SET attempts = ?, first_failed_at = ?, next_at = ?, last_error = ? WHERE id = ?'
    )
    this.delete = this.db.prepare('DELETE FROM deliveries WHERE id = ?')
    this.dueNow = this.db.prepare('UPDATE deliveries SET next_at = 1 WHERE next_at > 1')
    this.oldest = this.db.prepare('SELECT received_at FROM deliveries ORDER BY id LIMIT 1')
    this.depth = (this.db.prepare('SELECT count(*) AS n FROM deliveries').get() as { n: number }).n
    this.description = `sqlite ${path} (synchronous=${synchronous})`
  }

  append(deliveries: NewDelivery[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the queue is closed'))
    if (deliveries.length === 0) return Promise.resolve()
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.commit())
      this.pending.push({ deliveries, resolve, reject })
    })
  }

  /** One transaction for every append since the last one: all of them are durable, or none. */
  private commit() {
    const group = this.pending
    this.pending = []
    if (group.length === 0) return
    try {
      this.db.transaction(() => {
        for (const { deliveries } of group) {
          for (const d of deliveries)
            this.insert.run(d.subscription, d.batchKey, d.event, d.receivedAt, d.dryRun ? 1 : 0)
        }
      })()
    } catch (error) {
      for (const { reject } of group) reject(error as Error)
      return
    }
    for (const { deliveries, resolve } of group) {
      this.depth += deliveries.length
      resolve()
    }
  }

  async read(max: number): Promise<StoredDelivery[]> {
    if (this.closed || max <= 0) return []
    const now = Date.now()
    // One transaction: the rows given are marked held (next_at = 0) together with the cursor's move.
    return this.db.transaction(() => {
      const out: StoredDelivery[] = []
      const take = (row: Row) => {
        if (row.next_at !== 0) this.take.run(row.id)
        out.push(deliveryOf({ ...row, next_at: 0 }))
      }
      for (const row of this.due.all(now, this.cursor, max) as Row[]) take(row)
      // New rows in order; one waiting for its next attempt (from before a restart) is left for the
      // query above, which takes it once due.
      while (out.length < max) {
        const rows = this.after.all(this.cursor, max - out.length) as Row[]
        if (rows.length === 0) break
        this.cursor = rows[rows.length - 1].id
        for (const row of rows) if (row.next_at <= now) take(row)
      }
      return out
    })()
  }

  async remove(deliveries: StoredDelivery[]): Promise<void> {
    if (deliveries.length === 0) return
    let removed = 0
    this.db.transaction(() => {
      for (const d of deliveries) removed += this.delete.run(Number(d.id)).changes
    })()
    this.depth -= removed
  }

  async reschedule(deliveries: StoredDelivery[]): Promise<void> {
    if (deliveries.length === 0) return
    this.db.transaction(() => {
      for (const d of deliveries) {
        // next_at > 0 marks it as waiting, not held: read() takes it once due.
        this.update.run(d.attempts, d.firstFailedAt ?? null, Math.max(1, d.nextAt), d.lastError ?? null, Number(d.id))
      }
    })()
  }

  async expedite(): Promise<void> {
    if (this.closed) return
    this.dueNow.run()
  }

  async stats(): Promise<StoreStats> {
    const oldest = this.oldest.get() as { received_at: number } | undefined
    return { depth: this.depth, oldestReceivedAt: oldest?.received_at }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.commit()
    this.closed = true
    this.db.close()
    releaseLock(this.lock)
  }
}
