import type { DestinationDefinition } from '@segment/actions-core'
import type { Settings } from './generated-types'
import { presets } from './presets'
import { reportWebEventAt } from './reportWebEvent'
import { useUriSafeSchemaKeys } from './schema-keys'
import { testConnection, trackUrlFor } from './tiktok/api'

const EVENTS_API_DOCS = 'https://ads.tiktok.com/marketing_api/docs?id=1701890979375106'

export interface DestinationOptions {
  /**
   * Scheme and host every request of this instance goes to (a stand-in's; the path stays). Without
   * it, the `TIKTOK_API_URL` environment variable as each call starts, else TikTok's own host.
   */
  apiBaseUrl?: string
}

/**
 * A definition of this destination whose requests go to `apiBaseUrl`: a runtime that sends to
 * a stand-in builds one per URL (and keeps it); the default export is the one built without.
 */
export function destinationFor({ apiBaseUrl }: DestinationOptions = {}): DestinationDefinition<Settings> {
  const trackUrl = trackUrlFor(apiBaseUrl)
  return {
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
      testAuthentication: (request, { settings }) =>
        testConnection(request, settings.pixelCode, settings.accessToken, trackUrl())
    },
    extendRequest: ({ settings }) => ({
      headers: {
        'Access-Token': settings.accessToken,
        'Content-Type': 'application/json'
      }
    }),
    presets,
    actions: {
      reportWebEvent: reportWebEventAt(trackUrl)
    }
  }
}

/** The definition a host loads: it sends to TIKTOK_API_URL, read as each call starts, else to TikTok. */
const destination = destinationFor()

// Before any event: actions-core must be able to cache this destination's schemas (schema-keys.ts).
useUriSafeSchemaKeys(destination.name)

export default destination
