import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { sendingWith } from '../shared/send'
import type { TrackUrl } from '../tiktok/api'
import { fields } from './fields'
import type { Payload } from './generated-types'
import { prepareEvent } from './prepare'

/** The Report Web Event action of a destination instance, sending to where `trackUrl` says. */
export const reportWebEventAt = (trackUrl: TrackUrl): ActionDefinition<Settings, Payload> => ({
  title: 'Report Web Event',
  description:
    'Report Web events directly to TikTok. Data shared can power TikTok solutions like dynamic product ads, custom targeting, campaign optimization and attribution.',
  fields,
  ...sendingWith(prepareEvent, trackUrl)
})
