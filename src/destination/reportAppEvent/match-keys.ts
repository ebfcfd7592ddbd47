import type { MatchKeyFields } from '../shared/match-keys'

/** The match keys an app event can carry, and the fields of Report App Event that fill each. */
export const APP_MATCH_KEY_FIELDS: MatchKeyFields = {
  email: ['email'],
  phone: ['phone_number'],
  external_id: ['external_id'],
  ip_user_agent: ['ip', 'user_agent'],
  idfa: ['advertising_id'],
  gaid: ['advertising_id'],
  idfv: ['device_details']
}
