import type { InputField } from '@segment/actions-core'
import { path } from '../../shared/fields/path'
import { APP, ATT_STATUSES } from '../constants'

const APP_EVENTS_DOCS = 'https://business-api.tiktok.com/portal/docs?id=1771101111730178'

export const event_source: InputField = {
  label: 'Event Source',
  type: 'string',
  required: true,
  description: 'The type of events you are uploading through TikTok Events API.',
  default: APP,
  choices: [{ value: APP, label: 'The events took place on a Mobile App.' }]
}

export const event: InputField = {
  label: 'Event Name',
  type: 'string',
  required: true,
  description: `Conversion event name: a TikTok app event (Purchase, Checkout, AddToCart, InstallApp, LaunchAPP, Login, Registration, ViewContent…) or a custom name. See TikTok's [Events API for apps](${APP_EVENTS_DOCS}).`
}

export const event_id: InputField = {
  label: 'Event ID',
  type: 'string',
  description: 'Any hashed ID that can identify a unique user/session. By default the message ID.',
  default: path('$.messageId')
}

export const att_status: InputField = {
  label: 'App Tracking Transparency Status',
  type: 'string',
  required: true,
  description: `The App Tracking Transparency status of the user on iOS: one of ${ATT_STATUSES.join(', ')} (in any case). AUTO works it out from the device: on iOS 14 and later, AUTHORIZED or DENIED by Ad Tracking Enabled, NOT_DETERMINED when unknown; on iOS before 14 and on Android, NOT_APPLICABLE.`,
  default: 'AUTO'
}
