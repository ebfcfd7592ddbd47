/**
 * `tiktok-conversions salvage FILE [--out OUT]`: reads back the deliveries a damaged queue file (and its
 * WAL, `FILE-wal`) still holds, without SQLite (storage/sqlite/recover.ts), into a dead-letter file that
 * `tiktok-conversions replay OUT` sends through the runtime: one record per delivery, the Segment event
 * as it was accepted. It says how many it read, and how much it could not (those events are lost). FILE
 * is only read; a receipt `FILE.salvaged` is written beside it, which tells the runtime the damaged file
 * was taken care of (/health is no longer degraded for it).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { recordLine } from '../storage/dead-letter-file'
import type { DeadLetterRecord } from '../storage/dead-letters'
import { salvagedReceipt } from '../storage/sqlite/damaged'
import { recoverDeliveries } from '../storage/sqlite/recover'
import type { Row } from '../storage/sqlite/schema'

export class SalvageError extends Error {}

export interface SalvageResult {
  /** Where the dead-letter records went. */
  out: string
  /** Deliveries read (one record each). */
  recovered: number
  /** Of them, read from the WAL. */
  fromWal: number
  /** Rows whose bytes were damaged, and pages that read as nothing: what they held is lost. */
  unreadableRows: number
  unreadablePages: number
  /** What the reader should know of the result (a freelist or a schema it could not read). */
  notes: string[]
}

/** The dead-letter record of a salvaged row. */
function recordOf(row: Row, file: string, at: string): DeadLetterRecord {
  const why = [
    `salvaged from the damaged queue file ${file}: accepted ${new Date(row.received_at).toISOString()}, not known delivered`,
    row.sent_at !== null
      ? 'a batch carrying it was out to TikTok when the file was last written (it may have arrived)'
      : '',
    row.dry_run === 1 ? 'accepted in dry-run' : '',
    row.last_error ? `last error: ${row.last_error}` : ''
  ]
  return {
    at,
    mapping: row.subscription,
    status: 0,
    reason: why.filter(Boolean).join('; '),
    attempts: row.attempts,
    event: row.event
  }
}

export function salvage(file: string, out = `${file}.dead-letter.jsonl`): SalvageResult {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (error) {
    throw new SalvageError(`cannot read ${file}: ${(error as Error).message}`)
  }
  if (existsSync(out)) throw new SalvageError(`${out} exists already: replay it, move it away, or name another --out`)
  const wal = existsSync(`${file}-wal`) ? readFileSync(`${file}-wal`) : undefined
  const found = recoverDeliveries(bytes, wal)
  const at = new Date().toISOString()
  const lines = found.rows.map((row) => recordLine(recordOf(row, file, at)))
  // Events with their PII: private, and never over a file that is there.
  writeFileSync(out, lines.length ? lines.join('\n') + '\n' : '', { mode: 0o600, flag: 'wx' })
  const notes: string[] = []
  if (!found.schemaRead) notes.push("the file's schema could not be read: rows were read with the current columns")
  if (!found.freelistRead) {
    notes.push(
      'the list of free pages could not be read: rows delivered long ago may be among those read (TikTok keeps one per event_id within 48 h)'
    )
  }
  const result: SalvageResult = {
    out,
    recovered: found.rows.length,
    fromWal: found.fromWal,
    unreadableRows: found.unreadableRows,
    unreadablePages: found.unreadablePages,
    notes
  }
  writeFileSync(salvagedReceipt(file), JSON.stringify({ at, ...result }) + '\n', { mode: 0o600 })
  return result
}
