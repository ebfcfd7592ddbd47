import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { sendingWith } from '../shared/send'
import type { TrackUrl } from '../tiktok/api'
import { fields } from './fields'
import type { Payload } from './generated-types'
import { prepareAppEvent } from './prepare'

/** The Report App Event action of a destination instance, sending to where `trackUrl` says. */
export const reportAppEventAt = (trackUrl: TrackUrl): ActionDefinition<Settings, Payload> => ({
  title: 'Report App Event',
  description:
    'Report App events directly to TikTok, to the TikTok App ID of the settings. Data shared can power TikTok solutions like dynamic product ads, custom targeting, campaign optimization and attribution.',
  fields,
  ...sendingWith(prepareAppEvent, trackUrl)
})
