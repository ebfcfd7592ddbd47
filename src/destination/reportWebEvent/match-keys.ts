import type { MatchKeyFields } from '../shared/match-keys'

/** The match keys a web event can carry, and the fields of Report Web Event that fill each. */
export const WEB_MATCH_KEY_FIELDS: MatchKeyFields = {
  email: ['email'],
  phone: ['phone_number'],
  external_id: ['external_id'],
  ttclid: ['ttclid'],
  ttp: ['ttp'],
  ip_user_agent: ['ip', 'user_agent']
}
