/** Values of the Event Source field. */
export const WEB = 'web'
export const CRM = 'crm'

/** Values of the Additional Fields field. */
export const TRAVEL_FIELDS = 'travel_fields'
export const VEHICLE_FIELDS = 'vehicle_fields'

/** TikTok's standard web event names (Events API 2.0). Any other name must pass the custom-name rule. */
export { STANDARD_EVENTS } from '../shared/event-names'
