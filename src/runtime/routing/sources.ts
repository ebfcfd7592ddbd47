/**
 * Which kind of source an event comes from, as Segment knows which sources a destination instance is
 * connected to: `app` for an event from a mobile app, `web` for any other (websites, servers). A mapping
 * takes by default only the events of its action's kind; a mappings entry's `sources` says otherwise.
 */
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import type { ActionName } from './actions'

export const SOURCE_KINDS = ['web', 'app'] as const
export type SourceKind = (typeof SOURCE_KINDS)[number]

export const isSourceKind = (kind: unknown): kind is SourceKind => kind === 'web' || kind === 'app'

/** Segment's mobile libraries, as they name themselves in `context.library.name`. */
export const MOBILE_LIBRARIES: ReadonlySet<string> = new Set([
  'analytics-swift',
  'analytics-ios',
  'analytics-kotlin',
  'analytics-android',
  '@segment/analytics-react-native',
  'analytics-react-native',
  'analytics_flutter',
  'analytics-flutter'
])

const objectAt = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined

/**
 * The kind of source of an event. `app` when its `context.device.type` is `ios` or `android` (in any
 * case); when it has no device type, when it comes from one of Segment's mobile libraries
 * (`context.library.name`) and says which app (`context.app`). Anything else is `web`: a device of
 * another type (macos, tvos…), a browser, a server.
 */
export function sourceKindOf(event: SegmentEvent): SourceKind {
  const context = objectAt(event.context)
  if (!context) return 'web'
  const type = objectAt(context.device)?.type
  if (typeof type === 'string') {
    const lower = type.toLowerCase()
    return lower === 'ios' || lower === 'android' ? 'app' : 'web'
  }
  const library = objectAt(context.library)?.name
  return typeof library === 'string' && MOBILE_LIBRARIES.has(library) && objectAt(context.app) ? 'app' : 'web'
}

/**
 * The kinds a mapping takes when its entry names none: app events for Report App Event, web events
 * for Report Web Event; offline and CRM mappings take every event their trigger matches.
 */
export function defaultSources(action: ActionName, mapping: JSONObject): SourceKind[] {
  if (action === 'reportAppEvent') return ['app']
  if (action === 'reportOfflineEvent' || mapping.event_source === 'crm') return ['web', 'app']
  return ['web']
}
