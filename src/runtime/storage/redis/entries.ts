/**
 * A delivery as the queue stream holds it: an entry with fields `s` subscription, `k` batch key, `e`
 * the event as received, `r` received at (ms) and `d` dry-run ('1'), and its retry state (attempts,
 * firstFailedAt, nextAt, lastError) as JSON in the retry hash under the entry's id.
 */
import type { NewDelivery, StoredDelivery } from '../store'
import { fieldsOf } from './replies'

/** A stream entry as XRANGE, XREADGROUP and XAUTOCLAIM give it. */
export type Entry = [id: string, fields: string[]]

type RetryState = Pick<StoredDelivery, 'attempts' | 'firstFailedAt' | 'nextAt' | 'lastError'>

/** The fields of a new delivery's entry, for XADD. */
export const entryFields = (d: NewDelivery): string[] => [
  's',
  d.subscription,
  'k',
  d.batchKey,
  'e',
  d.event,
  'r',
  String(d.receivedAt),
  'd',
  d.dryRun ? '1' : '0',
  'm',
  d.messageId
]

/** A delivery's retry state, as the retry hash holds it. */
export const retryStateOf = ({ attempts, firstFailedAt, nextAt, lastError }: StoredDelivery): string =>
  JSON.stringify({ attempts, firstFailedAt, nextAt, lastError })

/** The delivery an entry holds, with its retry state when there is one (none: never failed). */
export function deliveryOf([id, raw]: Entry, state?: string | null): StoredDelivery {
  const fields = fieldsOf(raw)
  let retry: Partial<RetryState> = {}
  if (state) {
    try {
      retry = JSON.parse(state) as RetryState
    } catch {
      retry = {}
    }
  }
  return {
    id,
    subscription: fields.s ?? '',
    batchKey: fields.k ?? '',
    event: fields.e ?? '{}',
    receivedAt: Number(fields.r) || Number(id.split('-')[0]),
    dryRun: fields.d === '1',
    messageId: fields.m ?? '',
    attempts: retry.attempts ?? 0,
    firstFailedAt: retry.firstFailedAt,
    nextAt: retry.nextAt ?? 0,
    lastError: retry.lastError
  }
}
