/**
 * What TikTok can match, per mapping: how many of the last delivered events carried each match key
 * (the plugin's `matchKeysOf` says which a built event carries). Counted in the thread that ran the
 * batch, from the TikTok events actions-core's success statuses carry; only the numbers leave it, and
 * only numbers are kept here: no value, hashed or not, is ever stored.
 */
import { MATCH_KEYS, matchKeysOf, type MatchKey } from '../../destination/shared/match-keys'
import type { TikTokEvent } from '../../destination/tiktok/types'

/** How many events, and how many of them carried each key. */
export interface MatchKeyCounts {
  events: number
  keys: Record<MatchKey, number>
}

/** Per mapping, what the page shows: counts over its last `events` delivered events. */
export interface MappingMatchKeys extends MatchKeyCounts {
  mapping: string
}

/** How many delivered events a mapping's shares are taken over (whole batches: see MatchKeyTally). */
const MATCH_KEY_WINDOW = 1_000

const zero = () => Object.fromEntries(MATCH_KEYS.map((key) => [key, 0])) as Record<MatchKey, number>

/**
 * Counts the match keys of a batch's delivered events: those actions-core reports with status 200 and
 * the TikTok event the plugin built as `sent`. Undefined when none was delivered.
 */
export function countMatchKeys(statuses: readonly { status: number; sent?: unknown }[]): MatchKeyCounts | undefined {
  let counts: MatchKeyCounts | undefined
  for (const status of statuses) {
    const sent = status.sent
    if (status.status !== 200 || typeof sent !== 'object' || sent === null) continue
    counts ??= { events: 0, keys: zero() }
    counts.events++
    for (const key of matchKeysOf((sent as TikTokEvent).user)) counts.keys[key]++
  }
  return counts
}

interface Window {
  /** Per-batch counts, oldest first from `head` (entries before it are dropped). */
  batches: (MatchKeyCounts | undefined)[]
  head: number
  totals: MatchKeyCounts
}

/**
 * Per mapping, the counts of its last `size` delivered events at least, as a ring of per-batch
 * counts: the oldest batch goes once the newer ones hold `size` events, so a mapping's shares are over
 * `size` to `size` + one batch − 1 events. Memory per mapping: at most `size` entries of seven numbers.
 */
export class MatchKeyTally {
  private readonly windows = new Map<string, Window>()

  constructor(readonly size = MATCH_KEY_WINDOW) {}

  /** Adds one batch's counts for a mapping (its subscription's name). */
  add(mapping: string, counts: MatchKeyCounts): void {
    if (!(counts.events > 0)) return
    let window = this.windows.get(mapping)
    if (!window) {
      window = { batches: [], head: 0, totals: { events: 0, keys: zero() } }
      this.windows.set(mapping, window)
    }
    const batch: MatchKeyCounts = { events: counts.events, keys: zero() }
    for (const key of MATCH_KEYS) batch.keys[key] = counts.keys[key] ?? 0
    window.batches.push(batch)
    addTo(window.totals, batch, 1)
    let oldest = window.batches[window.head]
    while (oldest && oldest !== batch && window.totals.events - oldest.events >= this.size) {
      addTo(window.totals, oldest, -1)
      window.batches[window.head++] = undefined
      oldest = window.batches[window.head]
    }
    if (window.head >= 64 && window.head * 2 >= window.batches.length) {
      window.batches.splice(0, window.head)
      window.head = 0
    }
  }

  /** Per mapping with delivered events, in the order they first had some: the counts of its window. */
  report(): MappingMatchKeys[] {
    return [...this.windows].map(([mapping, { totals }]) => ({
      mapping,
      events: totals.events,
      keys: { ...totals.keys }
    }))
  }

  /** Per-batch entries held for a mapping (what bounds the memory). */
  batchesHeld(mapping: string): number {
    const window = this.windows.get(mapping)
    return window ? window.batches.length - window.head : 0
  }
}

function addTo(totals: MatchKeyCounts, batch: MatchKeyCounts, sign: 1 | -1) {
  totals.events += sign * batch.events
  for (const key of MATCH_KEYS) totals.keys[key] += sign * batch.keys[key]
}
