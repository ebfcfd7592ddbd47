import type { InputField } from '@segment/actions-core'
import { MAX_EVENTS_PER_REQUEST } from '../../tiktok/api'

export const enable_batching: InputField = {
  label: 'Batch Data to TikTok',
  type: 'boolean',
  description: `When enabled, events are sent to TikTok in batches of up to ${MAX_EVENTS_PER_REQUEST} events per request, each event with its own delivery status.`,
  default: true
}

export const batch_size: InputField = {
  label: 'Batch Size',
  type: 'number',
  description: `Most events in one request to TikTok (at most ${MAX_EVENTS_PER_REQUEST}, TikTok's limit).`,
  default: MAX_EVENTS_PER_REQUEST,
  minimum: 1,
  maximum: MAX_EVENTS_PER_REQUEST,
  unsafe_hidden: true
}

/**
 * Events with different values of these fields are never sent in the same request: they make its
 * top-level keys. Each action names its own (a runtime queues its deliveries apart by them).
 */
export const batchKeys = (keys: string[]) => ({
  label: 'Batch Keys',
  description: 'Events with different values of these fields are never sent in the same request.',
  type: 'string' as const,
  multiple: true as const,
  unsafe_hidden: true as const,
  required: false as const,
  default: keys
})
