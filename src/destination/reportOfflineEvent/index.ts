import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { sendingWith } from '../shared/send'
import type { TrackUrl } from '../tiktok/api'
import { fields } from './fields'
import type { Payload } from './generated-types'
import { prepareOfflineEvent } from './prepare'

/** The Report Offline Event action of a destination instance, sending to where `trackUrl` says. */
export const reportOfflineEventAt = (trackUrl: TrackUrl): ActionDefinition<Settings, Payload> => ({
  title: 'Track Offline Conversion',
  description:
    'Send details of an in-store or phone sale to the TikTok offline event set of the settings. It must carry an email, a phone number or an external ID.',
  fields,
  ...sendingWith(prepareOfflineEvent, trackUrl)
})
