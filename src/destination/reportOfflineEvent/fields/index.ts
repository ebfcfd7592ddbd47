import { defaultValues } from '@segment/actions-core'
import type { ActionDefinition, InputField, JSONObject } from '@segment/actions-core'
import { batchKeys, batch_size, enable_batching } from '../../shared/fields/batching'
import { test_event_code, timestamp } from '../../shared/fields/event'
import { path } from '../../shared/fields/path'
import { referrer, url } from '../../shared/fields/page'
import * as shared from '../../shared/fields/properties'
import * as user from '../../shared/fields/user'
import { email_addresses, external_ids, lead_id, phone_numbers, ttclid, ttp } from './user'

const event: InputField = {
  label: 'Event Name',
  type: 'string',
  required: true,
  description:
    'Conversion event name: a TikTok standard event (CompletePayment, Purchase, Contact, Subscribe, SubmitForm…) or a custom name. There is no default: each offline mapping names its event.'
}

const event_id: InputField = {
  label: 'Event ID',
  type: 'string',
  description: 'Any hashed ID that can identify a unique user/session. By default the message ID.',
  default: path('$.messageId')
}

const content_type: InputField = {
  label: 'Content Type',
  type: 'string',
  description:
    'Type of the product item: `product` when the Content ID is a SKU, `product_group` when it is an item group ID. Sent only with Contents; `product` when another value.',
  default: 'product'
}

/**
 * The fields of Report Offline Event: the keys and defaults of Segment's TikTok Offline Conversions
 * (Track Offline Conversion), in its order, then the batching controls, which never reach TikTok's body.
 */
export const fields: ActionDefinition<unknown>['fields'] = {
  event,
  event_id,
  timestamp,
  phone_numbers,
  email_addresses,
  order_id: shared.order_id,
  shop_id: shared.shop_id,
  external_ids,
  ttclid,
  ttp,
  lead_id,
  locale: user.locale,
  url,
  referrer,
  ip: { ...user.ip, description: 'IP address of the device the sale was recorded with, if any.' },
  user_agent: user.user_agent,
  contents: shared.contents,
  content_type,
  currency: shared.currency,
  value: shared.value,
  description: { ...shared.description, description: 'A string description of the event.' },
  query: shared.query,
  limited_data_use: {
    ...shared.limited_data_use,
    description: `${shared.limited_data_use.description} TikTok takes it for web and app events only: it is not sent with an offline event.`
  },
  test_event_code,
  enable_batching,
  batch_size,
  batch_keys: batchKeys(['test_event_code'])
}

const everyDefault = defaultValues(fields) as JSONObject

/** The mapping a new Report Offline Event mapping starts from: every field's default. */
export const defaultMapping = (): JSONObject => ({ ...everyDefault })
