/**
 * Redis out of memory as a state (storage/redis/memory.ts), against a fake client: said once when it
 * starts and once when it ends, refused meanwhile, and ended only once Redis uses less than 90% of
 * maxmemory and takes a write. No Redis, no timers (check() is what the timer runs). With a real
 * redis-server: redis-full.test.ts.
 */
import type Redis from 'ioredis'
import { createLog } from '../../src/runtime/ops/log'
import { isOutOfMemory, RedisMemory } from '../../src/runtime/storage/redis/memory'
import { StoreFullError } from '../../src/runtime/storage/store'

const OOM = new Error("OOM command not allowed when used memory > 'maxmemory'.")
const MB = 1024 * 1024

function fakeRedis() {
  const state = { used: 21 * MB, max: 20 * MB, writes: 0 }
  const client = {
    info: async () => `# Memory\r\nused_memory:${state.used}\r\nused_memory_human:x\r\nmaxmemory:${state.max}\r\n`,
    set: async () => {
      if (state.used > state.max) throw OOM
      state.writes++
      return 'OK'
    }
  }
  return { state, client: client as unknown as Redis }
}

describe('Redis out of memory', () => {
  it("is told from other errors by Redis's OOM refusal", () => {
    expect(isOutOfMemory(OOM)).toBe(true)
    expect(isOutOfMemory(new Error('Command timed out'))).toBe(false)
    expect(isOutOfMemory(new Error('NOGROUP No such key'))).toBe(false)
  })

  it('is said once, refuses with a 503 message naming Redis, and ends once Redis is under 90% of maxmemory', async () => {
    const { state, client } = fakeRedis()
    const logs: string[] = []
    let rooms = 0
    const memory = new RedisMemory({
      client,
      probeKey: 'p:memory-probe',
      log: createLog((line) => logs.push(line)),
      onRoom: async () => void rooms++
    })
    expect(memory.failed(new Error('Command timed out'), 'x')).toBe(false)
    expect(memory.full).toBe(false)

    expect(memory.failed(OOM, 'new events are refused (503)')).toBe(true)
    expect(memory.failed(OOM, 'new events are refused (503)')).toBe(true)
    await memory.check()
    expect(memory.full).toBe(true)
    expect(logs.filter((line) => line.includes('Redis out of memory'))).toHaveLength(1)
    expect(logs.join('\n')).toMatch(
      / error Redis out of memory used="21 MB" maxmemory="20 MB" meanwhile="new events are refused \(503\)"/
    )
    expect(memory.describe()).toMatch(/^Redis is out of memory \(used 21 MB of maxmemory 20 MB\) since \S+$/)
    const refusal = memory.refusal()
    expect(refusal).toBeInstanceOf(StoreFullError)
    expect(refusal.refusal).toBe('The shared queue (Redis) is out of memory: it cannot store the events; retry later.')

    // Under maxmemory but not by 10%: still refused, no write tried.
    state.used = 19 * MB
    await memory.check()
    expect(memory.full).toBe(true)
    expect(state.writes).toBe(0)

    state.used = 15 * MB
    await memory.check()
    expect(memory.full).toBe(false)
    expect(memory.describe()).toBeUndefined()
    expect(state.writes).toBe(1)
    expect(rooms).toBe(1)
    expect(logs.filter((line) => line.includes('Redis has room again'))).toHaveLength(1)
    memory.stop()
  })

  it('is on, said once, for a runtime that wrote nothing once the measure shows Redis over maxmemory', async () => {
    const { state, client } = fakeRedis()
    const logs: string[] = []
    const memory = new RedisMemory({ client, probeKey: 'p:memory-probe', log: createLog((line) => logs.push(line)) })
    const info = async () => (client as unknown as { info: () => Promise<string> }).info()
    state.used = 19 * MB
    memory.observed(await info())
    expect(memory.full).toBe(false)
    state.used = 21 * MB
    memory.observed(await info())
    memory.observed(await info())
    expect(memory.full).toBe(true)
    expect(logs.filter((line) => line.includes('Redis out of memory'))).toHaveLength(1)
    expect(logs[0]).toMatch(/reason="used_memory is over maxmemory"/)
    // No limit (maxmemory 0): never full.
    const unlimited = new RedisMemory({ client, probeKey: 'p:memory-probe', log: createLog(() => undefined) })
    state.max = 0
    unlimited.observed(await info())
    expect(unlimited.full).toBe(false)
    memory.stop()
  })
})
