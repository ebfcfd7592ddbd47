import type { DestinationDefinition } from '@segment/actions-core'
import type { Settings } from './generated-types'
import { presets } from './presets'
import reportWebEvent from './reportWebEvent'
import { useUriSafeSchemaKeys } from './schema-keys'
import { testConnection } from './tiktok/api'

const EVENTS_API_DOCS = 'https://ads.tiktok.com/marketing_api/docs?id=1701890979375106'

const destination: DestinationDefinition<Settings> = {
  name: 'Tiktok Conversions',
  slug: 'tiktok-conversions',
  mode: 'cloud',
  description:
    'Send website and CRM events from Segment to the TikTok Events API 2.0, with PII normalized and hashed with SHA-256.',
  authentication: {
    scheme: 'custom',
    fields: {
      accessToken: {
        label: 'Access Token',
        description: `Your TikTok Access Token. Please see TikTok’s [Events API documentation](${EVENTS_API_DOCS}) for information on how to generate an access token via the TikTok Ads Manager or API.`,
        type: 'password',
        required: true
      },
      pixelCode: {
        label: 'Pixel Code',
        description: `Your TikTok Pixel ID. Please see TikTok’s [Events API documentation](${EVENTS_API_DOCS}) for information on how to find this value.`,
        type: 'string',
        required: true
      }
    },
    testAuthentication: (request, { settings }) => testConnection(request, settings.pixelCode, settings.accessToken)
  },
  extendRequest: ({ settings }) => ({
    headers: {
      'Access-Token': settings.accessToken,
      'Content-Type': 'application/json'
    }
  }),
  presets,
  actions: {
    reportWebEvent
  }
}

// Before any event: actions-core must be able to cache this destination's schemas (schema-keys.ts).
useUriSafeSchemaKeys(destination.name)

export default destination
