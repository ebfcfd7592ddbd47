/**
 * What a start does with the queue file before the store uses it: open it and check it (SQLite's quick
 * check), moving a damaged one aside for a fresh one (damaged.ts); and put the deliveries a batch carried
 * when the runtime stopped without TikTok's answer (kill -9) after the rest of the queue.
 */
import Database from 'libsql'
import type { Synchronous } from '../../ops/config'
import { describeError, type Log } from '../../ops/log'
import { privateFile } from '../private-files'
import { DamagedQueueError, isDamaged, moveAside } from './damaged'
import { createSchema, transaction } from './schema'

/** The queue file open and checked; `movedAside` names where a damaged one went. */
export function openQueueFile(
  path: string,
  synchronous: Synchronous,
  log: Log
): { db: Database.Database; movedAside?: string } {
  try {
    return { db: openChecked(path, synchronous) }
  } catch (error) {
    if (!isDamaged(error)) throw error
    const movedAside = moveAside(path)
    log.error('queue file damaged: moved aside, starting on a fresh queue', {
      file: movedAside,
      reason: describeError(error),
      next_step: `tiktok-conversions salvage ${movedAside} (reads back what it still holds, for replay)`
    })
    privateFile(path)
    return { db: openChecked(path, synchronous), movedAside }
  }
}

/** Opens the queue file and checks it; throws DamagedQueueError (or SQLite's own error) when it is damaged. */
function openChecked(path: string, synchronous: Synchronous): Database.Database {
  const db = new Database(path)
  try {
    db.pragma('busy_timeout = 5000')
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${synchronous}`)
    // A delivered event leaves nothing behind: its row's bytes are overwritten with zeros, not left in a free page.
    db.pragma('secure_delete = ON')
    const check = (db.pragma('quick_check') as { quick_check: string }[]).map((row) => row.quick_check).join('\n')
    if (check !== 'ok') {
      const found = check.split('\n').filter((line) => line && !line.startsWith('***'))
      throw new DamagedQueueError(`database disk image is malformed (${found.slice(0, 2).join('; ')}…)`)
    }
    createSchema(db)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

/**
 * Rows a batch carried when the runtime stopped without its answer may have reached TikTok: they go
 * after the rest of the queue (copied to its end, in their order), and the log says how many.
 */
export function sentLast(db: Database.Database, count: number, log: Log): void {
  const columns =
    'subscription, batch_key, event, received_at, attempts, first_failed_at, next_at, last_error, dry_run, message_id, sent_at'
  try {
    transaction(db, () => {
      const { last } = db.prepare('SELECT max(id) AS last FROM deliveries').get() as { last: number }
      db.prepare(
        `INSERT INTO deliveries (${columns}) SELECT ${columns} FROM deliveries WHERE sent_at IS NOT NULL AND id <= ? ORDER BY id`
      ).run(last)
      db.prepare('DELETE FROM deliveries WHERE sent_at IS NOT NULL AND id <= ?').run(last)
    })
  } catch (error) {
    log.warn('could not move the deliveries that may have reached TikTok to the end of the queue', {
      events: count,
      reason: describeError(error)
    })
    return
  }
  log.warn('resuming deliveries that were being sent when the runtime stopped', {
    events: count,
    order: 'after the rest of the queue',
    why: 'TikTok may have received them; it keeps one per event_id within 48 h'
  })
}
