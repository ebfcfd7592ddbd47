/** The user fields every action shares: who did it, as TikTok matches on. */
import type { InputField } from '@segment/actions-core'
import { firstOf, fromPropertiesOrTraits, path } from './path'

export const phone_number: InputField = {
  label: 'Phone Number',
  description:
    'A single phone number or array of phone numbers in E.164 standard format. Segment will hash this value before sending to TikTok. e.g. +14150000000. Segment will hash this value before sending to TikTok.',
  type: 'string',
  multiple: true,
  default: fromPropertiesOrTraits('phone')
}

export const email: InputField = {
  label: 'Email',
  description:
    'A single email address or an array of email addresses. Segment will hash this value before sending to TikTok.',
  type: 'string',
  multiple: true,
  default: fromPropertiesOrTraits('email')
}

export const external_id: InputField = {
  label: 'External ID',
  description:
    'Uniquely identifies the user who triggered the conversion event. Segment will hash this value before sending to TikTok. TikTok Conversions Destination supports both string and string[] types for sending external ID(s).',
  type: 'string',
  multiple: true,
  default: firstOf('$.userId', '$.anonymousId')
}

export const locale: InputField = {
  label: 'Locale',
  description:
    'The BCP 47 language identifier. For reference, refer to the [IETF BCP 47 standardized code](https://www.rfc-editor.org/rfc/bcp/bcp47.txt).',
  type: 'string',
  default: path('$.context.locale')
}

export const ip: InputField = {
  label: 'IP Address',
  type: 'string',
  description: 'IP address of the browser.',
  default: path('$.context.ip')
}

export const user_agent: InputField = {
  label: 'User Agent',
  type: 'string',
  description: 'User agent from the user’s device.',
  default: path('$.context.userAgent')
}
