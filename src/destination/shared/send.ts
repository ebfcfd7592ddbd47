/**
 * How every action sends, one event (`perform`) or a batch (`performBatch`), through the one wire
 * (tiktok/api.ts): each payload is prepared by its action, events that share an envelope go together
 * in requests of at most 1,000, and every event of a batch gets its own status.
 */
import { MultiStatusResponse, PayloadValidationError } from '@segment/actions-core'
import type { ActionDefinition, JSONLikeObject, Logger } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { deliverEvents, nowSeconds, sendEvents, type TrackUrl } from '../tiktok/api'
import type { TikTokEnvelope, TikTokEvent } from '../tiktok/types'
import type { FieldIssue } from './errors'
import { describeIssues, type Prepare } from './prepare'

/** Warnings are logged, never sent; a batch logs one line per kind of warning with its count. */
function logWarnings(logger: Logger | undefined, warnings: FieldIssue[]) {
  if (!warnings.length || typeof logger?.warn !== 'function') return
  const counts = new Map<string, number>()
  for (const { message } of warnings) counts.set(message, (counts.get(message) ?? 0) + 1)
  for (const [message, count] of counts) logger.warn(count > 1 ? `${count} events: ${message}` : message)
}

interface Group {
  envelope: TikTokEnvelope
  indices: number[]
  events: TikTokEvent[]
}

/** Events that differ in event source, event source id or test event code never share a request. */
const groupKey = ({ event_source, event_source_id, test_event_code }: TikTokEnvelope) =>
  JSON.stringify([event_source, event_source_id, test_event_code ?? null])

type Sending<Payload> = Pick<ActionDefinition<Settings, Payload>, 'perform' | 'performBatch'>

/** `perform` and `performBatch` of an action whose payloads `prepare` turns into TikTok events, sent to `trackUrl`. */
export function sendingWith<Payload extends { batch_size?: number }>(
  prepare: Prepare<Payload, Settings>,
  trackUrl: TrackUrl
): Sending<Payload> {
  return {
    perform: (request, { payload, settings, logger }) => {
      const prepared = prepare(payload, settings, nowSeconds())
      logWarnings(logger, prepared.warnings)
      if (!prepared.ok) throw new PayloadValidationError(describeIssues(prepared.errors))
      return sendEvents(
        request,
        { ...prepared.envelope, data: [prepared.event] },
        settings.accessToken,
        (warning) => logWarnings(logger, [{ field: 'event', message: warning }]),
        trackUrl()
      )
    },
    performBatch: async (request, { payload: payloads, settings, logger }) => {
      const url = trackUrl() // read at the start: every request of this batch goes there
      const statuses = new MultiStatusResponse()
      const groups = new Map<string, Group>()
      const warnings: FieldIssue[] = []
      const now = nowSeconds()
      payloads.forEach((payload, index) => {
        const prepared = prepare(payload, settings, now)
        warnings.push(...prepared.warnings)
        if (!prepared.ok) {
          statuses.setErrorResponseAtIndex(index, {
            status: 400,
            errortype: 'PAYLOAD_VALIDATION_FAILED',
            errormessage: describeIssues(prepared.errors)
          })
          return
        }
        const key = groupKey(prepared.envelope)
        const group = groups.get(key) ?? { envelope: prepared.envelope, indices: [], events: [] }
        groups.set(key, group)
        group.indices.push(index)
        group.events.push(prepared.event)
      })
      const batchSize = payloads[0]?.batch_size
      for (const { envelope, indices, events } of groups.values()) {
        const delivered = await deliverEvents(request, envelope, events, settings.accessToken, batchSize, url)
        delivered.forEach((status, k) => {
          if (status.ok && status.warning) warnings.push({ field: 'event', message: status.warning })
          const sent = events[k] as unknown as JSONLikeObject
          const body = status.body as JSONLikeObject
          if (status.ok) statuses.setSuccessResponseAtIndex(indices[k], { status: status.status, sent, body })
          else statuses.setErrorResponseAtIndex(indices[k], { ...status, sent, body })
        })
      }
      logWarnings(logger, warnings)
      return statuses
    }
  }
}
