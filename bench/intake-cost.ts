/**
 * What Segment's limits at intake cost (npm run bench, one row): parsing a /v1/batch body of 350
 * events (about 350 KB, as analytics-node sends them to the runtime) without the checks, as before,
 * and with them: the UTF-8 check of the body and the 32 KB measure of each event (MAX_EVENT_KB).
 * CPU time per event, the median of several runs in this process.
 */
import { parseTrackingRequest } from '../src/runtime/http/tracking-request'
import { orderCompleted } from './events'

export interface IntakeCost {
  events: number
  /** µs per event: the body decoded and parsed, nothing measured. */
  withoutChecksMicros: number
  /** µs per event: the same with the UTF-8 check and each event measured. */
  withChecksMicros: number
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

export function intakeCost(events = 350, runs = 41): IntakeCost {
  const body = Buffer.from(JSON.stringify({ batch: Array.from({ length: events }, (_, i) => orderCompleted(i)) }))
  const time = (parse: () => void) => {
    const samples: number[] = []
    for (let run = 0; run < runs; run++) {
      const start = process.cpuUsage()
      for (let k = 0; k < 10; k++) parse()
      const used = process.cpuUsage(start)
      samples.push((used.user + used.system) / (10 * events))
    }
    return median(samples)
  }
  const receivedAt = new Date().toISOString()
  // Alternated, so that neither gets the warmer process.
  const without: number[] = []
  const withChecks: number[] = []
  for (let round = 0; round < 3; round++) {
    without.push(time(() => parseTrackingRequest('batch', body.toString('utf8'), { receivedAt })))
    withChecks.push(time(() => parseTrackingRequest('batch', body, { receivedAt, maxEventBytes: 32 * 1024 })))
  }
  return { events, withoutChecksMicros: median(without), withChecksMicros: median(withChecks) }
}

if (require.main === module) console.log(JSON.stringify(intakeCost()))
