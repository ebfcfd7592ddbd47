import type { ActionDefinition } from '@segment/actions-core'
import type { Settings } from '../generated-types'
import { sendEvents } from '../tiktok/api'
import { buildEnvelope, buildEvent } from './build'
import { fields } from './fields'
import type { Payload } from './generated-types'

const action: ActionDefinition<Settings, Payload> = {
  title: 'Report Web Event',
  description:
    'Report Web events directly to TikTok. Data shared can power TikTok solutions like dynamic product ads, custom targeting, campaign optimization and attribution.',
  fields,
  perform: (request, { payload, settings }) => {
    const envelope = buildEnvelope(payload, settings)
    const event = buildEvent(payload, Math.floor(Date.now() / 1000))
    return sendEvents(request, { ...envelope, data: [event] }, settings.accessToken)
  }
}

export default action
