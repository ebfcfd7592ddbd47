/**
 * What identity memory gains, per mapping, for the Match keys panel: of the events routed to it, how
 * many had a key added from memory (memory on), or lacked a key their person had given before (memory
 * off: "would have had"). Counts since start, or since memory was last turned on or off (so that a
 * share is all on or all off), no value. With memory off, which keys a person gave
 * is kept by `KeysSeen`: key names only, for at most MAX_PERSONS ids, in memory, least recently seen
 * first out.
 */
import { text } from '../../destination/shared/values'
import type { SegmentEvent } from '@segment/actions-core'
import { REMEMBERED_KEYS, type RememberedKey } from './facts'

export interface MappingGain {
  mapping: string
  /** Events routed to the mapping since start (of people with an id). */
  events: number
  /** Events with at least one key from memory (on) or that would have had one (off). */
  gained: number
  keys: Record<RememberedKey, number>
}

const zero = () => Object.fromEntries(REMEMBERED_KEYS.map((key) => [key, 0])) as Record<RememberedKey, number>

export class IdentityGain {
  private readonly mappings = new Map<string, MappingGain>()

  /** One event routed to these mappings, with the keys memory added (or would have). */
  add(mappings: readonly string[], keys: readonly RememberedKey[]): void {
    for (const mapping of mappings) {
      let gain = this.mappings.get(mapping)
      if (!gain) this.mappings.set(mapping, (gain = { mapping, events: 0, gained: 0, keys: zero() }))
      gain.events++
      if (keys.length) gain.gained++
      for (const key of keys) gain.keys[key]++
    }
  }

  /** Starts counting again (memory turned on or off). */
  reset(): void {
    this.mappings.clear()
  }

  report(): MappingGain[] {
    return [...this.mappings.values()].map((gain) => ({ ...gain, keys: { ...gain.keys } }))
  }
}

/** How many ids KeysSeen keeps. */
export const MAX_PERSONS = 10_000

/** Which keys each person gave (names only), for the "would have had" count while memory is off. */
export class KeysSeen {
  private readonly byId = new Map<string, Set<RememberedKey>>()

  constructor(private readonly max = MAX_PERSONS) {}

  /** The keys the event lacks that its person gave before; then what it gives is noted. */
  observe(event: SegmentEvent, given: readonly RememberedKey[], lacked: readonly RememberedKey[]): RememberedKey[] {
    const ids = [text(event.userId), text(event.anonymousId)]
      .map((id, i) => (id ? `${i}:${id}` : undefined))
      .filter((id): id is string => id !== undefined)
    if (ids.length === 0) return []
    const known = new Set<RememberedKey>()
    for (const id of ids) for (const key of this.byId.get(id) ?? []) known.add(key)
    const missed = lacked.filter((key) => known.has(key))
    for (const key of given) known.add(key)
    // One set for the ids seen together: what one gave, the other has.
    for (const id of ids) {
      this.byId.delete(id)
      this.byId.set(id, known)
    }
    while (this.byId.size > this.max) this.byId.delete(this.byId.keys().next().value as string)
    return missed
  }

  get size(): number {
    return this.byId.size
  }
}
