/**
 * The embedded queue (SQLite in DATA_DIR): what read() gives, and gives once, across a restart; the
 * messageIds it keeps out within the window; the order after a crash mid-send; a full disk, for real.
 */
import Database from 'libsql'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '../../src/runtime/storage/sqlite/store'
import type { NewDelivery } from '../../src/runtime/storage/store'
import { FakeLog } from './delivery/fakes'
import { describeWithTmpfs, mountTmpfs } from './tmpfs'

const delivery = (i: number, subscription = 'Complete Payment'): NewDelivery => ({
  subscription,
  batchKey: '',
  event: JSON.stringify({ messageId: `msg-${i}` }),
  receivedAt: 1_000 + i,
  dryRun: false,
  messageId: `msg-${i}`
})
const DAY = 86_400_000
const once = (now = Date.now()) => ({ now, dedupeWindowMs: DAY })
const ids = (rows: { event: string }[]) => rows.map((row) => JSON.parse(row.event).messageId).sort()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const newDir = () => mkdtempSync(join(tmpdir(), 'tiktok-queue-'))

describe('the SQLite queue', () => {
  it('gives each delivery once, a retry again once due, and keeps attempts across a restart', async () => {
    const dataDir = newDir()
    const first = new SqliteStore({ dataDir, synchronous: 'NORMAL' })
    await first.append(
      [1, 2, 3, 4].map((i) => delivery(i)),
      once()
    )
    const read = await first.read(10)
    expect(ids(read)).toEqual(['msg-1', 'msg-2', 'msg-3', 'msg-4'])
    expect(await first.read(10)).toEqual([]) // held: not given twice
    await first.remove(read.slice(0, 1))
    // Two wait a short while, one a long while; one stays held (in flight) when the runtime dies.
    const soon = Date.now() + 40
    await first.reschedule(read.slice(1, 3).map((row) => ({ ...row, attempts: 2, firstFailedAt: 900, nextAt: soon })))
    await first.reschedule([{ ...read[3], attempts: 1, firstFailedAt: 950, nextAt: Date.now() + 60_000 }])
    expect(await first.read(10)).toEqual([])
    await first.close()

    // A restart: what was held comes again at once; retries come when due, with their attempts, once.
    const second = new SqliteStore({ dataDir, synchronous: 'NORMAL' })
    expect((await second.stats()).depth).toBe(3)
    await sleep(60)
    const again = await second.read(10)
    expect(ids(again)).toEqual(['msg-2', 'msg-3'])
    expect(again.map(({ attempts, firstFailedAt, nextAt }) => ({ attempts, firstFailedAt, nextAt }))).toEqual([
      { attempts: 2, firstFailedAt: 900, nextAt: 0 },
      { attempts: 2, firstFailedAt: 900, nextAt: 0 }
    ])
    expect(await second.read(10)).toEqual([])
    // Settings saved: what waits is due now, given once.
    await second.expedite()
    expect(ids(await second.read(10))).toEqual(['msg-4'])
    expect(await second.read(10)).toEqual([])
    await second.close()
  })

  it('reads past a run of deliveries that are waiting, to fill what was asked', async () => {
    const dataDir = newDir()
    const first = new SqliteStore({ dataDir, synchronous: 'NORMAL' })
    await first.append(
      Array.from({ length: 10 }, (_, i) => delivery(i)),
      once()
    )
    const waiting = await first.read(8)
    await first.reschedule(waiting.map((row) => ({ ...row, attempts: 1, nextAt: Date.now() + 60_000 })))
    await first.close()
    const second = new SqliteStore({ dataDir, synchronous: 'NORMAL' })
    expect(ids(await second.read(2))).toEqual(['msg-8', 'msg-9'])
    await second.close()
  })
})

