/**
 * Input checks of Report Offline Event and its one entry point for every path that sends (perform,
 * performBatch, the local runtime's preview). Pure: no I/O, the clock is an argument.
 */
import type { Settings } from '../generated-types'
import type { FieldIssue } from '../shared/errors'
import { STANDARD_EVENTS } from '../shared/event-names'
import {
  attempt,
  checkContentType,
  checkEventName,
  checkEventTime,
  checkValues,
  prepared,
  type Prepared
} from '../shared/prepare'
import { buildOfflineEnvelope, buildOfflineEvent } from './build'
import type { Payload } from './generated-types'

const STANDARD: ReadonlySet<string> = new Set<string>(STANDARD_EVENTS)

export function prepareOfflineEvent(payload: Payload, settings: Settings, now: number): Prepared {
  const errors: FieldIssue[] = []
  const warnings: FieldIssue[] = []
  checkEventName(payload.event, STANDARD, errors, warnings)
  checkValues(payload, errors, warnings)
  const envelope = attempt(() => buildOfflineEnvelope(payload, settings), errors)
  const event = attempt(() => buildOfflineEvent(payload, now), errors)
  checkContentType(payload.content_type, event, warnings)
  checkEventTime(payload.timestamp, event, now, warnings)
  return prepared(envelope, event, errors, warnings)
}
