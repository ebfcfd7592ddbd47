/**
 * Intake: what a request's events become before they are stored. An event whose integrations object
 * turns this destination off is skipped; one no subscription's trigger matches is unmatched; any other
 * becomes one delivery per subscription it matches: the event's JSON text with its batch key (events
 * that differ in it never share a request to TikTok) and its messageId. An event that cannot be written
 * as JSON (nested too deeply) is poison: it gets a dead-letter record at once instead.
 *
 * Deduplication on messageId, as Segment's API does it: an event whose messageId came earlier in the same
 * request is dropped here; one the store accepted within the window (a client's retry) is dropped by
 * the store as it appends (store.ts), and `accepted` counts both as deduplicated.
 */
import { transform } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import { describeError, type Log } from '../ops/log'
import type { RuntimeMetrics } from '../ops/metrics'
import { fieldsOf } from '../routing/actions'
import { routeOf } from '../routing/route'
import { consentGiven } from '../routing/consent'
import { integrationEnabled, type Subscription } from '../routing/subscriptions'
import type { DeadLetterRecord } from '../storage/dead-letters'
import { safeJson } from '../storage/safe-json'
import type { NewDelivery } from '../storage/store'
import type { DeliveryCounts } from './counts'

/** One request's events, routed. */
export interface RoutedRequest {
  /** Events in the request. */
  events: number
  deliveries: NewDelivery[]
  /** Dead-letter records of the events that cannot be stored. */
  poison: DeadLetterRecord[]
  skipped: number
  unmatched: number
  /** Events whose consent lacks a category CONSENT_CATEGORIES names: acknowledged, never delivered. */
  refused: number
  /** Events whose messageId came earlier in the request. */
  deduplicated: number
  /** Each routed event and the subscriptions it went to (identity memory's gain is counted per mapping). */
  routed: { event: SegmentEvent; mappings: string[] }[]
}

export interface IntakeOptions {
  /** The subscriptions in force, read for each request (the page can replace them while running). */
  subscriptions: () => readonly Subscription[]
  /**
   * Whether events from mobile apps are routed as app events (a TikTok App ID is set), read for each
   * request; without, every event is routed as a web event (see routing/route.ts).
   */
  appEvents?: () => boolean
  /** The consent categories this destination needs (CONSENT_CATEGORIES), read for each request. */
  consentCategories?: () => readonly string[]
  counts: DeliveryCounts
  metrics: RuntimeMetrics
  log: Log
}

export class Intake {
  /** Per subscription, the part of its mapping that makes the batch key. */
  private readonly batchKeyMappings = new WeakMap<Subscription, JSONObject>()
  /** The counts the last "not routed" line reported. */
  private reported = { skipped: 0, unmatched: 0, deduplicated: 0, refused: 0 }

  constructor(private readonly options: IntakeOptions) {}

  /**
   * Routes a request's events; `now` and `dryRun` are stamped on its deliveries; with `dedupe`, an event
   * whose messageId came earlier in the request is dropped. Changes nothing.
   */
  route(events: SegmentEvent[], now: number, dryRun: boolean, dedupe = false): RoutedRequest {
    const request: RoutedRequest = {
      events: events.length,
      deliveries: [],
      poison: [],
      skipped: 0,
      unmatched: 0,
      refused: 0,
      deduplicated: 0,
      routed: []
    }
    const appEvents = this.options.appEvents?.() ?? false
    const categories = this.options.consentCategories?.() ?? []
    const subscriptions = this.options.subscriptions()
    const messageIds = new Set<string>()
    for (const event of events) {
      const messageId = typeof event.messageId === 'string' ? event.messageId : ''
      if (dedupe && messageId) {
        if (messageIds.has(messageId)) {
          request.deduplicated++
          continue
        }
        messageIds.add(messageId)
      }
      if (!consentGiven(event, categories)) {
        request.refused++
        continue
      }
      if (!integrationEnabled(event)) {
        request.skipped++
        continue
      }
      const route = routeOf(subscriptions, event, appEvents)
      if (route.length === 0) {
        request.unmatched++
        continue
      }
      request.routed.push({ event, mappings: route.map((subscription) => subscription.name) })
      let text: string | undefined
      let why = ''
      try {
        text = JSON.stringify(event)
      } catch (error) {
        why = describeError(error)
      }
      for (const subscription of route) {
        if (text === undefined) {
          request.poison.push({
            at: new Date(now).toISOString(),
            mapping: subscription.name,
            status: 400,
            reason: `the event cannot be stored as JSON (${why}): it is nested too deeply or too large; written here with the deepest parts cut`,
            attempts: 0,
            event: safeJson(event),
            cut: true
          })
        } else {
          request.deliveries.push({
            subscription: subscription.name,
            batchKey: this.batchKey(subscription, event),
            event: text,
            receivedAt: now,
            dryRun,
            messageId
          })
        }
      }
    }
    return request
  }

