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

/** How often the store tries to write what it could not, while the disk is full. */
const ROOM_CHECK_MS = 1000

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
  private readonly unwritten = new UnwrittenWrites()
  private readonly writes: WriteStatements
  private readonly insert: Database.Statement
  private readonly after: Database.Statement
  private readonly due: Database.Statement
  private readonly markSent: Database.Statement
  private readonly probe: Database.Statement
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
  /** While the disk is full: the timer that tries to write what waits. */
  private roomCheck?: NodeJS.Timeout
  private closed = false

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
    this.probe = this.db.prepare('INSERT OR REPLACE INTO probe (id, at) VALUES (1, ?)')
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
        this.unwritten.write(this.writes)
        const stored = group.map(({ deliveries, options }) => this.store(deliveries, options))
        const { now, dedupeWindowMs } = group[group.length - 1].options
        if (dedupeWindowMs > 0) this.seen.dropExpired(now, dedupeWindowMs)
        return stored
      })
    } catch (error) {
      this.seen.rolledBack()
      const full = this.disk.failed(error, 'new events are refused (503); queued events are still delivered')
      if (full) this.watchForRoom()
      const refusal = full ? new DiskFullError(`${this.disk.describe()}: the events were not stored`) : error
      for (const { reject } of group) reject(refusal as Error)
      return
    }
    this.wrote()
    group.forEach(({ resolve }, i) => {
      this.depth += results[i].stored
      resolve({ duplicates: results[i].duplicates })
    })
  }

  /** Inserts a request's deliveries but for those whose messageId was accepted within the window. */
  private store(deliveries: NewDelivery[], { now, dedupeWindowMs }: AppendOptions) {
    const may = new Map<string, boolean>()
    const duplicates: string[] = []
    let stored = 0
    for (const d of deliveries) {
      if (dedupeWindowMs > 0) {
        let fresh = may.get(d.messageId)
        if (fresh === undefined) {
          fresh = this.seen.claim(d.messageId, now, dedupeWindowMs)
          may.set(d.messageId, fresh)
          if (!fresh) duplicates.push(d.messageId)
        }
        if (!fresh) continue
      }
      this.insert.run(d.subscription, d.batchKey, d.event, d.receivedAt, d.dryRun ? 1 : 0, d.messageId)
      stored++
    }
    return { duplicates, stored }
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
      if (!this.disk.failed(error, 'new events are refused (503); queued events are still delivered')) throw error
      this.watchForRoom()
      out = this.readRows(now, max, false)
    }
    return [...out, ...this.unwritten.due(now, max - out.length)]
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
    const kept = this.unwritten.size
    for (const row of this.due.all(now, this.cursor, max + kept) as Row[]) {
      if (out.length < max && !this.unwritten.has(row.id)) take(row)
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
    this.watchForRoom()
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
    this.watchForRoom()
  }

  async expedite(): Promise<void> {
    if (this.closed) return
    this.unwritten.expedite()
    if (this.disk.full) return
    try {
      this.writes.dueNow.run()
    } catch (error) {
      if (!this.disk.failed(error, 'retries wait in memory')) throw error
      this.watchForRoom()
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
        this.watchForRoom()
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

  /** What /health says while the disk is full (undefined while it is not). */
  diskTrouble(): string | undefined {
    const full = this.disk.describe()
    if (!full) return undefined
    const deletes = this.unwritten.deletes
    const waiting = deletes ? `; ${deletes} delivered events wait to be removed from the queue file once there is` : ''
    return `${full}: new events are refused (503) until there is room; queued events are still delivered${waiting}. Free space on that disk`
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.commit()
    this.closed = true
    this.stopWatching()
    if (this.unwritten.size) this.writeUnwritten()
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

  /** While the disk is full: tries every second to write what waits, and to learn that there is room. */
  private watchForRoom() {
    if (this.roomCheck || this.closed) return
    this.roomCheck = setInterval(() => this.writeUnwritten(), ROOM_CHECK_MS)
    this.roomCheck.unref()
  }

  private stopWatching() {
    clearInterval(this.roomCheck)
    this.roomCheck = undefined
  }

  /** Writes what waits (with a probe row, so that an empty wait still learns of room). */
  private writeUnwritten() {
    try {
      transaction(this.db, () => {
        this.unwritten.write(this.writes)
        this.probe.run(Date.now())
      })
    } catch (error) {
      if (!this.disk.failed(error, 'new events are refused (503); queued events are still delivered')) {
        this.log.error('queue update failed', { reason: describeError(error) })
      }
      return
    }
    this.wrote()
  }

  /** A write went through: what waited in memory is in the file now, and the disk has room. */
  private wrote() {
    const kept = this.unwritten.size
    const deleted = this.unwritten.deletes
    this.unwritten.clear()
    this.stopWatching()
    this.disk.wrote(
      kept ? `${kept} queue writes that waited were written (${deleted} delivered rows removed)` : undefined
    )
  }
}
