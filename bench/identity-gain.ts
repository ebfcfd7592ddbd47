/**
 * What identity memory gains, measured (npm run identity-gain): the session corpus (sessions.ts) sent
 * through the runtime (in this process, dry-run, its Tracking API over loopback), memory off then on,
 * and the share of the CompletePayment events TikTok would receive carrying an email, a phone and a
 * ttclid. Prints a table and `RESULT {json}`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, startRuntime } from '../src/runtime'
import { createLog } from '../src/runtime/ops/log'
import { DEFAULT_SHAPE, sessionCorpus } from './sessions'

export interface GainRow {
  memory: 'off' | 'on'
  purchases: number
  withEmail: number
  withPhone: number
  withTtclid: number
}

const BATCH = 100

async function run(memory: 'off' | 'on', events: object[]): Promise<GainRow> {
  const dataDir = mkdtempSync(join(tmpdir(), 'identity-gain-'))
  const bodies: { data: { event: string; user?: Record<string, unknown> }[] }[] = []
  const runtime = await startRuntime(
    loadConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      WORKERS: '0',
      FLUSH_INTERVAL_MS: '20',
      SQLITE_SYNCHRONOUS: 'NORMAL',
      IDENTITY_MEMORY: memory
    }),
    { log: createLog(() => undefined), printBody: (line) => bodies.push(JSON.parse(line)) }
  )
  try {
    for (let i = 0; i < events.length; i += BATCH) {
      const response = await fetch(`${runtime.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ batch: events.slice(i, i + BATCH) })
      })
      if (response.status !== 200) throw new Error(`the runtime answered ${response.status}`)
    }
    const { counts } = runtime.pipeline
    while (counts.delivered + counts.deadLettered < counts.queued) await new Promise((r) => setTimeout(r, 20))
    if (counts.deadLettered) throw new Error(`${counts.deadLettered} events dead-lettered: the numbers are not valid`)
  } finally {
    await runtime.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  const purchases = bodies.flatMap((body) => body.data).filter((event) => event.event === 'CompletePayment')
  const has = (key: string) => purchases.filter((event) => event.user?.[key] !== undefined).length
  return {
    memory,
    purchases: purchases.length,
    withEmail: has('email'),
    withPhone: has('phone'),
    withTtclid: has('ttclid')
  }
}

const share = (count: number, total: number) => `${((100 * count) / total).toFixed(1)}%`

async function main() {
  const events = sessionCorpus()
  const rows = [await run('off', events), await run('on', events)]
  const { people, clicked, identify, identifyFirst, serverSide } = DEFAULT_SHAPE
  console.log(
    `Corpus (sessions.ts): ${events.length} events of ${people} people, ${clicked * 100}% from an ad click, ` +
      `${identify * 100}% identify (${identifyFirst * 100}% of them before buying), ${serverSide * 100}% of purchases from a server with the email\n`
  )
  console.log('memory  CompletePayment  with email  with phone  with ttclid')
  for (const row of rows) {
    console.log(
      `${row.memory.padEnd(6)}  ${String(row.purchases).padStart(15)}  ${share(row.withEmail, row.purchases).padStart(10)}  ` +
        `${share(row.withPhone, row.purchases).padStart(10)}  ${share(row.withTtclid, row.purchases).padStart(11)}`
    )
  }
  console.log(`RESULT ${JSON.stringify(rows)}`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
