import type { MatchKeyFields } from '../shared/match-keys'

/** The match keys an offline event can carry, and the fields of Report Offline Event that fill each. */
export const OFFLINE_MATCH_KEY_FIELDS: MatchKeyFields = {
  email: ['email_addresses'],
  phone: ['phone_numbers'],
  external_id: ['external_ids'],
  ttclid: ['ttclid'],
  ttp: ['ttp']
}
