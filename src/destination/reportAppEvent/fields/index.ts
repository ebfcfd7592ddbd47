import { defaultValues } from '@segment/actions-core'
import type { ActionDefinition, InputField, JSONObject } from '@segment/actions-core'
import { batchKeys, batch_size, enable_batching } from '../../shared/fields/batching'
import { test_event_code, timestamp } from '../../shared/fields/event'
import * as shared from '../../shared/fields/properties'
import * as user from '../../shared/fields/user'
import { ad, app } from './app'
import { advertising_id, device_details } from './device'
import { att_status, event, event_id, event_source } from './event'

const content_type: InputField = {
  label: 'Content Type',
  type: 'string',
  description:
    'Type of the product item: `product` when the Content ID is a SKU, `product_group` when it is an item group ID. Sent only with Contents or Content IDs; `product` when another value.',
  default: 'product'
}

/**
 * The fields of Report App Event: the keys and defaults of Segment's TikTok App Events, in its order,
 * then the batching controls, which never reach TikTok's body.
 */
export const fields: ActionDefinition<unknown>['fields'] = {
  event_source,
  event,
  event_id,
  timestamp,
  phone_number: user.phone_number,
  email: user.email,
  advertising_id,
  app,
  ad,
  device_details,
  external_id: user.external_id,
  locale: user.locale,
  att_status,
  ip: { ...user.ip, description: 'IP address of the device.' },
  user_agent: user.user_agent,
  contents: shared.contents,
  content_ids: shared.content_ids,
  num_items: shared.num_items,
  content_type,
  currency: shared.currency,
  value: shared.value,
  description: { ...shared.description, description: 'A string description of the event.' },
  limited_data_use: shared.limited_data_use,
  test_event_code,
  search_string: shared.search_string,
  enable_batching,
  batch_size,
  batch_keys: batchKeys(['test_event_code'])
}

const everyDefault = defaultValues(fields) as JSONObject

/** The mapping a new Report App Event mapping starts from: every field's default. */
export const defaultMapping = (): JSONObject => ({ ...everyDefault })
