/**
 * The embedded queue: SQLite (libsql, better-sqlite3's API with a prebuilt binary) in WAL mode, in
 * `DATA_DIR/queue.db`. One runtime owns it. A request's deliveries are written in one transaction
 * before the Tracking API answers; requests that arrive together share it (group commit), so a busy
 * runtime syncs a few hundred times a second at most, not once per request. The same transaction checks
 * and records the messageIds (seen.ts): a client's retry of an accepted event is not stored again.
 *
 * Durability: `synchronous=FULL` (the default) syncs the WAL at each commit, so an accepted event
 * survives a crash of the process and of the machine; `NORMAL` survives a crash of the process
 * (kill -9) but may lose the last commits on power loss, for less I/O.
 *
 * A full disk (disk-space.ts) refuses new events but keeps the queue served: rows are read without
 * writing, and what cannot be written (deleting delivered rows, marking rows held, recording attempts)
 * waits in memory (unwritten.ts) and is written, before anything else, as soon as there is room (tried
 * every second). A file that cannot be opened is moved aside (damaged.ts) for a fresh one. A batch is
 * marked sent before TikTok answers; after a crash, those rows go after the rest.
 */
import Database from 'libsql'
import { chmodSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Synchronous } from '../../ops/config'
import { describeError, type Log } from '../../ops/log'
import { DiskFullError, DiskSpace } from '../disk-space'
import { privateDir, privateFile } from '../private-files'
import type { AppendOptions, AppendResult, DeliveryStore, NewDelivery, StoreStats, StoredDelivery } from '../store'
import { releaseLock, takeLock } from './lock'
import { isDamaged } from './damaged'
import { openQueueFile, sentLast } from './open-file'
import { deliveryOf, transaction, type Row } from './schema'
import { SeenIndex } from './seen'
import { UnwrittenWrites, type WriteStatements } from './unwritten'

export interface SqliteStoreOptions {
  dataDir: string
  synchronous?: Synchronous
  /** Where the store says what it does on its own (a damaged file moved aside, a full disk). */
  log?: Log
}

const silent: Log = { info: () => undefined, warn: () => undefined, error: () => undefined }

interface Append {
  deliveries: NewDelivery[]
  options: AppendOptions
  resolve: (result: AppendResult) => void
  reject: (error: Error) => void
}

export class SqliteStore implements DeliveryStore {
  readonly description: string
  /** The disk of DATA_DIR, full or not. */
  readonly disk: DiskSpace
  /** Where the file found damaged at start was moved, if it was. */
  readonly movedAside?: string
  private readonly log: Log
  private readonly db!: Database.Database
  /** DATA_DIR's lock file (lock.ts), this runtime's while it runs. */
  private readonly lock: string
  private readonly seen: SeenIndex
  private readonly unwritten: UnwrittenWrites
  private readonly writes: WriteStatements
  private readonly insert: Database.Statement
  private readonly after: Database.Statement
  private readonly due: Database.Statement
  private readonly markSent: Database.Statement
  private readonly byId: Database.Statement
  private readonly dueIds: Database.Statement
  private readonly oldest: Database.Statement
  private readonly synchronous: Synchronous
  /**
   * Rows with an id up to this were read once. Past it, read() takes new rows in order; up to it, the
   * rows rescheduled (next_at > 0) whose time has come. A row read is marked next_at = 0 (held).
   */
  private cursor = 0
  private depth: number
  /** Appends waiting for the next group commit. */
  private pending: Append[] = []
  private closed = false
  /** Why the file was found damaged while running (a read or a write said so), if it was. */
  private damagedWhileRunning?: string

