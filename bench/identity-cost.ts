/**
 * What identity memory costs per event (npm run bench, a few lines): the session corpus (sessions.ts)
 * through the step the pipeline runs before routing, in this process: memory off (only the bounded
 * "would have had" count), and on with SQLite in a temporary DATA_DIR (a lookup that follows the
 * links, and a write when the event teaches something). CPU µs per event, the median of several runs;
 * their ratio. Redis adds a round trip per lookup and per write, not measured here.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { IdentityMemory } from '../src/runtime/identity/memory'
import { SqliteIdentityStore } from '../src/runtime/identity/sqlite-store'
import { createLog } from '../src/runtime/ops/log'
import { sessionCorpus } from './sessions'

export interface IdentityCost {
  events: number
  /** µs of CPU per event, memory off (KeysSeen only). */
  offMicros: number
  /** µs of CPU per event, memory on (SQLite). */
  onMicros: number
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

export async function identityCost(runs = 5): Promise<IdentityCost> {
  const events = sessionCorpus()
  const log = createLog(() => undefined)
  const time = async (memory: () => IdentityMemory) => {
    const samples: number[] = []
    for (let run = 0; run <= runs; run++) {
      const fresh = memory()
      const start = process.cpuUsage()
      for (let i = 0; i < events.length; i += 100) await fresh.prepare(events.slice(i, i + 100), () => true)
      const used = process.cpuUsage(start)
      await fresh.close()
      if (run > 0) samples.push((used.user + used.system) / events.length)
    }
    return median(samples)
  }
  const dirs: string[] = []
  const sqlite = () => {
    const dir = mkdtempSync(join(tmpdir(), 'identity-cost-'))
    dirs.push(dir)
    return new IdentityMemory(new SqliteIdentityStore(dir), 28, log)
  }
  try {
    const offMicros = await time(() => new IdentityMemory(undefined, 28, log))
    const onMicros = await time(sqlite)
    return { events: events.length, offMicros, onMicros }
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
}

if (require.main === module) void identityCost().then((cost) => console.log(JSON.stringify(cost)))
