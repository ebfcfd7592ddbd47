/**
 * The runtime scenario's client, in its own process: @segment/analytics-node (a real Segment client)
 * sends N events to the local runtime, which delivers them to the stand-in. Prints `RESULT {json}` once
 * the stand-in has all N events:
 * `tsx bench/runtime-client.ts --runtime <url>[,<url>…] --standin <url> --events N`.
 * With several runtimes (behind no load balancer), one analytics-node client each, the events dealt in turn.
 */
import { Analytics } from '@segment/analytics-node'
import { orderCompletedEvents } from './events'

const arg = (name: string): string => {
  const at = process.argv.indexOf(`--${name}`)
  if (at < 0 || at + 1 >= process.argv.length) throw new Error(`runtime-client: --${name} is required`)
  return process.argv[at + 1]
}

export interface RuntimeClientResult {
  events: number
  /** From the first track call until the runtime had accepted every event (client flushed). */
  acceptedSeconds: number
  /** From the first track call until the stand-in had received every event. */
  wallSeconds: number
  clientCpuMicros: number
  delivered: number
}

async function delivered(standIn: string): Promise<number> {
  const response = await fetch(`${standIn}/standin/stats`)
  return ((await response.json()) as { events: number }).events
}

async function main() {
  const runtimes = arg('runtime').split(',')
  const standIn = arg('standin')
  const count = Number(arg('events'))
  const events = orderCompletedEvents(count)
  const clients = runtimes.map(
    // 350 events of about 1.2 KB as analytics-node sends them: within the Tracking API's 500 KB per
    // batch (analytics-node's own size estimate counts something else, and would let 500 through).
    (host) => new Analytics({ writeKey: 'bench', host, flushAt: 350, flushInterval: 100, maxRetries: 10 })
  )
  let failed = 0
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  for (let i = 0; i < count; i++) {
    const { userId, anonymousId, event, properties, context, timestamp, messageId } = events[i]
    clients[i % clients.length].track(
      {
        userId: userId as string,
        anonymousId: anonymousId as string,
        event: event as string,
        properties,
        context,
        timestamp,
        messageId
      },
      (error) => error && failed++
    )
    if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve))
  }
  await Promise.all(clients.map((analytics) => analytics.closeAndFlush({ timeout: 300_000 })))
  const acceptedSeconds = (performance.now() - start) / 1000
  const deadline = Date.now() + 120_000
  let seen = await delivered(standIn)
  while (seen < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    seen = await delivered(standIn)
  }
  const wallSeconds = (performance.now() - start) / 1000
  const cpu = process.cpuUsage(cpuBefore)
  if (failed) console.log(`analytics-node reported ${failed} events it could not deliver to the runtime`)
  const result: RuntimeClientResult = {
    events: count,
    acceptedSeconds,
    wallSeconds,
    clientCpuMicros: cpu.user + cpu.system,
    delivered: seen
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
