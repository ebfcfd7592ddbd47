/**
 * `tiktok-conversions salvage`'s reading of a queue file without SQLite: what the WAL holds (a crash
 * before a checkpoint, the file's own header damaged), never a delivered row, and what it could not read.
 */
import { copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, closeSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '../../src/runtime/storage/sqlite/store'
import type { NewDelivery } from '../../src/runtime/storage/store'
import { salvage } from '../../src/runtime/tools/salvage'

const delivery = (i: number): NewDelivery => ({
  subscription: i % 2 ? 'Complete Payment' : 'Add To Cart',
  batchKey: '',
  event: JSON.stringify({ messageId: `msg-${i}`, properties: { note: 'n'.repeat(1200) } }),
  receivedAt: 1_700_000_000_000 + i,
  dryRun: false,
  messageId: `msg-${i}`
})
const once = { now: Date.now(), dedupeWindowMs: 86_400_000 }
const newDir = () => mkdtempSync(join(tmpdir(), 'tiktok-salvage-'))
const records = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))

/** Overwrites `bytes` bytes of `file` at `at` with zeros. */
function damage(file: string, at: number, bytes: number) {
  const fd = openSync(file, 'r+')
  writeSync(fd, Buffer.alloc(bytes), 0, bytes, at)
  closeSync(fd)
}

describe('salvage', () => {
  it('reads what only the WAL holds (a crash before any checkpoint), the file header damaged', async () => {
    const dataDir = newDir()
    const store = new SqliteStore({ dataDir, synchronous: 'NORMAL' })
    await store.append(
      Array.from({ length: 300 }, (_, i) => delivery(i)),
      once
    )
    // The files as kill -9 leaves them: the rows are in the WAL only.
    const copy = join(dataDir, 'copy.db')
    copyFileSync(join(dataDir, 'queue.db'), copy)
    copyFileSync(join(dataDir, 'queue.db-wal'), `${copy}-wal`)
    await store.close()
    damage(copy, 0, 100)

    const result = salvage(copy)
    expect(result).toMatchObject({ recovered: 300, fromWal: 300, unreadableRows: 0, unreadablePages: 0 })
    const read = records(result.out)
    expect(read.map((record) => record.event.messageId)).toEqual(Array.from({ length: 300 }, (_, i) => `msg-${i}`))
    expect(read[1]).toMatchObject({
      mapping: 'Complete Payment',
      status: 0,
      attempts: 0,
      reason: expect.stringMatching(
        /^salvaged from the damaged queue file .*copy\.db: accepted 2023-11-14T22:13:20\.001Z/
      )
    })
    expect(existsSync(`${copy}.salvaged`)).toBe(true)
    expect(() => salvage(copy)).toThrow(/copy\.db\.dead-letter\.jsonl exists already/)
  })

  it('never brings back a delivered row, and counts the pages it could not read', async () => {
    const dataDir = newDir()
    const store = new SqliteStore({ dataDir, synchronous: 'NORMAL' })
    await store.append(
      Array.from({ length: 600 }, (_, i) => delivery(i)),
      once
    )
    const read = await store.read(600)
    await store.remove(read.slice(100, 400)) // delivered: their pages go to the free list
    await store.close() // checkpointed: all in queue.db
    const file = join(dataDir, 'queue.db')
    const whole = salvage(file, join(dataDir, 'whole.jsonl'))
    expect(whole).toMatchObject({ recovered: 300, unreadableRows: 0, unreadablePages: 0, notes: [] })
    const ids = records(whole.out).map((record) => record.event.messageId)
    expect(ids).toEqual([...read.slice(0, 100), ...read.slice(400)].map((row) => row.messageId))

    damage(file, 40 * 4096, 8 * 4096)
    const damaged = salvage(file, join(dataDir, 'damaged.jsonl'))
    expect(damaged.unreadablePages).toBeGreaterThan(0)
    expect(damaged.recovered).toBeLessThan(300)
    expect(damaged.recovered).toBeGreaterThanOrEqual(300 - 8 * 3)
    expect(records(damaged.out).every((record) => ids.includes(record.event.messageId))).toBe(true)
  })
})
