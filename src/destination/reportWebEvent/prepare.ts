/**
 * Input checks and the one entry point of every path that sends a web or CRM event (perform,
 * performBatch, the local runtime's preview): a payload becomes the envelope and event TikTok would
 * receive, or the list of what is wrong with it, field by field. Pure: no I/O, the clock is an argument.
 */
import type { Settings } from '../generated-types'
import type { FieldIssue } from '../shared/errors'
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
import type { TikTokEnvelope, TikTokEvent } from '../tiktok/types'
import { buildEnvelope, buildEvent } from './build'
import { CRM, STANDARD_EVENTS } from './constants'
import type { Payload } from './generated-types'

export { describeIssues, type Prepared } from '../shared/prepare'

const STANDARD: ReadonlySet<string> = new Set<string>(STANDARD_EVENTS)

export function prepareEvent(payload: Payload, settings: Settings, now: number): Prepared {
  const errors: FieldIssue[] = []
  const warnings: FieldIssue[] = []
  checkEventName(payload.event, STANDARD, errors, warnings)
  checkValues(payload, errors, warnings)
  const envelope: TikTokEnvelope | undefined = attempt(() => buildEnvelope(payload, settings), errors)
  const event: TikTokEvent | undefined = attempt(() => buildEvent(payload, now), errors)
  if (event && !hasMatchKey(event.user) && !(envelope?.event_source === CRM && event.lead?.lead_id)) {
    warnings.push(noMatchKeyWarning('email, phone, external id, ttclid, ttp, or IP address with user agent'))
  }
  checkContentType(payload.content_type, event, warnings)
  checkEventTime(payload.timestamp, event, now, warnings)
  return prepared(envelope, event, errors, warnings)
}
