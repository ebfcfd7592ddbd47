import type { InputField } from '@segment/actions-core'
import { path } from '../../shared/fields/path'

export const app: InputField = {
  label: 'App Information',
  type: 'object',
  required: true,
  description: 'The app the event took place in.',
  defaultObjectUI: 'keyvalue',
  additionalProperties: false,
  properties: {
    app_id: {
      label: 'Mobile App ID',
      type: 'string',
      required: true,
      description:
        'The ID of the app: on iOS the App Store ID, on Android the Google Play ID or package name (by default the bundle ID or package name Segment’s libraries send as context.app.namespace).'
    },
    app_name: { label: 'App Name', type: 'string', description: 'The name of the app.' },
    app_version: { label: 'App Version', type: 'string', description: 'The version of the app.' }
  },
  default: {
    app_id: path('$.context.app.namespace'),
    app_name: path('$.context.app.name'),
    app_version: path('$.context.app.version')
  }
}

export const ad: InputField = {
  label: 'Ad Information',
  type: 'object',
  description: 'The ad the event is attributed to.',
  defaultObjectUI: 'keyvalue',
  additionalProperties: false,
  properties: {
    callback: { label: 'Callback', type: 'string', description: 'Callback information of the ad.' },
    campaign_id: { label: 'Campaign ID', type: 'string', description: 'Campaign ID.' },
    ad_id: { label: 'Ad Group ID', type: 'string', description: 'Ad group ID.' },
    creative_id: { label: 'Creative ID', type: 'string', description: 'Ad ID.' },
    is_retargeting: { label: 'Is Retargeting', type: 'boolean', description: 'Whether the campaign is retargeting.' },
    attributed: { label: 'Attributed', type: 'boolean', description: 'Whether the event is attributed.' },
    attribution_type: { label: 'Attribution Type', type: 'string', description: 'Attribution type.' },
    attribution_provider: { label: 'Attribution Provider', type: 'string', description: 'Attribution provider.' }
  },
  default: {
    campaign_id: path('$.properties.campaign.name'),
    ad_id: path('$.properties.campaign.ad_group'),
    creative_id: path('$.properties.campaign.ad_creative'),
    attribution_provider: path('$.properties.provider')
  }
}
