/**
 * Identity memory (IDENTITY_MEMORY=on): before an event is routed, it gets the keys it lacks that its
 * person gave before (enrich.ts), and what it carries is learned (learn.ts) for their later events,
 * linked across their anonymousId and userId. Only events that may go to TikTok (consent given, the
 * destination not turned off) are read. With memory off, `KeysSeen` still counts what it would have
 * added. A store that fails leaves events as they came (logged once per minute at most): memory
 * helps matching, it never refuses an event.
 */
import type { SegmentEvent } from '@segment/actions-core'
import { describeError, type Log } from '../ops/log'
import { eitherKey, hasFacts, type Facts, type RememberedKey } from './facts'
import { lackedKeys, withRemembered } from './enrich'
import { carriedKeys, factsOf, personKeysOf } from './learn'
import { alreadyKnown, forgetPerson, lookup, merged, type IdentityStore } from './store'
import { IdentityGain, KeysSeen } from './gain'

const DAY_MS = 86_400_000
const WARN_EVERY_MS = 60_000
/** What was written less than this ago is not written again (a person's expiry moves at most this late). */
const REFRESH_MS = 3_600_000
/** A ttclid is valid 7 days (TikTok): an older one is not added, whatever IDENTITY_TTL_DAYS says. */
export const TTCLID_VALID_MS = 7 * DAY_MS

/** What may be added at `now`: the facts, less a ttclid older than it is valid. */
export function usable(facts: Facts, now: number): Facts {
  if (!facts.ttclid || facts.ttclid.at >= now - TTCLID_VALID_MS) return facts
  const { ttclid: _expired, ...rest } = facts
  return rest
}

export interface Prepared {
  events: SegmentEvent[]
  /** Per event that gained, the keys added (memory on) or that would have been (off). */
  gains: Map<SegmentEvent, RememberedKey[]>
}

export class IdentityMemory {
  readonly gain = new IdentityGain()
  private readonly seen = new KeysSeen()
  private lastWarning = -Infinity

  constructor(
    /** The store; undefined with memory off. */
    private current: IdentityStore | undefined,
    private readonly ttlDays: number,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
    /** With memory off, the store an earlier run kept (undefined: none), to forget someone in it. */
    private readonly kept: () => Promise<IdentityStore | undefined> = async () => undefined
  ) {}

  get on(): boolean {
    return this.current !== undefined
  }

  get store(): IdentityStore | undefined {
    return this.current
  }

  /** Turns memory on with a store, or off (undefined); returns the store it used, for the caller to close. */
  use(store: IdentityStore | undefined): IdentityStore | undefined {
    const previous = this.current
    // The Match keys panel's shares count events of one mode only: "got keys" or "would have had".
    if ((previous === undefined) !== (store === undefined)) this.gain.reset()
    this.current = store
    return previous
  }

  /** The events, each eligible one with what memory adds (in order: an identify helps a later track). */
  async prepare(events: SegmentEvent[], eligible: (event: SegmentEvent) => boolean): Promise<Prepared> {
    const gains = new Map<SegmentEvent, RememberedKey[]>()
    const out: SegmentEvent[] = []
    for (const event of events) {
      if (!eligible(event)) {
        out.push(event)
        continue
      }
      const prepared = this.store ? await this.remember(event, this.store) : this.shadow(event)
      if (prepared.added.length) gains.set(prepared.event, prepared.added)
      out.push(prepared.event)
    }
    return { events: out, gains }
  }

  /** Forgets the person of a userId or anonymousId and every id linked to it: how many records went. */
  async forget(id: string): Promise<number> {
    if (this.current) return forgetPerson(this.current, eitherKey(id))
    // Off now, but an earlier run (or a runtime sharing Redis) may have kept them.
    const kept = await this.kept()
    if (!kept) return 0
    try {
      return await forgetPerson(kept, eitherKey(id))
    } finally {
      await kept.close()
    }
  }

  async close(): Promise<void> {
    await this.store?.close()
  }

  private async remember(event: SegmentEvent, store: IdentityStore) {
    const keys = personKeysOf(event)
    if (keys.length === 0) return { event, added: [] }
    const now = this.now()
    const ttlMs = this.ttlDays * DAY_MS
    try {
      const facts = factsOf(event, now)
      const records = await lookup(store, keys)
      const enriched = withRemembered(event, usable(merged(records, now - ttlMs), now))
      const worthWriting = hasFacts(facts) || keys.length > 1
      if (worthWriting && !alreadyKnown(records, keys, facts, now - REFRESH_MS)) {
        await store.learn(keys, facts, now + ttlMs, now - ttlMs)
      }
      return enriched
    } catch (error) {
      if (now - this.lastWarning >= WARN_EVERY_MS) {
        this.lastWarning = now
        this.log.warn('identity memory unavailable: events go as they came', {
          store: store.where,
          reason: describeError(error)
        })
      }
      return { event, added: [] }
    }
  }

  /** Memory off: nothing added, but the keys it would have added are counted. */
  private shadow(event: SegmentEvent) {
    return { event, added: this.seen.observe(event, carriedKeys(event), lackedKeys(event)) }
  }
}
