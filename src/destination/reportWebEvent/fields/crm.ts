import type { InputField } from '@segment/actions-core'
import { CRM } from '../constants'
import { path } from '../../shared/fields/path'

const whenCrm = { conditions: [{ fieldKey: 'event_source', operator: 'is' as const, value: CRM }] }

export const crm_event_set_id: InputField = {
  label: 'CRM Event Set ID',
  type: 'string',
  description:
    'The ID of the CRM Event Set in TikTok Events Manager that receives CRM lead events. Required when Event Source is CRM: CRM events are sent to this event set, never to the Pixel.',
  required: whenCrm,
  depends_on: whenCrm
}

export const lead_fields: InputField = {
  label: 'CRM Fields',
  type: 'object',
  description: 'Fields related to CRM events.',
  additionalProperties: false,
  defaultObjectUI: 'keyvalue',
  properties: {
    lead_id: {
      label: 'TikTok Lead ID',
      type: 'string',
      description: 'ID of the TikTok lead, as exported from TikTok with the lead.'
    },
    lead_event_source: {
      label: 'TikTok Lead Event Source',
      type: 'string',
      description: 'The CRM system the lead event comes from, such as HubSpot or Salesforce.'
    }
  },
  default: {
    lead_id: path('$.properties.lead_id'),
    lead_event_source: path('$.properties.lead_event_source')
  },
  depends_on: whenCrm
}
