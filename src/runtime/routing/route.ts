/** Which subscriptions an event goes to: those on that take its kind of source and whose trigger it matches. */
import type { SegmentEvent } from '@segment/actions-core'
import { sourceKindOf, type SourceKind } from './sources'
import type { Subscription } from './subscriptions'

/**
 * The kind of source an event is routed as: its own (see sourceKindOf) when app events can be sent
 * (`appEvents`: a TikTok App ID is set), else `web`: without an App ID, app events go where they
 * always went, to the Pixel.
 */
export const routedKind = (event: SegmentEvent, appEvents: boolean): SourceKind =>
  appEvents ? sourceKindOf(event) : 'web'

/** The subscriptions that take the event, in their order (those turned off take none). */
export function routeOf(
  subscriptions: readonly Subscription[],
  event: SegmentEvent,
  appEvents: boolean
): Subscription[] {
  const kind = routedKind(event, appEvents)
  return subscriptions.filter(
    (subscription) => subscription.enabled && subscription.sources.includes(kind) && subscription.matches(event)
  )
}
