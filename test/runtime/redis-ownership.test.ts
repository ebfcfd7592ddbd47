/**
 * What a runtime holds of the shared Redis queue (storage/redis/ownership.ts), against a fake of the
 * group's pending entries and a fake clock: no Redis, no timers. The same promises with a real Redis
 * and real runtimes are in redis.test.ts and redis-process.test.ts.
 */
import { createLog } from '../../src/runtime/ops/log'
import type { Entry } from '../../src/runtime/storage/redis/entries'
import { Ownership } from '../../src/runtime/storage/redis/ownership'
import type { PendingEntries } from '../../src/runtime/storage/redis/pending-entries'

const CLAIM_IDLE_MS = 1_500

/**
 * The stream and its group as Redis keeps them, reduced to what ownership sees: each entry is new
 * (never read) or pending for one consumer since some time.
 */
class FakeGroup {
  now = 1_000_000
  readonly retry = new Map<string, string>()
  retryStatesFail = false
  /** Redis lost its data since the last beat (renew says so). */
  emptied = false
  private readonly entries = new Map<string, { consumer?: string; since: number }>()
  private next = 1

  /** Redis restarted without its data: nothing is pending, nothing is in the stream. */
  empty(): void {
    this.entries.clear()
    this.emptied = true
  }

  add(count: number): string[] {
    return Array.from({ length: count }, () => {
      const id = `${this.next++}-0`
      this.entries.set(id, { since: 0 })
      return id
    })
  }

  /** XREADGROUP … '>': new entries become pending for `consumer`. */
  readNew(consumer: string, count = Infinity): Entry[] {
    const read = [...this.entries].filter(([, entry]) => !entry.consumer).slice(0, count)
    for (const [, entry] of read) Object.assign(entry, { consumer, since: this.now })
    return read.map(([id]) => [id, ['s', 'Complete Payment', 'e', '{}', 'r', '1']])
  }

  consumerOf(id: string): string | undefined {
    return this.entries.get(id)?.consumer
  }

  /** `consumer`'s view, as pending-entries.ts gives it to ownership. */
  port(consumer: string): PendingEntries {
    const pendingFor = (name: string) => [...this.entries].filter(([, entry]) => entry.consumer === name)
    return {
      renew: async () => ({
        ids: pendingFor(consumer).map(([id, entry]) => {
          entry.since = this.now
          return id
        }),
        emptied: this.emptied
      }),
      handBack: async (ids) =>
        ids.filter((id) => {
          const entry = this.entries.get(id)
          if (entry?.consumer !== consumer) return false
          Object.assign(entry, { consumer: 'released', since: this.now - 100_000_000_000 })
          return true
        }),
      takeOver: async (_cursor, count) => {
        const idle = [...this.entries].filter(([, entry]) => entry.consumer && this.now - entry.since >= CLAIM_IDLE_MS)
        const taken = idle.slice(0, count)
        for (const [, entry] of taken) Object.assign(entry, { consumer, since: this.now })
        return { next: '0-0', entries: taken.map(([id]): Entry => [id, ['s', 'Complete Payment', 'e', '{}']]) }
      },
      retryStates: async (ids) => {
        if (this.retryStatesFail) throw new Error('Command timed out')
        return ids.map((id) => this.retry.get(id) ?? null)
      },
      removeIdleConsumers: async () => undefined,
      connected: () => true
    }
  }
}

/** A runtime's ownership on `group`, with its log lines and what it was told it no longer holds. */
function runtime(
  group: FakeGroup,
  consumer: string,
  { unacknowledged = new Set<string>(), port = (pending: PendingEntries) => pending, flushFails = false } = {}
) {
  const logs: string[] = []
  const dropped: string[] = []
  const emptied: number[] = []
  const ownership = new Ownership({
    pending: port(group.port(consumer)),
    unacknowledged: Object.assign(unacknowledged, {
      flush: async () => {
        if (flushFails) throw new Error("OOM command not allowed when used memory > 'maxmemory'.")
        unacknowledged.clear()
      }
    }),
    consumer,
    claimIdleMs: CLAIM_IDLE_MS,
    log: createLog((line) => logs.push(line)),
    onDropped: (ids) => dropped.push(...ids),
    onEmptied: (vanished) => emptied.push(vanished),
    now: () => group.now
  })
  return {
    ownership,
    logs,
    dropped,
    emptied,
    read: (count?: number) => ownership.receive(async () => group.readNew(consumer, count))
  }
}

