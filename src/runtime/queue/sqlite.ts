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
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import type { DeliveryStore, NewDelivery, StoreStats, StoredDelivery } from './store'

export type Synchronous = 'FULL' | 'NORMAL'

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
  last_error TEXT
)`

/** The most ids in one `IN (…)`. */
const CHUNK = 500

/** Creates DATA_DIR (mode 0700: it holds events with their PII) and its files private (0600). */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
}

export function privateFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600))
  chmodSync(path, 0o600)
}

const toDelivery = (row: Row): StoredDelivery => ({
  id: String(row.id),
  subscription: row.subscription,
  batchKey: row.batch_key,
  event: row.event,
  receivedAt: row.received_at,
  attempts: row.attempts,
  firstFailedAt: row.first_failed_at ?? undefined,
  nextAt: row.next_at,
  lastError: row.last_error ?? undefined
})

export class SqliteStore implements DeliveryStore {
  readonly description: string
  private readonly db: Database.Database
  private readonly insert: Database.Statement
  private readonly after: Database.Statement
  private readonly update: Database.Statement
  /** Rows with an id up to this were read (they are the pipeline's): read() goes on after it. */
  private cursor = 0
  /** Rows handed back by release(): read() gives them first. */
  private readonly released: StoredDelivery[] = []
  private depth: number
  /** Appends waiting for the next group commit. */
  private pending: { deliveries: NewDelivery[]; resolve: () => void; reject: (error: Error) => void }[] = []
  private closed = false

  constructor({ dataDir, synchronous = 'FULL' }: SqliteStoreOptions) {
    privateDir(dataDir)
    const path = join(dataDir, 'queue.db')
    privateFile(path)
    this.db = new Database(path)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma(`synchronous = ${synchronous}`)
    this.db.pragma('busy_timeout = 5000')
    this.db.exec(SCHEMA)
    for (const file of [`${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600)
    this.insert = this.db.prepare(
      'INSERT INTO deliveries (subscription, batch_key, event, received_at) VALUES (?, ?, ?, ?)'
    )
    this.after = this.db.prepare('SELECT * FROM deliveries WHERE id > ? ORDER BY id LIMIT ?')
    this.update = this.db.prepare(
      'UPDATE deliveries SET attempts = ?, first_failed_at = ?, next_at = ?, last_error = ? WHERE id = ?'
    )
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
          for (const d of deliveries) this.insert.run(d.subscription, d.batchKey, d.event, d.receivedAt)
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
    const out = this.released.splice(0, max)
    if (out.length < max && !this.closed) {
      const rows = this.after.all(this.cursor, max - out.length) as Row[]
      if (rows.length) this.cursor = rows[rows.length - 1].id
      for (const row of rows) out.push(toDelivery(row))
    }
    return out
  }

  async remove(deliveries: StoredDelivery[]): Promise<void> {
    if (deliveries.length === 0) return
    let removed = 0
    this.db.transaction(() => {
      for (let i = 0; i < deliveries.length; i += CHUNK) {
        const ids = deliveries.slice(i, i + CHUNK).map((d) => Number(d.id))
        const result = this.db.prepare(`DELETE FROM deliveries WHERE id IN (${ids.map(() => '?').join(',')})`).run(ids)
        removed += result.changes
      }
    })()
    this.depth -= removed
  }

  async reschedule(deliveries: StoredDelivery[]): Promise<void> {
    if (deliveries.length === 0) return
    this.db.transaction(() => {
      for (const d of deliveries) {
        this.update.run(d.attempts, d.firstFailedAt ?? null, d.nextAt, d.lastError ?? null, Number(d.id))
      }
    })()
  }

  async release(deliveries: StoredDelivery[]): Promise<void> {
    this.released.push(...deliveries)
  }

  async stats(): Promise<StoreStats> {
    const oldest = this.db.prepare('SELECT received_at FROM deliveries ORDER BY id LIMIT 1').get() as
      { received_at: number } | undefined
    return { depth: this.depth, oldestReceivedAt: oldest?.received_at }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.commit()
    this.closed = true
    this.db.close()
  }
}