  /**
   * The request is accepted (stored but for the deliveries of `duplicates`, messageIds the store had
   * accepted before): counted, and its poison events said. Returns how many deliveries were stored.
   */
  accepted(request: RoutedRequest, duplicates: string[]): number {
    const { counts, metrics, log } = this.options
    const again = new Set(duplicates)
    const queued = again.size
      ? request.deliveries.filter((d) => !again.has(d.messageId)).length
      : request.deliveries.length
    const deduplicated = request.deduplicated + again.size
    counts.received += request.events
    counts.skipped += request.skipped
    counts.unmatched += request.unmatched
    counts.refused += request.refused
    counts.deduplicated += deduplicated
    counts.queued += queued
    counts.deadLettered += request.poison.length
    metrics.received.inc(request.events)
    metrics.skipped.inc(request.skipped)
    metrics.unmatched.inc(request.unmatched)
    metrics.refused.inc(request.refused)
    metrics.deduplicated.inc(deduplicated)
    metrics.queued.inc(queued)
    for (const record of request.poison) {
      metrics.deadLettered.inc({ mapping: record.mapping })
      log.error('dead-lettered', { mapping: record.mapping, events: 1, reason: record.reason })
    }
    return queued
  }

  /** Events left undelivered on purpose are said too: one line (per tick) when there are new ones. */
  reportUnrouted() {
    const { counts } = this.options
    const skipped = counts.skipped - this.reported.skipped
    const unmatched = counts.unmatched - this.reported.unmatched
    const deduplicated = counts.deduplicated - this.reported.deduplicated
    const refused = counts.refused - this.reported.refused
    if (!skipped && !unmatched && !deduplicated && !refused) return
    this.reported = {
      skipped: counts.skipped,
      unmatched: counts.unmatched,
      deduplicated: counts.deduplicated,
      refused: counts.refused
    }
    this.options.log.info('not routed', {
      refused: refused || undefined,
      refused_why: refused
        ? `their context.consent.categoryPreferences does not grant ${(this.options.consentCategories?.() ?? []).join(', ')} (CONSENT_CATEGORIES)`
        : undefined,
      skipped: skipped || undefined,
      skipped_why: skipped ? 'their integrations object turns Tiktok Conversions off' : undefined,
      unmatched: unmatched || undefined,
      unmatched_why: unmatched
        ? 'no subscription trigger matches them, or none that matches takes their kind of source (web or app)'
        : undefined,
      deduplicated: deduplicated || undefined,
      deduplicated_why: deduplicated
        ? 'their messageId was accepted before (DEDUPE_WINDOW_MS): the first one is kept'
        : undefined
    })
  }

  /** The event's values of the subscription's batch keys, as text ('' when it has none). */
  private batchKey(subscription: Subscription, event: SegmentEvent): string {
    let mapping = this.batchKeyMappings.get(subscription)
    if (!mapping) {
      const keys = subscription.mapping.batch_keys
      const fields = Array.isArray(keys)
        ? keys.filter((key): key is string => typeof key === 'string')
        : ((fieldsOf(subscription.action).batch_keys?.default as string[] | undefined) ?? [])
      mapping = Object.fromEntries(
        fields.filter((key: string) => key in subscription.mapping).map((key) => [key, subscription.mapping[key]])
      )
      this.batchKeyMappings.set(subscription, mapping)
    }
    if (Object.keys(mapping).length === 0) return ''
    try {
      return JSON.stringify(transform(mapping, event as unknown as JSONObject))
    } catch {
      return ''
    }
  }
}
