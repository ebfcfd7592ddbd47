/**
 * A damaged queue file never keeps the runtime down: when `queue.db` cannot be opened or fails SQLite's
 * quick check, it is moved aside with its WAL as `queue.db.damaged-<time>` (and `…-wal`, the name SQLite
 * gives a file's WAL), and the runtime starts on a fresh queue. The events it still holds are read back by
 * `tiktok-conversions salvage FILE`, which writes a receipt `FILE.salvaged` beside it. Until the damaged
 * file is salvaged or removed from DATA_DIR, /health is degraded and says so.
 */
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/** The queue file could not be opened, or SQLite's quick check found it damaged. */
export class DamagedQueueError extends Error {}

/** Whether an error says the file is damaged, or is not a database at all. */
export function isDamaged(error: unknown): boolean {
  if (error instanceof DamagedQueueError) return true
  const code = (error as { code?: unknown } | undefined)?.code
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return true
  return error instanceof Error && /malformed|file is not a database|file is encrypted/i.test(error.message)
}

/** The receipt salvage writes beside a damaged file: it is acknowledged. */
export const salvagedReceipt = (file: string) => `${file}.salvaged`

/** `queue.db.damaged-2026-12-07T00-10-00-000Z`, and its WAL with `-wal`. */
const DAMAGED = /^(.+)\.damaged-[0-9TZ-]+$/

/** Moves `path` and its WAL aside (the shared-memory index is dropped: SQLite rebuilds it); returns the new path. */
export function moveAside(path: string, now = new Date()): string {
  const aside = `${path}.damaged-${now.toISOString().replace(/[:.]/g, '-')}`
  renameSync(path, aside)
  if (existsSync(`${path}-wal`)) renameSync(`${path}-wal`, `${aside}-wal`)
  rmSync(`${path}-shm`, { force: true })
  return aside
}

/** The damaged copies of `path` in its folder that were neither salvaged nor removed, oldest first. */
export function unacknowledged(path: string): string[] {
  const dir = dirname(path)
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return []
  }
  return names
    .filter((name) => DAMAGED.exec(name)?.[1] === basename(path))
    .filter((name) => !names.includes(basename(salvagedReceipt(name))))
    .sort()
    .map((name) => join(dir, name))
}

/** What /health says of a damaged file moved aside. */
export const damagedReason = (file: string) =>
  `the queue file was damaged and moved aside to ${file}; the runtime runs on a fresh queue. Read back the events it still holds with \`tiktok-conversions salvage ${file}\`, then replay the file salvage writes. This stays until the file is salvaged or removed from DATA_DIR`
