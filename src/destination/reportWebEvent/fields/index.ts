import { defaultValues } from '@segment/actions-core'
import type { ActionDefinition, JSONObject } from '@segment/actions-core'
import { TRAVEL_FIELDS, VEHICLE_FIELDS } from '../constants'
import { batch_keys, batch_size, enable_batching } from './batching'
import { crm_event_set_id, lead_fields } from './crm'
import { event, event_id, event_source, event_spec_type, test_event_code, timestamp } from './event'
import { referrer, url } from './page'
import * as props from './properties'
import { travel_fields } from './travel'
import * as user from './user'
import { vehicle_fields } from './vehicle'

/**
 * The fields of Report Web Event, in the order of the product page's field table, then ours: batching
 * controls never reach TikTok's body.
 */
export const fields: ActionDefinition<unknown>['fields'] = {
  event_source,
  event_spec_type,
  event,
  event_id,
  timestamp,
  phone_number: user.phone_number,
  default_phone_country: user.default_phone_country,
  email: user.email,
  first_name: user.first_name,
  last_name: user.last_name,
  address: user.address,
  order_id: props.order_id,
  shop_id: props.shop_id,
  external_id: user.external_id,
  ttclid: user.ttclid,
  ttp: user.ttp,
  locale: user.locale,
  url,
  referrer,
  ip: user.ip,
  user_agent: user.user_agent,
  contents: props.contents,
  content_ids: props.content_ids,
  num_items: props.num_items,
  content_type: props.content_type,
  currency: props.currency,
  value: props.value,
  description: props.description,
  query: props.query,
  limited_data_use: props.limited_data_use,
  test_event_code,
  delivery_category: props.delivery_category,
  predicted_ltv: props.predicted_ltv,
  search_string: props.search_string,
  crm_event_set_id,
  lead_fields,
  vehicle_fields,
  travel_fields,
  enable_batching,
  batch_size,
  batch_keys
}

const everyDefault = defaultValues(fields) as JSONObject

/**
 * The mapping a new mapping starts from, as Segment gives it: every field's default, except that
 * the travel and vehicle sub-fields (43 paths, resolved on every event a mapping receives) come only
 * with the group Additional Fields (`event_spec_type`) asks for. Mappings that ask for neither, the
 * presets among them, pay nothing for them. An Additional Fields that is itself a mapping directive
 * can ask for either: both come.
 */
export function defaultMapping(eventSpecType?: unknown): JSONObject {
  const mapping = { ...everyDefault }
  const fixed = eventSpecType === undefined || typeof eventSpecType === 'string'
  for (const group of [TRAVEL_FIELDS, VEHICLE_FIELDS]) if (fixed && eventSpecType !== group) delete mapping[group]
  return mapping
}
