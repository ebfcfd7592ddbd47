/** The event fields every action shares. */
import type { InputField } from '@segment/actions-core'
import { path } from './path'

export const timestamp: InputField = {
  label: 'Event Timestamp',
  type: 'string',
  description: 'Timestamp that the event took place, in ISO 8601 format.',
  default: path('$.timestamp')
}

export const test_event_code: InputField = {
  label: 'Test Event Code',
  type: 'string',
  description:
    'Use this field to specify that events should be test events rather than actual traffic. You can find your Test Event Code in your TikTok Events Manager under the "Test Event" tab. You\'ll want to remove your Test Event Code when sending real traffic through this integration.'
}
