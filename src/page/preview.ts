/**
 * The event tester: which subscriptions an event matches and the exact body TikTok would receive for
 * each, with field-level messages, without sending anything; and the real send of a test event.
 * The preview runs actions-core's own mapping and schema validation through a variant of the action
 * whose perform builds the body with the same pure builder instead of sending it.
 */
import { Destination } from '@segment/actions-core'
import type { ActionDefinition, DestinationDefinition, JSONObject, SegmentEvent } from '@segment/actions-core'
import destination, { destinationFor } from '../destination'
import type { Settings } from '../destination/generated-types'
import { prepareAppEvent } from '../destination/reportAppEvent/prepare'
import { prepareOfflineEvent } from '../destination/reportOfflineEvent/prepare'
import { prepareEvent } from '../destination/reportWebEvent/prepare'
import type { FieldIssue } from '../destination/shared/errors'
import { describeIssues, type Prepare, type Prepared } from '../destination/shared/prepare'
import type { Runtime } from '../runtime'
import { ACTIONS, type ActionName } from '../runtime/routing/actions'
import { routedKind, routeOf } from '../runtime/routing/route'
import type { SourceKind } from '../runtime/routing/sources'
import { integrationEnabled, type Subscription } from '../runtime/routing/subscriptions'
import { toEvent } from '../runtime/http/tracking-request'
import { nowSeconds } from '../destination/tiktok/api'
import type { TikTokRequestBody } from '../destination/tiktok/types'
import { jsonErrorPosition } from './json-error'

export interface PreviewMatch {
  mapping: string
  trigger: string
  /** The action it reports with. */
  action: ActionName
  /** The TikTok event name the mapping sends, when it is a fixed name. */
  tiktokEvent?: string
  body?: TikTokRequestBody
  errors: FieldIssue[]
  warnings: FieldIssue[]
}

export interface PreviewResult {
  /** Why the event itself cannot be used, or why nothing matches. */
  message?: string
  /** The kind of source the event is routed as (an app event only once a TikTok App ID is set). */
  routedAs?: SourceKind
  matches: PreviewMatch[]
}

const PREPARE: Record<ActionName, Prepare<never, Settings>> = {
  reportWebEvent: prepareEvent,
  reportAppEvent: prepareAppEvent,
  reportOfflineEvent: prepareOfflineEvent
}

/**
 * Each action as the preview runs it: actions-core maps and validates the payload as for a real send,
 * then its perform builds the body with the action's own pure builder instead of sending it. A distinct
 * title: actions-core caches compiled schemas per process under "name:title".
 */
function previewAction(name: ActionName): ActionDefinition<Settings> {
  const action = destination.actions[name]
  const prepare = PREPARE[name] as Prepare<unknown, Settings>
  return {
    title: `${action.title} (preview)`,
    description: action.description,
    fields: action.fields,
    perform: (_request, { payload, settings }) => ({ prepared: prepare(payload, settings, nowSeconds()) })
  }
}
const previewDefinition: DestinationDefinition<Settings> = {
  ...destination,
  actions: Object.fromEntries(ACTIONS.map((name) => [name, previewAction(name)]))
}
const previewDestination = new Destination(previewDefinition)

/** The event typed in the tester as a Segment event, or a message that never repeats the text. */
function parseTesterEvent(text: string): SegmentEvent | string {
  let message: unknown
  try {
    message = JSON.parse(text)
  } catch {
    // JSON.parse's own message quotes the text, which may hold PII: give the position only.
    const { line, column } = jsonErrorPosition(text)
    return `The Segment event is not valid JSON (line ${line}, column ${column}).`
  }
  const event = toEvent(message, undefined, new Date().toISOString())
  return typeof event === 'string' ? `This is not a Segment event: ${event}.` : event
}

/** Field of a schema error: `/value` → value; "…required field 'event'" → event. */
function schemaIssues(error: Error & { errors?: { pointer?: string; message: string }[] }): FieldIssue[] {
  const errors = error.errors ?? [{ pointer: '', message: error.message }]
  return errors.map(({ pointer, message }) => ({
    field: pointer?.split('/')[1] || /required field '([^']+)'/.exec(message)?.[1] || 'event',
    message
  }))
}

/** The subscriptions the runtime would route the event to: by its kind of source, then by trigger. */
function matching(runtime: Runtime, event: SegmentEvent): Subscription[] {
  return routeOf(runtime.subscriptions, event, runtime.appEvents())
}

