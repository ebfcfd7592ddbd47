/**
 * Redis out of memory as a state (storage/redis/memory.ts), against a fake client: said once when it
 * starts and once when it ends, refused meanwhile, and ended only once Redis uses less than 90% of
 * maxmemory and takes a write. No Redis, no timers (check() is what the timer runs). With a real
 * redis-server: redis-full.test.ts.
 */
import type Redis from 'ioredis'
import { createLog } from '../../src/runtime/ops/log'
import { checkPersistence } from '../../src/runtime/storage/redis/connection'
import { isOutOfMemory, RedisMemory } from '../../src/runtime/storage/redis/memory'
import { StoreFullError } from '../../src/runtime/storage/store'

const OOM = new Error("OOM command not allowed when used memory > 'maxmemory'.")
const MB = 1024 * 1024

function fakeRedis() {
  const state = { used: 21 * MB, max: 20 * MB, notCounted: 0, writes: 0, queued: 100, xlens: 0 }
  const client = {
    info: async () =>
      `# Memory\r\nused_memory:${state.used}\r\nused_memory_human:x\r\nmaxmemory:${state.max}\r\n` +
      `mem_not_counted_for_evict:${state.notCounted}\r\n`,
    // As Redis decides: what counts against maxmemory leaves out the replication and AOF buffers.
    set: async () => {
      if (state.used - state.notCounted > state.max) throw OOM
      state.writes++
      return 'OK'
    },
    xlen: async (key: string) => {
      state.xlens++
      return key === 'p:queue' ? state.queued : 0
    }
  }
  return { state, client: client as unknown as Redis }
}

/** A RedisMemory on the fake client (reading the queue's length when given its key), its log lines and how often it said Redis has room. */
function watched(client: Redis, queueKey?: string) {
  const logs: string[] = []
  const said = { rooms: 0 }
  const memory = new RedisMemory({
    client,
    probeKey: 'p:memory-probe',
    queueKey,
    log: createLog((line) => logs.push(line)),
    onRoom: async () => void said.rooms++
  })
  return { memory, logs, said }
}

describe('Redis out of memory', () => {
  it("is told from other errors by Redis's OOM refusal", () => {
    expect(isOutOfMemory(OOM)).toBe(true)
    // Redis 6.2: a script's refusal comes back inside its error.
    const inScript = new Error(
      "ERR Error running script (call to f_6c2f0c6f2ad0a1b1a3b6b6b8c94f4f1d2d0e2f4a): @user_script:12: -OOM command not allowed when used memory > 'maxmemory'."
    )
    expect(isOutOfMemory(inScript)).toBe(true)
    expect(isOutOfMemory(new Error('ERR Error running script: @user_script:3: WRONGTYPE Operation'))).toBe(false)
    expect(isOutOfMemory(new Error('BOOM command not allowed'))).toBe(false)
    expect(isOutOfMemory(new Error('Command timed out'))).toBe(false)
    expect(isOutOfMemory(new Error('NOGROUP No such key'))).toBe(false)
  })

  it('is said once, refuses with a 503 message naming Redis, and ends once Redis is under 90% of maxmemory', async () => {
    const { state, client } = fakeRedis()
    const { memory, logs, said } = watched(client)
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
    expect(said.rooms).toBe(1)
    expect(logs.filter((line) => line.includes('Redis has room again'))).toHaveLength(1)
    memory.stop()
  })

  it('ends once the queue has drained even when the rest of Redis (seen keys, dead letters) stays over 90%', async () => {
    const { state, client } = fakeRedis()
    const { memory, logs, said } = watched(client, 'p:queue')
    memory.failed(OOM, 'new events are refused (503)')
    expect(memory.reason()).toMatch(
      /^Redis is out of memory.* since \S+: new events are refused \(503\) and queued events are still delivered; new events are taken again once the queue has drained or Redis uses less than 90% of maxmemory\. /
    )
    // Delivery freed what it could: 19 MB left (the seen keys of a day), 30 events still queued.
    state.used = 19 * MB
    state.queued = 30
    await memory.check()
    expect(memory.full).toBe(true)
    expect(state.writes).toBe(0)
    // The queue is empty: nothing more will free room, so intake resumes (Redis takes the probe's write).
    state.queued = 0
    await memory.check()
    expect(memory.full).toBe(false)
    expect(memory.reason()).toBeUndefined()
    expect(state.writes).toBe(1)
    expect(said.rooms).toBe(1)
    expect(logs.filter((line) => line.includes('Redis has room again'))).toHaveLength(1)
    memory.stop()
  })

  it('stays on while the queue is empty but Redis still refuses the write', async () => {
    const { state, client } = fakeRedis()
    const { memory } = watched(client, 'p:queue')
    memory.failed(OOM, 'x')
    state.queued = 0
    await memory.check()
    expect(memory.full).toBe(true)
    expect(state.writes).toBe(0)
    memory.stop()
  })

  it('measures as Redis does: used_memory less mem_not_counted_for_evict (the AOF and replication buffers)', async () => {
    const { state, client } = fakeRedis()
    const info = async () => (client as unknown as { info: () => Promise<string> }).info()
    const memory = new RedisMemory({ client, probeKey: 'p:memory-probe', log: createLog(() => undefined) })
    // 21 MB used, of which 3 MB are buffers Redis does not count: 18 MB against 20 MB, room.
    state.notCounted = 3 * MB
    memory.observed(await info())
    expect(memory.full).toBe(false)

    // Full once (a refused write), it ends at 17 MB counted although used_memory says 21 MB.
    memory.failed(OOM, 'x')
    state.notCounted = 4 * MB
    await memory.check()
    expect(memory.full).toBe(false)
    expect(state.writes).toBe(1)
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

describe("Redis's maxmemory-policy at start", () => {
  const warningsFor = async (policy: string) => {
    const logs: string[] = []
    const config = ['appendonly', 'yes', 'appendfsync', 'everysec', 'maxmemory-policy', policy]
    const client = { call: async () => config } as unknown as Redis
    const shown = await checkPersistence(
      client,
      createLog((line) => logs.push(line)),
      'redis://127.0.0.1:6379'
    )
    expect(shown).toBe(`appendonly=yes appendfsync=everysec maxmemory-policy=${policy}`)
    return logs.filter((line) => line.includes(' warn '))
  }

  it('warns for a policy that may evict the queue, not for noeviction nor volatile-* (they evict only keys with a TTL)', async () => {
    expect(await warningsFor('noeviction')).toEqual([])
    expect(await warningsFor('volatile-ttl')).toEqual([])
    expect(await warningsFor('volatile-lru')).toEqual([])
    for (const policy of ['allkeys-lru', 'allkeys-random']) {
      const [warning, ...more] = await warningsFor(policy)
      expect(more).toEqual([])
      expect(warning).toMatch(
        /Redis may evict keys .*queued events can vanish; set maxmemory-policy noeviction or volatile-ttl/
      )
      expect(warning).toContain(`maxmemory_policy=${policy}`)
    }
  })
})
