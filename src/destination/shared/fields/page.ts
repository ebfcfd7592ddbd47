import type { InputField } from '@segment/actions-core'
import { firstOf } from './path'

export const url: InputField = {
  label: 'Page URL',
  type: 'string',
  description: 'The page URL where the conversion event took place.',
  default: firstOf('$.context.page.url', '$.properties.url')
}

export const referrer: InputField = {
  label: 'Page Referrer',
  type: 'string',
  description: 'The page referrer.',
  default: firstOf('$.context.page.referrer', '$.properties.referrer')
}