export async function preview(runtime: Runtime, text: string): Promise<PreviewResult> {
  const event = parseTesterEvent(text)
  if (typeof event === 'string') return { message: event, matches: [] }
  if (!integrationEnabled(event)) {
    return {
      message: 'The integrations object of this event turns Tiktok Conversions off: it would be skipped.',
      matches: []
    }
  }
  const routedAs = routedKind(event, runtime.appEvents())
  const subscriptions = matching(runtime, event)
  if (subscriptions.length === 0) {
    return {
      message: `No ${runtime.subscriptionSource === 'presets' ? 'preset' : 'mapping'} matches this event (routed as ${routedAs === 'app' ? 'an app' : 'a web'} event).`,
      routedAs,
      matches: []
    }
  }
  const settings = runtime.effectiveSettings()
  const matches: PreviewMatch[] = []
  for (const subscription of subscriptions) {
    const name = subscription.mapping.event
    const base = {
      mapping: subscription.name,
      trigger: subscription.subscribe,
      action: subscription.action,
      tiktokEvent: typeof name === 'string' ? name : undefined
    }
    try {
      const results = await previewDestination.onEvent(event, {
        ...settings,
        subscription: {
          partnerAction: subscription.action,
          subscribe: subscription.subscribe,
          mapping: subscription.mapping
        }
      } as unknown as JSONObject)
      const prepared = (results.find((result) => result.data)?.data as unknown as { prepared: Prepared }).prepared
      matches.push(
        prepared.ok
          ? { ...base, body: { ...prepared.envelope, data: [prepared.event] }, errors: [], warnings: prepared.warnings }
          : { ...base, errors: prepared.errors, warnings: prepared.warnings }
      )
    } catch (error) {
      matches.push({ ...base, errors: schemaIssues(error as Error), warnings: [] })
    }
  }
  return { routedAs, matches }
}

export interface SendResult {
  mapping: string
  ok: boolean
  message: string
}

/** Sends the event for real, marked with the test event code, through each matching subscription. */
export async function sendTestEvent(
  runtime: Runtime,
  text: string,
  testEventCode: string
): Promise<SendResult[] | string> {
  if (runtime.mode() !== 'live') return 'Save an Access Token and a Pixel Code first: there is nothing to send with.'
  if (!testEventCode.trim()) return 'Enter the test event code from TikTok Events Manager (Test Events tab) first.'
  const event = parseTesterEvent(text)
  if (typeof event === 'string') return event
  const subscriptions = matching(runtime, event)
  if (subscriptions.length === 0) return 'No preset or mapping matches this event: there is nothing to send.'
  // Where the runtime sends now.
  const live = new Destination(destinationFor({ apiBaseUrl: runtime.apiBaseUrl() }))
  const results: SendResult[] = []
  for (const subscription of subscriptions) {
    try {
      await live.onEvent(event, {
        ...runtime.effectiveSettings(),
        subscription: {
          partnerAction: subscription.action,
          subscribe: subscription.subscribe,
          mapping: { ...subscription.mapping, test_event_code: testEventCode.trim() }
        }
      } as unknown as JSONObject)
      results.push({ mapping: subscription.name, ok: true, message: 'TikTok accepted the test event.' })
    } catch (error) {
      const issues = (error as { errors?: unknown }).errors
        ? describeIssues(schemaIssues(error as Error))
        : (error as Error).message
      results.push({ mapping: subscription.name, ok: false, message: issues })
    }
  }
  return results
}

/** Runs the destination's testAuthentication with the saved settings: TikTok's verdict in words. */
export async function testConnection(runtime: Runtime): Promise<{ ok: boolean; message: string }> {
  const { accessToken, pixelCode } = runtime.settings
  if (!accessToken || !pixelCode) return { ok: false, message: 'Save an Access Token and a Pixel Code first.' }
  try {
    await new Destination(destinationFor({ apiBaseUrl: runtime.apiBaseUrl() })).testAuthentication({
      accessToken,
      pixelCode
    })
    return { ok: true, message: `TikTok accepted the Access Token for Pixel Code ${pixelCode}.` }
  } catch (error) {
    return { ok: false, message: (error as Error).message.replace(/^Credentials are invalid: \d*\s*/, '') }
  }
}
