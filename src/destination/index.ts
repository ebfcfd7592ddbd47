import type { DestinationDefinition } from '@segment/actions-core'
import type { Settings } from './generated-types'
import { presets } from './presets'
import { reportAppEventAt } from './reportAppEvent'
import { reportOfflineEventAt } from './reportOfflineEvent'
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
      'Send website, app, offline and CRM events from Segment to the TikTok Events API 2.0, with PII normalized and hashed with SHA-256.',
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
        },
        appID: {
          label: 'TikTok App ID',
          description:
            'Your TikTok App ID, from TikTok Events Manager (Assets → Events → App Events): the app events of Report App Event are sent to it. Without it, app events are not sent as app events.',
          type: 'string'
        },
        offlineEventSetID: {
          label: 'Offline Event Set ID',
          description:
            'The ID of your offline event set in TikTok Events Manager: the in-store and phone sales of Report Offline Event are sent to it.',
          type: 'string'
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
      reportWebEvent: reportWebEventAt(trackUrl),
      reportAppEvent: reportAppEventAt(trackUrl),
      reportOfflineEvent: reportOfflineEventAt(trackUrl)
    }
  }
}

/** The definition a host loads: it sends to TIKTOK_API_URL, read as each call starts, else to TikTok. */
const destination = destinationFor()

// Before any event: actions-core must be able to cache this destination's schemas (schema-keys.ts).
useUriSafeSchemaKeys(destination.name)

export default destination