describe('deduplication on messageId', () => {
  it('stores a re-sent event once within the window, across a restart, and again once the window has passed', async () => {
    const dataDir = newDir()
    const store = new SqliteStore({ dataDir, synchronous: 'NORMAL' })
    const t = 1_700_000_000_000
    // One event for two subscriptions: both its deliveries are stored.
    const first = [delivery(1), delivery(1, 'Other'), delivery(2)]
    expect(await store.append(first, once(t))).toEqual({ duplicates: [] })
    // The retry of the request, with a new event: the new one only; the first body is kept.
    const retry = [{ ...delivery(1), event: '{"messageId":"msg-1","changed":true}' }, delivery(2), delivery(3)]
    expect(await store.append(retry, once(t + 1000))).toEqual({ duplicates: ['msg-1', 'msg-2'] })
    expect((await store.stats()).depth).toBe(4)
    await store.close()

    const again = new SqliteStore({ dataDir, synchronous: 'NORMAL' })
    expect(await again.append([delivery(3)], once(t + DAY - 1))).toEqual({ duplicates: ['msg-3'] })
    // Past the window (24 h after msg-1 and msg-2 were accepted), they are new events.
    expect(await again.append([delivery(1), delivery(2)], once(t + DAY))).toEqual({ duplicates: [] })
    const rows = await again.read(10)
    expect(rows.map((row) => [row.messageId, row.subscription])).toEqual([
      ['msg-1', 'Complete Payment'],
      ['msg-1', 'Other'],
      ['msg-2', 'Complete Payment'],
      ['msg-3', 'Complete Payment'],
      ['msg-1', 'Complete Payment'],
      ['msg-2', 'Complete Payment']
    ])
    expect(rows[0].event).toBe(JSON.stringify({ messageId: 'msg-1' }))
    await again.close()
  })

  it('with a window of 0, stores every event and records nothing', async () => {
    const dataDir = newDir()
    const store = new SqliteStore({ dataDir, synchronous: 'NORMAL' })
    const off = { now: Date.now(), dedupeWindowMs: 0 }
    await store.append([delivery(1)], off)
    expect(await store.append([delivery(1)], off)).toEqual({ duplicates: [] })
    expect((await store.stats()).depth).toBe(2)
    await store.close()
    expect(seenCount(dataDir)).toBe(0)
  })

  it('keeps the index bounded: messageIds older than the window are dropped as new ones come', async () => {
    const dataDir = newDir()
    const store = new SqliteStore({ dataDir, synchronous: 'NORMAL' })
    const t = 1_700_000_000_000
    await store.append(
      Array.from({ length: 500 }, (_, i) => delivery(i)),
      once(t)
    )
    await store.append([delivery(1000)], once(t + DAY / 2))
    await store.append([delivery(1001)], once(t + DAY + 1))
    await store.close()
    expect(seenCount(dataDir)).toBe(2)
  })
})

describe('a crash while batches are out', () => {
  it('gives the deliveries of a batch sent before the crash after the rest, once each', async () => {
    const dataDir = newDir()
    const log = new FakeLog()
    const first = new SqliteStore({ dataDir, synchronous: 'NORMAL', log })
    await first.append(
      Array.from({ length: 10 }, (_, i) => delivery(i)),
      once()
    )
    const read = await first.read(10)
    await first.sending(read.slice(0, 4)) // out to TikTok, no answer yet
    await first.sending(read.slice(4, 6))
    await first.reschedule(read.slice(4, 6).map((row) => ({ ...row, attempts: 1, nextAt: 1 }))) // answered: 503
    await first.close() // as kill -9 leaves it: nothing more written

    const second = new SqliteStore({ dataDir, synchronous: 'NORMAL', log })
    expect((await second.stats()).depth).toBe(10)
    const order = (await second.read(20)).map((row) => row.messageId)
    expect(order.slice(0, 6).sort()).toEqual(['msg-4', 'msg-5', 'msg-6', 'msg-7', 'msg-8', 'msg-9'])
    expect(order.slice(6)).toEqual(['msg-0', 'msg-1', 'msg-2', 'msg-3'])
    expect(log.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'resuming deliveries that were being sent when the runtime stopped',
        fields: expect.objectContaining({ events: 4 })
      })
    )
    await second.close()
  })
})

