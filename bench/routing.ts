/**
 * The per-event cost of source routing, in its own process, over N events, half from analytics-swift
 * and half from analytics-node: the runtime's routing now (the 26 presets, web and app, by kind of
 * source then trigger, with a TikTok App ID set), the routing before source routing (the 15 web
 * presets, by trigger alone), and the kind of source alone (sourceKindOf). CPU time, each measured
 * `repeats` times after a warm-up; the medians are printed as `RESULT {json}`:
 * `tsx bench/routing.ts --events N --repeats R`.
 */
import type { SegmentEvent } from '@segment/actions-core'
import { routeOf } from '../src/runtime/routing/route'
import { sourceKindOf } from '../src/runtime/routing/sources'
import { presetSubscriptions } from '../src/runtime/routing/subscriptions'
import { appOrderCompleted, orderCompleted } from './events'

export interface RoutingResult {
  events: number
  subscriptions: number
  /** µs per event (medians): now (kind of source, then trigger), before (15 web presets, trigger), the kind alone. */
  sourceRoutingMicros: number
  webTriggersOnlyMicros: number
  kindOnlyMicros: number
}

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`)
  return at > 0 ? Number(process.argv[at + 1]) : fallback
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** µs per event of `route` over the events, the median of `repeats` runs (after one warm-up). */
function measure(events: SegmentEvent[], repeats: number, route: (event: SegmentEvent) => unknown): number {
  const runs: number[] = []
  let sink = 0
  for (let run = 0; run <= repeats; run++) {
    const start = process.cpuUsage()
    for (const event of events) sink += route(event) ? 1 : 0
    const { user, system } = process.cpuUsage(start)
    if (run > 0) runs.push((user + system) / events.length)
  }
  if (sink < 0) console.log(sink)
  return median(runs)
}

function main() {
  const count = arg('events', 100_000)
  const repeats = arg('repeats', 5)
  const events = Array.from({ length: count }, (_, i) => (i % 2 ? appOrderCompleted(i) : orderCompleted(i)))
  const subscriptions = presetSubscriptions()
  const web = subscriptions.filter((subscription) => subscription.action === 'reportWebEvent')
  const result: RoutingResult = {
    events: count,
    subscriptions: subscriptions.length,
    sourceRoutingMicros: measure(events, repeats, (event) => routeOf(subscriptions, event, true).length),
    webTriggersOnlyMicros: measure(events, repeats, (event) => web.filter((s) => s.matches(event)).length),
    kindOnlyMicros: measure(events, repeats, sourceKindOf)
  }
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
}

main()
