import type { InputField } from '@segment/actions-core'
import { firstOf, path } from '../../shared/fields/path'
import { email, external_id, phone_number } from '../../shared/fields/user'

/** Segment's TikTok Offline Conversions names its integration so in the `integrations` object. */
const OFFLINE_INTEGRATION = '$.integrations.TikTok Offline Conversions'

export const phone_numbers: InputField = { ...phone_number, category: 'hashedPII' }

export const email_addresses: InputField = { ...email, category: 'hashedPII' }

export const external_ids: InputField = { ...external_id, category: 'hashedPII' }

export const ttclid: InputField = {
  label: 'TikTok Click ID',
  type: 'string',
  description:
    'The ttclid of the ad click that led to the sale, when known. The ttclid is valid for 7 days. By default the event’s `properties.ttclid`, else the ttclid query parameter of the Page URL.',
  default: firstOf('$.properties.ttclid', `${OFFLINE_INTEGRATION}.ttclid`)
}

export const ttp: InputField = {
  label: 'TikTok Cookie ID',
  type: 'string',
  description: 'The value of the `_ttp` cookie of the Pixel, when the sale started on the website.',
  default: firstOf('$.properties.ttp', `${OFFLINE_INTEGRATION}.ttp`)
}

export const lead_id: InputField = {
  label: 'TikTok Lead ID',
  type: 'string',
  description: 'ID of the TikTok lead, as exported from TikTok with the lead.',
  default: path('$.properties.lead_id')
}
