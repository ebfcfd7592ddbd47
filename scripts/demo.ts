/**
 * `npm run demo`: every preset's sample Segment event through the destination (actions-core's
 * Destination) against an embedded TikTok stand-in on loopback: the web samples with the fifteen web
 * presets subscribed, the iOS samples with the eleven app presets (as the runtime routes events from
 * a mobile app once a TikTok App ID is set). Prints the body TikTok would receive for each, PII hashed.
 * Needs no TikTok account; nothing leaves this machine.
 */
import { Destination } from '@segment/actions-core'
import type { JSONObject, Preset } from '@segment/actions-core'
import destination from '../src'
import { appPresets, presets, webPresets } from '../src/destination/presets'
import { appSampleEvents, sampleEvents } from '../src/page/samples'
import { startTikTokStandIn } from '../src/runtime/tools/standin'

async function main() {
  const standIn = await startTikTokStandIn()
  process.env.TIKTOK_API_URL = standIn.url
  const runtime = new Destination(destination)
  const settings = { accessToken: 'demo-access-token', pixelCode: 'DEMOPIXEL', appID: 'DEMOAPP' }
  const kinds: [Preset[], typeof sampleEvents][] = [
    [webPresets, sampleEvents],
    [appPresets, appSampleEvents]
  ]
  try {
    for (const [subscriptions, samples] of kinds) {
      for (const preset of subscriptions) {
        const event = samples[preset.name as string]
        const before = standIn.requests.length
        await runtime.onEvent(event, { ...settings, subscriptions } as unknown as JSONObject)
        const trigger = 'subscribe' in preset ? preset.subscribe : ''
        console.log(`\n── ${preset.name}: ${trigger} → ${preset.mapping?.event}`)
        for (const { body } of standIn.requests.slice(before)) console.log(JSON.stringify(body, null, 2))
      }
    }
  } finally {
    await standIn.close()
  }
  console.log(
    `\n${presets.length} sample events, ${standIn.stats.requests} requests to the TikTok stand-in at ${standIn.url}; nothing left this machine.`
  )
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
