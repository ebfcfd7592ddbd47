import { defaultValues } from '@segment/actions-core'
import type { ActionDefinition, JSONObject } from '@segment/actions-core'
import { batchKeys, batch_size, enable_batching } from '../../shared/fields/batching'
import { TRAVEL_FIELDS, VEHICLE_FIELDS } from '../constants'
import { crm_event_set_id, lead_fields } from './crm'
import { test_event_code, timestamp } from '../../shared/fields/event'
import { referrer, url } from '../../shared/fields/page'
import * as shared from '../../shared/fields/properties'
import * as sharedUser from '../../shared/fields/user'
import { event, event_id, event_source, event_spec_type } from './event'
import * as props from './properties'
import { travel_fields } from './travel'
import * as webUser from './user'
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
  phone_number: sharedUser.phone_number,
  default_phone_country: webUser.default_phone_country,
  email: sharedUser.email,
  first_name: webUser.first_name,
  last_name: webUser.last_name,
  address: webUser.address,
  order_id: shared.order_id,
  shop_id: shared.shop_id,
  external_id: sharedUser.external_id,
  ttclid: webUser.ttclid,
  ttp: webUser.ttp,
  locale: sharedUser.locale,
  url,
  referrer,
  ip: sharedUser.ip,
  user_agent: sharedUser.user_agent,
  contents: props.contents,
  content_ids: shared.content_ids,
  num_items: shared.num_items,
  content_type: props.content_type,
  currency: shared.currency,
  value: shared.value,
  description: shared.description,
  query: shared.query,
  limited_data_use: shared.limited_data_use,
  test_event_code,
  delivery_category: props.delivery_category,
  predicted_ltv: props.predicted_ltv,
  search_string: shared.search_string,
  crm_event_set_id,
  lead_fields,
  vehicle_fields,
  travel_fields,
  enable_batching,
  batch_size,
  batch_keys: batchKeys(['event_source', 'crm_event_set_id', 'test_event_code'])
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
