/**
 * Input checks of Report App Event and its one entry point for every path that sends (perform,
 * performBatch, the local runtime's preview). Pure: no I/O, the clock is an argument.
 */
import type { Settings } from '../generated-types'
import type { FieldIssue } from '../shared/errors'
import { APP_EVENTS } from '../shared/event-names'
import {
  attempt,
  checkContentType,
  checkEventName,
  checkEventTime,
  checkValues,
  hasMatchKey,
  noMatchKeyWarning,
  prepared,
  type Prepared
} from '../shared/prepare'
import { identifier } from '../shared/values'
import { buildAppEnvelope, buildAppEvent, platformOf } from './build'
import type { Payload } from './generated-types'

const STANDARD: ReadonlySet<string> = new Set<string>(APP_EVENTS)

export function prepareAppEvent(payload: Payload, settings: Settings, now: number): Prepared {
  const errors: FieldIssue[] = []
  const warnings: FieldIssue[] = []
  checkEventName(payload.event, STANDARD, errors, warnings)
  checkValues(payload, errors, warnings)
  const envelope = attempt(() => buildAppEnvelope(payload, settings), errors)
  const event = attempt(() => buildAppEvent(payload, now), errors)
  if (identifier(payload.advertising_id) && !platformOf(payload.device_details?.device_type)) {
    warnings.push({
      field: 'advertising_id',
      message:
        'Mobile Advertising ID (advertising_id) is not sent: Device Type (device_details.device_type) is neither ios nor android.'
    })
  }
  if (event && !hasMatchKey(event.user)) {
    warnings.push(noMatchKeyWarning('email, phone, external id, IDFA, GAID, IDFV, or IP address with user agent'))
  }
  checkContentType(payload.content_type, event, warnings)
  checkEventTime(payload.timestamp, event, now, warnings)
  return prepared(envelope, event, errors, warnings)
}
