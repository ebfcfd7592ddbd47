import type { InputField } from '@segment/actions-core'
import { firstOf, fromPropertiesOrTraits } from '../../shared/fields/path'

export const default_phone_country: InputField = {
  label: 'Default Phone Country',
  description:
    'Country used to bring a phone number without a country code (e.g. "(415) 555-0100") to E.164 when the event\'s address has no country. An ISO 3166 code ("US") or an English country name ("United States"). Without any known country such a number is sent as its digits with a leading "+".',
  type: 'string'
}

export const first_name: InputField = {
  label: 'First Name',
  description:
    'The first name of the customer. The name should be in lowercase without any punctuation. Special characters are allowed.',
  type: 'string',
  default: firstOf('$.properties.first_name', '$.context.traits.first_name', '$.context.traits.firstName')
}

export const last_name: InputField = {
  label: 'Last Name',
  description:
    'The last name of the customer. The name should be in lowercase without any punctuation. Special characters are allowed.',
  type: 'string',
  default: firstOf('$.properties.last_name', '$.context.traits.last_name', '$.context.traits.lastName')
}

export const address: InputField = {
  label: 'Address',
  type: 'object',
  description: 'The address of the customer.',
  additionalProperties: false,
  properties: {
    city: { label: 'City', type: 'string', description: 'City of the customer.' },
    state: { label: 'State', type: 'string', description: 'State or region of the customer.' },
    country: {
      label: 'Country',
      type: 'string',
      description: 'Country of the customer, as an ISO 3166 code or a country name.'
    },
    zip_code: { label: 'Zip Code', type: 'string', description: 'Zip or postal code of the customer.' }
  },
  default: {
    city: fromPropertiesOrTraits('address.city'),
    state: fromPropertiesOrTraits('address.state'),
    country: fromPropertiesOrTraits('address.country'),
    zip_code: fromPropertiesOrTraits('address.postal_code')
  }
}

export const ttclid: InputField = {
  label: 'TikTok Click ID',
  description:
    'The value of the ttclid used to match website visitor events with TikTok ads. The ttclid is valid for 7 days. See [Set up ttclid](https://ads.tiktok.com/marketing_api/docs?rid=4eezrhr6lg4&id=1681728034437121) for details.',
  type: 'string',
  default: firstOf('$.properties.ttclid', '$.integrations.TikTok Conversions.ttclid')
}

export const ttp: InputField = {
  label: 'TikTok Cookie ID',
  description:
    'TikTok Cookie ID. If you also use Pixel SDK and have enabled cookies, Pixel SDK automatically saves a unique identifier in the `_ttp` cookie. The value of `_ttp` is used to match website visitor events with TikTok ads. You can extract the value of `_ttp` and attach the value here. To learn more about the `ttp` parameter, refer to [Events API 2.0 - Send TikTok Cookie](https://ads.tiktok.com/marketing_api/docs?id=%201771100936446977) (`_ttp`).',
  type: 'string',
  default: firstOf('$.properties.ttp', '$.integrations.TikTok Conversions.ttp')
}