describe('a file that is not a queue', () => {
  it('is moved aside, and the store starts on a fresh one', () => {
    const dataDir = newDir()
    writeFileSync(
      join(dataDir, 'queue.db'),
      'this is not a database, and it is long enough to be read as one'.repeat(100)
    )
    const log = new FakeLog()
    const store = new SqliteStore({ dataDir, synchronous: 'NORMAL', log })
    expect(store.movedAside).toMatch(/queue\.db\.damaged-\d{4}-\d\d-\d\dT[\d-]+Z$/)
    expect(log.lines[0]).toMatchObject({
      level: 'error',
      message: 'queue file damaged: moved aside, starting on a fresh queue',
      fields: {
        file: store.movedAside,
        next_step: expect.stringContaining(`tiktok-conversions salvage ${store.movedAside}`)
      }
    })
    return store.close()
  })
})

describeWithTmpfs('the SQLite queue on a full disk', () => {
  it('refuses new events, still serves the queue, and writes what it could not as soon as there is room', async () => {
    const disk = mountTmpfs(2)
    const log = new FakeLog()
    const store = new SqliteStore({ dataDir: disk.dir, synchronous: 'NORMAL', log })
    const body = 'x'.repeat(1200)
    let accepted = 0
    let refusal: Error | undefined
    while (!refusal) {
      const batch = Array.from({ length: 20 }, (_, i) => ({ ...delivery(accepted + i), event: body }))
      await store.append(batch, once()).then(
        () => (accepted += batch.length),
        (error: Error) => (refusal = error)
      )
    }
    expect(refusal!.constructor.name).toBe('DiskFullError')
    expect(store.disk.full).toBe(true)
    expect(store.trouble()[0]).toMatch(new RegExp(`^the disk of ${disk.dir} is full \\(\\d+ (B|KB) free`))
    expect(log.lines.filter((line) => line.message === 'disk full')).toHaveLength(1)
    // The refused request left no messageId behind: its retry is taken once there is room.
    const refused = [delivery(accepted)]

    // Every queued delivery is still given, and "delivered" while nothing can be written.
    const rows = await store.read(100_000)
    expect(rows).toHaveLength(accepted)
    await store.remove(rows.slice(0, accepted - 5))
    await store.reschedule(rows.slice(-5).map((row) => ({ ...row, attempts: 1, nextAt: 1 })))
    expect((await store.stats()).depth).toBe(5) // the truth: what is not delivered
    const messageIds = (list: { messageId: string }[]) => list.map((row) => row.messageId).sort()
    const retries = await store.read(100) // given once due, with the attempts recorded in memory
    expect(messageIds(retries)).toEqual(messageIds(rows.slice(-5)))
    expect(retries.map((row) => row.attempts)).toEqual([1, 1, 1, 1, 1])
    await expect(store.append(refused, once())).rejects.toThrow(/the events were not stored/)

    disk.resize(16)
    await waitUntil(() => !store.disk.full)
    expect(log.lines.filter((line) => line.message === 'disk has room again')).toHaveLength(1)
    expect(await store.append(refused, once())).toEqual({ duplicates: [] })
    expect((await store.stats()).depth).toBe(6)
    await store.close()
    // The deletes were written: a restart gives only what was not delivered.
    const again = new SqliteStore({ dataDir: disk.dir, synchronous: 'NORMAL' })
    expect((await again.read(100_000)).length).toBe(6)
    await again.close()
  })
})

/** How many messageIds the queue file's index holds. */
function seenCount(dataDir: string): number {
  const db = new Database(join(dataDir, 'queue.db'))
  try {
    return (db.prepare('SELECT count(*) AS n FROM seen').get() as { n: number }).n
  } finally {
    db.close()
  }
}

async function waitUntil(condition: () => boolean, timeoutMs = 10_000) {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting')
    await sleep(20)
  }
}