/** A promise resolved from outside: an answer that has not come yet. */
function later<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((res) => (resolve = res))
  return { promise, resolve }
}

describe('what a runtime holds of the shared Redis queue', () => {
  it('stays its own while its heartbeat runs, however long TikTok takes: no other runtime takes it over', async () => {
    const group = new FakeGroup()
    const a = runtime(group, 'a')
    const b = runtime(group, 'b')
    const ids = group.add(20)
    await a.read()
    for (let beat = 0; beat < 10; beat++) {
      group.now += CLAIM_IDLE_MS / 3
      await a.ownership.beat()
      group.now += 1_000
      expect(await b.ownership.takeOver(100)).toEqual([])
    }
    expect(ids.map((id) => group.consumerOf(id))).toEqual(ids.map(() => 'a'))
    expect(a.ownership.size).toBe(20)
    expect(a.ownership.lost).toBe(0)
    expect(b.ownership.claimed).toBe(0)
  })

  it('is taken over with its retry state once it was idle for the claim time, and the runtime that stopped answering lets go of it', async () => {
    const group = new FakeGroup()
    const a = runtime(group, 'a')
    const b = runtime(group, 'b')
    const [first, second] = group.add(2)
    await a.read()
    group.retry.set(first, JSON.stringify({ attempts: 3, firstFailedAt: 5, nextAt: 7, lastError: 'HTTP 503' }))
    group.now += CLAIM_IDLE_MS
    const taken = await b.ownership.takeOver(100)
    expect(
      taken.map(({ id, attempts, firstFailedAt, nextAt, lastError }) => ({
        id,
        attempts,
        firstFailedAt,
        nextAt,
        lastError
      }))
    ).toEqual([
      { id: first, attempts: 3, firstFailedAt: 5, nextAt: 7, lastError: 'HTTP 503' },
      { id: second, attempts: 0, firstFailedAt: undefined, nextAt: 0, lastError: undefined }
    ])
    expect(b.ownership.claimed).toBe(2)
    expect(b.logs.join('\n')).toMatch(
      / info took over deliveries left by a runtime that stopped or stopped answering deliveries=2 consumer=b$/
    )

    await a.ownership.beat()
    expect(a.ownership.size).toBe(0)
    expect(a.ownership.lost).toBe(2)
    expect(a.dropped).toEqual([first, second])
    expect(a.logs.join('\n')).toMatch(
      / warn deliveries taken over by another runtime while this one did not answer: .* deliveries=2 consumer=a$/
    )
  })

  it('is not given twice to the runtime that holds it when its own heartbeat was late', async () => {
    const group = new FakeGroup()
    const a = runtime(group, 'a')
    group.add(3)
    await a.read()
    group.now += CLAIM_IDLE_MS * 2
    expect(await a.ownership.takeOver(100)).toEqual([])
    expect(a.ownership.size).toBe(3)
    expect(a.ownership.claimed).toBe(0)
  })

  it('taken over without its retry state (Redis did not answer) is not given, and the heartbeat hands it back for another read', async () => {
    const group = new FakeGroup()
    const a = runtime(group, 'a')
    const b = runtime(group, 'b')
    const c = runtime(group, 'c')
    const [id] = group.add(1)
    await a.read()
    group.now += CLAIM_IDLE_MS
    group.retryStatesFail = true
    expect(await b.ownership.takeOver(100)).toEqual([])
    expect(b.ownership.owns(id)).toBe(false)

    await b.ownership.beat()
    expect(group.consumerOf(id)).toBe('released')
    group.retryStatesFail = false
    expect((await c.ownership.takeOver(100)).map((delivery) => delivery.id)).toEqual([id])
  })

  it('goes to the next runtime that reads at once when its runtime stops, not after the claim time', async () => {
    const group = new FakeGroup()
    const a = runtime(group, 'a')
    const b = runtime(group, 'b')
    const ids = group.add(30)
    await a.read()
    await a.ownership.stop()
    await a.ownership.handBackAll()
    expect(a.logs.join('\n')).toMatch(/ info handed back what this runtime held to the shared queue deliveries=30$/)
    expect((await b.ownership.takeOver(100)).map((delivery) => delivery.id)).toEqual(ids)
  })

  it('is not handed back when a read and the heartbeat answer together: the runtime that sends it keeps it (no second sender)', async () => {
    const group = new FakeGroup()
    const a = runtime(group, 'a')
    const b = runtime(group, 'b')
    const ids = group.add(5)
    // Redis ran the read (the entries are pending for A); its answer reaches A's code after the heartbeat's.
    const answer = later<Entry[]>()
    const entries = group.readNew('a')
    const reading = a.ownership.receive(() => answer.promise)
    const beating = a.ownership.beat()
    await new Promise((resolve) => setImmediate(resolve))
    answer.resolve(entries)
    await reading
    await beating

    expect(ids.map((id) => group.consumerOf(id))).toEqual(ids.map(() => 'a'))
    expect(a.ownership.size).toBe(5)
    expect(a.logs.join('\n')).not.toContain('lost track')
    expect(await b.ownership.takeOver(100)).toEqual([])
  })

  it('is handed back when a read failed after Redis ran it, rather than stranded on a runtime that does not know it holds it', async () => {
    const group = new FakeGroup()
    const a = runtime(group, 'a')
    const b = runtime(group, 'b')
    const ids = group.add(4)
    group.readNew('a')
    await expect(a.ownership.receive(async () => Promise.reject(new Error('Command timed out')))).rejects.toThrow()
    await a.ownership.beat()
    expect(a.logs.join('\n')).toMatch(
      / warn handed back deliveries this runtime had read but lost track of deliveries=4$/
    )
    expect((await b.ownership.takeOver(100)).map((delivery) => delivery.id)).toEqual(ids)
  })

  it('removed while the heartbeat runs is neither handed back nor counted lost: it is acknowledged, not sent again', async () => {
    const group = new FakeGroup()
    const unacknowledged = new Set<string>()
    const [id] = group.add(1)
    // The delivery is removed (its acknowledgement on its way) while Redis answers the heartbeat.
    const a = runtime(group, 'a', {
      unacknowledged,
      port: (pending) => ({
        ...pending,
        renew: async () => {
          const mine = await pending.renew()
          a.ownership.drop([id])
          unacknowledged.add(id)
          return mine
        }
      })
    })
    await a.read()
    await a.ownership.beat()
    expect(group.consumerOf(id)).toBe('a')
    expect(a.ownership.lost).toBe(0)
    expect(a.logs).toEqual([])
  })

  it('removed but not acknowledged (Redis refused it) is never given again, and the hold on the rest is renewed meanwhile', async () => {
    const group = new FakeGroup()
    const unacknowledged = new Set<string>()
    const a = runtime(group, 'a', { unacknowledged, flushFails: true })
    const b = runtime(group, 'b')
    const [delivered, queued] = group.add(2)
    await a.read()
    // Delivered: removed, its acknowledgement refused (Redis over maxmemory) at each try.
    a.ownership.drop([delivered])
    unacknowledged.add(delivered)
    for (let beat = 0; beat < 6; beat++) {
      group.now += CLAIM_IDLE_MS / 3
      await a.ownership.beat()
      expect(await b.ownership.takeOver(100)).toEqual([])
    }
    expect([group.consumerOf(delivered), group.consumerOf(queued)]).toEqual(['a', 'a'])
    // Even idle past the claim time (no heartbeat), this runtime's own scan does not give it again.
    group.now += CLAIM_IDLE_MS * 2
    expect(await a.ownership.takeOver(100)).toEqual([])
    expect(a.ownership.owns(queued)).toBe(true)
    expect(unacknowledged.has(delivered)).toBe(true)
  })

  it('lost with Redis (restarted empty) is let go of without a word of another runtime, and what was read since is kept', async () => {
    const group = new FakeGroup()
    const a = runtime(group, 'a')
    await a.read()
    group.add(5)
    await a.read()
    group.empty()
    const [fresh] = group.add(1)
    await a.read()
    await a.ownership.beat()
    expect(a.emptied).toEqual([5])
    expect(a.dropped).toHaveLength(5)
    expect(a.ownership.lost).toBe(0)
    expect(a.ownership.owns(fresh)).toBe(true)
    expect(a.logs.join('\n')).not.toMatch(/taken over/)
  })
})
