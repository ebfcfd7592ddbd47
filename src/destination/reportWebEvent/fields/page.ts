import type { InputField } from '@segment/actions-core'
import { path } from './path'

export const url: InputField = {
  label: 'Page URL',
  type: 'string',
  description: 'The page URL where the conversion event took place.',
  default: path('$.context.page.url')
}

export const referrer: InputField = {
  label: 'Page Referrer',
  type: 'string',
  description: 'The page referrer.',
  default: path('$.context.page.referrer')
}