  constructor({ dataDir, synchronous = 'FULL', log = silent }: SqliteStoreOptions) {
    this.log = log
    this.synchronous = synchronous
    privateDir(dataDir)
    const path = join(dataDir, 'queue.db')
    privateFile(path)
    this.lock = takeLock(join(dataDir, 'runtime.lock'), path)
    try {
      ;({ db: this.db, movedAside: this.movedAside } = openQueueFile(path, synchronous, log))
    } catch (error) {
      releaseLock(this.lock)
      throw error
    }
    for (const file of [`${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600)
    this.disk = new DiskSpace(dataDir, 'the queue', log)
    this.seen = new SeenIndex(this.db)
    this.insert = this.db.prepare(
      'INSERT INTO deliveries (subscription, batch_key, event, received_at, dry_run, message_id) VALUES (?, ?, ?, ?, ?, ?)'
    )
    this.after = this.db.prepare('SELECT * FROM deliveries WHERE id > ? ORDER BY id LIMIT ?')
    this.due = this.db.prepare(
      'SELECT * FROM deliveries WHERE next_at > 0 AND next_at <= ? AND id <= ? ORDER BY next_at LIMIT ?'
    )
    this.writes = {
      delete: this.db.prepare('DELETE FROM deliveries WHERE id = ?'),
      hold: this.db.prepare('UPDATE deliveries SET next_at = 0 WHERE id = ?'),
      update: this.db.prepare(
        'UPDATE deliveries SET attempts = ?, first_failed_at = ?, next_at = ?, last_error = ?, sent_at = NULL WHERE id = ?'
      ),
      dueNow: this.db.prepare('UPDATE deliveries SET next_at = 1 WHERE next_at > 1')
    }
    this.markSent = this.db.prepare('UPDATE deliveries SET sent_at = ? WHERE id = ?')
    this.byId = this.db.prepare('SELECT * FROM deliveries WHERE id = ?')
    this.dueIds = this.db.prepare(
      'SELECT id FROM deliveries WHERE next_at > 0 AND next_at <= ? AND id <= ? ORDER BY next_at LIMIT ?'
    )
    this.unwritten = new UnwrittenWrites({
      db: this.db,
      writes: this.writes,
      probe: this.db.prepare('INSERT OR REPLACE INTO probe (id, at) VALUES (1, ?)'),
      disk: this.disk,
      log
    })
    this.oldest = this.db.prepare('SELECT id, received_at FROM deliveries ORDER BY id LIMIT ?')
    const counts = this.db.prepare('SELECT count(*) AS n, count(sent_at) AS sent FROM deliveries').get() as {
      n: number
      sent: number
    }
    this.depth = counts.n
    if (counts.sent > 0) sentLast(this.db, counts.sent, log)
    this.description = `sqlite ${path} (synchronous=${synchronous})`
  }

  append(deliveries: NewDelivery[], options: AppendOptions): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('the queue is closed'))
    if (deliveries.length === 0) return Promise.resolve({ duplicates: [] })
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => this.commit())
      this.pending.push({ deliveries, options, resolve, reject })
    })
  }

  /**
   * One transaction for every append since the last one: all of them are durable, or none. What waits
   * to be written from a full disk goes first: once there is room, it is the first to have it.
   */
  private commit() {
    const group = this.pending
    this.pending = []
    if (group.length === 0) return
    let results: { duplicates: string[]; stored: number }[]
    try {
      results = transaction(this.db, () => {
        this.unwritten.write()
        const stored = group.map(({ deliveries, options }) => this.store(deliveries, options))
        const { now, dedupeWindowMs } = group[group.length - 1].options
        if (dedupeWindowMs > 0) this.seen.dropExpired(now, dedupeWindowMs)
        return stored
      })
    } catch (error) {
      this.seen.rolledBack()
      const full = this.disk.failed(error, 'new events are refused (503); queued events are still delivered')
      if (full) this.unwritten.watch()
      if (!full) this.damaged(error)
      const refusal = full ? new DiskFullError(`${this.disk.describe()}: the events were not stored`) : error
      for (const { reject } of group) reject(refusal as Error)
      return
    }
    this.unwritten.written()
    group.forEach(({ resolve }, i) => {
      this.depth += results[i].stored
      resolve({ duplicates: results[i].duplicates })
    })
  }

  /** Inserts a request's deliveries but for those whose messageId was accepted within the window. */
  private store(deliveries: NewDelivery[], { now, dedupeWindowMs }: AppendOptions) {
    // An event for several subscriptions is several deliveries with one messageId; none has an empty one.
    const messageIds = [...new Set(deliveries.map((d) => d.messageId).filter(Boolean))]
    const fresh = dedupeWindowMs > 0 && messageIds.length ? this.seen.claim(messageIds, now, dedupeWindowMs) : undefined
    let stored = 0
    for (const d of deliveries) {
      if (fresh && d.messageId && !fresh.has(d.messageId)) continue
      this.insert.run(d.subscription, d.batchKey, d.event, d.receivedAt, d.dryRun ? 1 : 0, d.messageId)
      stored++
    }
    return { duplicates: fresh ? messageIds.filter((id) => !fresh.has(id)) : [], stored }
  }

  async read(max: number): Promise<StoredDelivery[]> {
    if (this.closed || max <= 0) return []
    const now = Date.now()
    const cursor = this.cursor
    let out: StoredDelivery[]
    try {
      // One transaction: the rows given are marked held (next_at = 0) together with the cursor's move.
      out = this.disk.full ? this.readRows(now, max, false) : transaction(this.db, () => this.readRows(now, max, true))
    } catch (error) {
      this.cursor = cursor
      if (!this.disk.failed(error, 'new events are refused (503); queued events are still delivered')) {
        this.damaged(error)
        throw error
      }
      this.unwritten.watch()
      out = this.readRows(now, max, false)
    }
    for (const { id, state } of this.unwritten.due(now, max - out.length)) {
      const row = this.byId.get(id) as Row | undefined
      if (row) out.push({ ...deliveryOf(row), ...state })
    }
    return out
  }

  /** Rows to send now; those the file shows waiting are marked held (with `write`, else in memory). */
  private readRows(now: number, max: number, write: boolean): StoredDelivery[] {
    const out: StoredDelivery[] = []
    const take = (row: Row) => {
      if (row.next_at !== 0) {
        if (write) this.writes.hold.run(row.id)
        else this.unwritten.hold(row.id)
      }
      out.push(deliveryOf({ ...row, next_at: 0 }))
    }
    if (this.unwritten.size === 0) {
      for (const row of this.due.all(now, this.cursor, max) as Row[]) take(row)
    } else {
      // Rows kept in memory are not read from the file: ids first, then the rows that are not.
      for (const { id } of this.dueIds.all(now, this.cursor, max + this.unwritten.size) as { id: number }[]) {
        const row = out.length < max && !this.unwritten.has(id) ? (this.byId.get(id) as Row | undefined) : undefined
        if (row) take(row)
      }
    }
    // New rows in order; one waiting for its next attempt (from before a restart) is left for the
    // query above, which takes it once due.
    while (out.length < max) {
      const rows = this.after.all(this.cursor, max - out.length) as Row[]
      if (rows.length === 0) break
      this.cursor = rows[rows.length - 1].id
      for (const row of rows) if (row.next_at <= now) take(row)
    }
    return out
  }

  async remove(deliveries: StoredDelivery[]): Promise<void> {
    if (deliveries.length === 0) return
    if (!this.disk.full) {
      try {
        let removed = 0
        transaction(this.db, () => {
          for (const d of deliveries) removed += this.writes.delete.run(Number(d.id)).changes
        })
        this.depth -= removed
        return
      } catch (error) {
        if (!this.disk.failed(error, 'delivered events are kept in memory, to be removed from the queue')) throw error
      }
    }
    // No longer pending from now on; gone from the file once there is room.
    for (const d of deliveries) if (this.unwritten.delete(Number(d.id))) this.depth--
    this.unwritten.watch()
  }

  async reschedule(deliveries: StoredDelivery[]): Promise<void> {
    if (deliveries.length === 0) return
    if (!this.disk.full) {
      try {
        transaction(this.db, () => {
          // next_at > 0 marks it as waiting, not held: read() takes it once due.
          for (const d of deliveries) {
            this.writes.update.run(
              d.attempts,
              d.firstFailedAt ?? null,
              Math.max(1, d.nextAt),
              d.lastError ?? null,
              Number(d.id)
            )
          }
        })
        return
      } catch (error) {
        if (!this.disk.failed(error, 'retries wait in memory')) throw error
      }
    }
    for (const d of deliveries) this.unwritten.update(d)
    this.unwritten.watch()
  }

  async expedite(): Promise<void> {
    if (this.closed) return
    this.unwritten.expedite()
    if (this.disk.full) return
    try {
      this.writes.dueNow.run()
    } catch (error) {
      if (!this.disk.failed(error, 'retries wait in memory')) throw error
      this.unwritten.watch()
    }
  }

  async sending(deliveries: StoredDelivery[]): Promise<void> {
    if (this.closed || this.disk.full || deliveries.length === 0) return
    try {
      // Only kill -9 needs to see it: not synced on its own (the next commit syncs it with FULL).
      if (this.synchronous === 'FULL') this.db.exec('PRAGMA synchronous = NORMAL')
      const now = Date.now()
      transaction(this.db, () => {
        for (const d of deliveries) if (!this.unwritten.has(Number(d.id))) this.markSent.run(now, Number(d.id))
      })
    } catch (error) {
      if (this.disk.failed(error, 'new events are refused (503); queued events are still delivered'))
        this.unwritten.watch()
    } finally {
      if (this.synchronous === 'FULL') this.db.exec('PRAGMA synchronous = FULL')
    }
  }

  async stats(): Promise<StoreStats> {
    // The oldest row still pending: rows delivered but not yet deleted (a full disk) are not.
    const rows = this.oldest.all(Math.min(10_000, this.unwritten.deletes + 1)) as Row[]
    const oldest = rows.find((row) => !this.unwritten.isDeleted(row.id))
    return { depth: this.depth, oldestReceivedAt: oldest?.received_at }
  }

  /** What /health says while the disk is full, or once the file was found damaged while running. */
  trouble(): string[] {
    const reasons: string[] = []
    const full = this.disk.describe()
    if (full) {
      const deletes = this.unwritten.deletes
      const waiting = deletes
        ? `; ${deletes} delivered events wait to be removed from the queue file once there is`
        : ''
      reasons.push(
        `${full}: new events are refused (503) until there is room; queued events are still delivered${waiting}. Free space on that disk`
      )
    }
    if (this.damagedWhileRunning) {
      reasons.push(
        `the queue file was found damaged while running (${this.damagedWhileRunning}): restart the runtime, which moves it aside and starts on a fresh queue, then salvage it`
      )
    }
    return reasons
  }

  /** An error says the file is damaged: said once, and on /health (the next start moves the file aside). */
  private damaged(error: unknown) {
    if (this.damagedWhileRunning || !isDamaged(error)) return
    this.damagedWhileRunning = describeError(error)
    this.log.error('queue file damaged while running', {
      reason: this.damagedWhileRunning,
      next_step: 'restart the runtime: it moves the file aside, starts on a fresh queue and says how to salvage it'
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.commit()
    this.closed = true
    this.unwritten.stop()
    if (this.unwritten.size) this.unwritten.tryNow()
    const deletes = this.unwritten.deletes
    if (deletes) {
      this.log.error('stopping with the disk full: delivered events could not be removed from the queue', {
        events: deletes,
        next_start: 'sends them again; TikTok keeps one per event_id within 48 h'
      })
    } else {
      // The file is whole on its own after a stop: the WAL's pages are copied into it.
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)')
      } catch {
        // Left in the WAL, where the next start reads it.
      }
    }
    this.db.close()
    releaseLock(this.lock)
  }
}
