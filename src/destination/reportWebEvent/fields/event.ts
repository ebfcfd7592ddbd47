import type { InputField } from '@segment/actions-core'
import { CRM, TRAVEL_FIELDS, VEHICLE_FIELDS, WEB } from '../constants'
import { firstOf } from '../../shared/fields/path'

const EVENTS_API_DOCS = 'https://ads.tiktok.com/marketing_api/docs?id=1701890979375106'

export const event_source: InputField = {
  label: 'Event Source',
  type: 'string',
  description: `The type of events you are uploading through TikTok Events API. Please see TikTok's [Events API documentation](${EVENTS_API_DOCS}) for information on how to find this value. If no selection is made 'Web' is assumed.`,
  default: WEB,
  choices: [
    { value: WEB, label: 'The events took place on your website and are measured by a Pixel Code.' },
    { value: CRM, label: 'The lead events took place on a CRM system and are tracked by a CRM Event Set ID.' }
  ]
}

export const event_spec_type: InputField = {
  label: 'Additional Fields',
  type: 'string',
  description: 'Include fields for travel or vehicle events.',
  choices: [
    { value: TRAVEL_FIELDS, label: 'Show travel fields' },
    { value: VEHICLE_FIELDS, label: 'Show vehicle fields' }
  ],
  depends_on: { conditions: [{ fieldKey: 'event_source', operator: 'is', value: WEB }] }
}

export const event: InputField = {
  label: 'Event Name',
  type: 'string',
  required: true,
  description: `Conversion event name. Please refer to the "Supported Web Events" section on in TikTok’s [Events API documentation](${EVENTS_API_DOCS}) for accepted event names.`
}

export const event_id: InputField = {
  label: 'Event ID',
  type: 'string',
  description:
    'Any hashed ID that can identify a unique user/session. TikTok deduplicates the events of the Pixel and of the Events API that share it: by default the `event_id` the site passed to the Pixel (`properties.event_id`), else the message ID.',
  default: firstOf('$.properties.event_id', '$.messageId')
}
