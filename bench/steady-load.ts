/**
 * Steady traffic for `npm run faults` (bench/faults.ts): a runtime fed a fixed number of events a second
 * for a while, its resident memory (RSS) sampled meanwhile, and TikTok's side counted per event_id so
 * that a duplicate shows. Linux only for RSS (it reads /proc/<pid>/status).
 */
import { readFileSync } from 'node:fs'
import { startTikTokStandIn, type StandIn } from '../src/runtime/tools/standin'
import { orderCompleted } from './events'

/** A process's resident memory in MB, or NaN when it cannot be read (not Linux, or the process is gone). */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1]) / 1024
  } catch {
    return NaN
  }
}

/** A stand-in that counts, per event_id, the times it took an event. */
export async function countingTikTok(): Promise<{ standIn: StandIn; received: Map<string, number> }> {
  const received = new Map<string, number>()
  const standIn = await startTikTokStandIn({
    keepBodies: false,
    onRequest: ({ body }) => {
      for (const { event_id } of body.data) received.set(event_id!, (received.get(event_id!) ?? 0) + 1)
    }
  })
  return { standIn, received }
}

export interface Sample {
  /** Seconds since the traffic started. */
  at: number
  rssMb: number
  delivered: number
}

export interface SteadyResult {
  /** messageIds the Tracking API answered 200 for. */
  accepted: Set<string>
  /** Requests answered anything but 200, by status. */
  refused: Map<number, number>
  samples: Sample[]
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Posts `rate` Order Completed events a second to `url` for `seconds` (a /v1/batch every 100 ms, at
 * most 50 requests awaiting their answer), sampling `pid`'s RSS every `sampleEvery` seconds.
 */
export async function steadyLoad(
  url: string,
  pid: number,
  {
    rate,
    seconds,
    sampleEvery = 5,
    delivered
  }: { rate: number; seconds: number; sampleEvery?: number; delivered: () => number }
): Promise<SteadyResult> {
  const accepted = new Set<string>()
  const refused = new Map<number, number>()
  const samples: Sample[] = []
  const perTick = Math.max(1, Math.round(rate / 10))
  const started = Date.now()
  let next = 0
  let nextSample = 0
  const inFlight = new Set<Promise<void>>()
  for (let tick = 0; tick < seconds * 10; tick++) {
    const wait = started + tick * 100 - Date.now()
    if (wait > 0) await sleep(wait)
    const at = (Date.now() - started) / 1000
    if (at >= nextSample) {
      samples.push({ at, rssMb: rssMb(pid), delivered: delivered() })
      nextSample += sampleEvery
    }
    while (inFlight.size >= 50) await Promise.race(inFlight)
    const batch = Array.from({ length: perTick }, () => orderCompleted(next++))
    const request = fetch(`${url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ batch })
    })
      .then(async (answer) => {
        await answer.arrayBuffer()
        if (answer.status === 200) for (const event of batch) accepted.add(event.messageId as string)
        else refused.set(answer.status, (refused.get(answer.status) ?? 0) + 1)
      })
      .catch(() => void refused.set(0, (refused.get(0) ?? 0) + 1))
      .finally(() => inFlight.delete(request))
    inFlight.add(request)
  }
  await Promise.all(inFlight)
  samples.push({ at: (Date.now() - started) / 1000, rssMb: rssMb(pid), delivered: delivered() })
  return { accepted, refused, samples }
}

/** The sample closest to `at` seconds. */
export const sampleAt = (samples: Sample[], at: number): Sample =>
  samples.reduce((best, sample) => (Math.abs(sample.at - at) < Math.abs(best.at - at) ? sample : best))
