/**
 * Dead letters on a full Redis (storage/redis/dead-letter-stream.ts with memory.ts), against fakes: a
 * write Redis refuses for memory turns the full state on and is said once, as that state, not as an
 * error line per request or batch; while the state is on, records are refused without asking Redis.
 * Other failures are logged as before. With a real redis-server: redis-full.test.ts.
 */
import type Redis from 'ioredis'
import { createLog } from '../../src/runtime/ops/log'
import type { DeadLetterRecord } from '../../src/runtime/storage/dead-letters'
import { RedisDeadLetter } from '../../src/runtime/storage/redis/dead-letter-stream'
import { RedisMemory } from '../../src/runtime/storage/redis/memory'

const MB = 1024 * 1024
const OOM = new Error("OOM command not allowed when used memory > 'maxmemory'.")
const record: DeadLetterRecord = {
  at: '2026-12-07T00:00:00.000Z',
  mapping: 'm',
  status: 400,
  reason: 'bad',
  attempts: 1,
  event: '{}'
}

function fakeRedis() {
  const state = { failure: OOM as Error | undefined, execs: 0, added: 0 }
  const client = {
    info: async () => `used_memory:${21 * MB}\r\nmaxmemory:${20 * MB}\r\n`,
    multi: () => {
      let queued = 0
      const multi = {
        xadd: () => (queued++, multi),
        exec: async () => {
          state.execs++
          if (state.failure) return [[state.failure, null]]
          state.added += queued
          return Array.from({ length: queued }, () => [null, '1-0'])
        }
      }
      return multi
    }
  }
  return { state, client: client as unknown as Redis }
}

const flush = () => new Promise((resolve) => setImmediate(resolve))

describe('dead letters on a full Redis', () => {
  it('are refused as the full state, said once, and not sent to Redis while it lasts', async () => {
    const { state, client } = fakeRedis()
    const logs: string[] = []
    const log = createLog((line) => logs.push(line))
    const memory = new RedisMemory({ client, probeKey: 'p:memory-probe', log })
    const sink = new RedisDeadLetter(client, 'p:dead-letter', log, memory)

    expect(await sink.append([record])).toBe(false)
    await flush()
    expect(memory.full).toBe(true)
    for (let i = 0; i < 5; i++) expect(await sink.append([record, record])).toBe(false)
    await flush()
    // Redis was asked once; the rest were refused here.
    expect(state.execs).toBe(1)
    expect(logs.filter((line) => line.includes('Redis out of memory'))).toHaveLength(1)
    expect(logs.filter((line) => line.includes('dead-letter write failed'))).toEqual([])
    memory.stop()
  })

  it('logs other failures as before, and writes once Redis takes them', async () => {
    const { state, client } = fakeRedis()
    const logs: string[] = []
    const log = createLog((line) => logs.push(line))
    const memory = new RedisMemory({ client, probeKey: 'p:memory-probe', log })
    const sink = new RedisDeadLetter(client, 'p:dead-letter', log, memory)
    state.failure = new Error('Command timed out')
    expect(await sink.append([record])).toBe(false)
    expect(memory.full).toBe(false)
    expect(logs.filter((line) => line.includes('dead-letter write failed: the events stay queued'))).toHaveLength(1)
    state.failure = undefined
    expect(await sink.append([record, record])).toBe(true)
    expect(state.added).toBe(2)
    memory.stop()
  })
})
