/**
 * The embedded queue (SQLite in DATA_DIR): what read() gives, and gives once, across a restart.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '../../src/runtime/storage/sqlite/store'
import type { NewDelivery } from '../../src/runtime/storage/store'

const delivery = (i: number): NewDelivery => ({
  subscription: 'Complete Payment',
  batchKey: '',
  event: JSON.stringify({ messageId: `msg-${i}` }),
  receivedAt: 1_000 + i,
  dryRun: false
})
const ids = (rows: { event: string }[]) => rows.map((row) => JSON.parse(row.event).messageId).sort()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('the SQLite queue', () => {
  it('gives each delivery once, a retry again once due, and keeps attempts across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tiktok-queue-'))
    const first = new SqliteStore({ dataDir, synchronous: 'NORMAL' })
    await first.append([1, 2, 3, 4].map(delivery))
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
    const dataDir = mkdtempSync(join(tmpdir(), 'tiktok-queue-'))
    const first = new SqliteStore({ dataDir, synchronous: 'NORMAL' })
    await first.append(Array.from({ length: 10 }, (_, i) => delivery(i)))
    const waiting = await first.read(8)
    await first.reschedule(waiting.map((row) => ({ ...row, attempts: 1, nextAt: Date.now() + 60_000 })))
    await first.close()
    const second = new SqliteStore({ dataDir, synchronous: 'NORMAL' })
    expect(ids(await second.read(2))).toEqual(['msg-8', 'msg-9'])
    await second.close()
  })
})
