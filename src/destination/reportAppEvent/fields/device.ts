import type { InputField } from '@segment/actions-core'
import { path } from '../../shared/fields/path'

export const advertising_id: InputField = {
  label: 'Mobile Advertising ID',
  type: 'string',
  description:
    'The advertising ID of the device: the IDFA on iOS, the GAID on Android. Hashed with SHA-256 before it is sent (on iOS lowercased first); sent as `idfa` or `gaid` by Device Type. An all-zero ID, and on iOS one equal to the Device ID (the IDFV some apps send when tracking is not allowed), is not sent.',
  default: path('$.context.device.advertisingId')
}

export const device_details: InputField = {
  label: 'Device Details',
  type: 'object',
  description: 'The device the event took place on: it says which advertising ID is sent, and the IDFV on iOS.',
  defaultObjectUI: 'keyvalue',
  additionalProperties: false,
  properties: {
    device_type: {
      label: 'Device Type',
      type: 'string',
      description: 'ios or android (in any case); any other type sends no advertising ID.'
    },
    device_id: {
      label: 'Device ID',
      type: 'string',
      description: 'The iOS IDFV. Android Device ID is not supported.'
    },
    device_version: {
      label: 'Device Version',
      type: 'string',
      description: 'The version of the operating system, for the AUTO App Tracking Transparency Status.'
    },
    ad_tracking_enabled: {
      label: 'Ad Tracking Enabled',
      type: 'boolean',
      description: 'Whether the user allows ad tracking, for the AUTO App Tracking Transparency Status.'
    }
  },
  default: {
    device_type: path('$.context.device.type'),
    device_id: path('$.context.device.id'),
    device_version: path('$.context.os.version'),
    ad_tracking_enabled: path('$.context.device.adTrackingEnabled')
  }
}
