/**
 * A real Segment client (@segment/analytics-node) → the runtime → a TikTok stand-in on loopback.
 */
import { Analytics } from '@segment/analytics-node'
import { readFileSync, statSync } from 'node:fs'
import type { StandIn } from '../../src/runtime/tools/standin'
import type { Runtime } from '../../src/runtime'
import { sha } from '../helpers'
import {
  acceptedIds,
  deadLetters,
  orderCompleted,
  post,
  startTestRuntime,
  waitFor,
  type TestRuntime,
  startStandIn
} from './helpers'

const TOKEN = 'e2e-secret-token-c0ffee'
const PIXEL = 'E2EPIXEL'

let standIn: StandIn | undefined
let test: TestRuntime | undefined

const live = (url: string, env: Record<string, string> = {}) =>
  startTestRuntime({ TIKTOK_ACCESS_TOKEN: TOKEN, TIKTOK_PIXEL_CODE: PIXEL, TIKTOK_API_URL: url, ...env })

/** Sends `count` Order Completed events with analytics-node; resolves with their messageIds once flushed. */
async function sendWithAnalyticsNode(runtime: Runtime, count: number): Promise<string[]> {
  const analytics = new Analytics({
    writeKey: 'e2e-write-key',
    host: runtime.url,
    flushAt: 100,
    flushInterval: 100,
    maxRetries: 5
  })
  const ids: string[] = []
  for (let i = 0; i < count; i++) {
    const { userId, event, properties, context } = orderCompleted(i)
    analytics.track({ userId, event, properties, context }, (error, ctx) => {
      if (!error && ctx) ids.push(ctx.event.messageId as string)
    })
  }
  await analytics.closeAndFlush({ timeout: 20_000 })
  return ids
}

describe('the runtime, end to end', () => {
  it('delivers 1,000 events from analytics-node once each, hashed, in few requests', async () => {
    standIn = await startStandIn()
    test = await live(standIn.url)
    const ids = await sendWithAnalyticsNode(test.runtime, 1000)
    expect(ids).toHaveLength(1000)
    await waitFor(() => standIn!.stats.events >= 1000)
    await test.runtime.close()

    const seen = acceptedIds(standIn)
    expect(seen.size).toBe(1000)
    expect([...seen.values()].every((times) => times === 1)).toBe(true)
    expect(new Set(seen.keys())).toEqual(new Set(ids))
    expect(standIn.requests.length).toBeLessThanOrEqual(10)
    expect(standIn.requests[0].headers['access-token']).toBe(TOKEN)

    const first = standIn.requests
      .flatMap(({ body }) => body.data)
      .find((event) => event.properties?.order_id === 'order-7')
    expect(first?.user?.email).toEqual([sha('buyer7@example.com')])
    expect(first?.user?.phone).toEqual([sha('+14155550007')])
    const everything = JSON.stringify(standIn.requests.map(({ body }) => body)).toLowerCase()
    expect(everything).not.toContain('@example.com')
    expect(everything).not.toContain('555-0007')
  })

  it('still delivers every event exactly once when TikTok answers 40100 and 503 to some requests', async () => {
    const refused = new Set<number>()
    standIn = await startStandIn({
      script: (_body, n) => {
        if (n % 3 === 0) {
          refused.add(n)
          return { body: { code: 40100, message: 'Too many requests' } }
        }
        if (n % 3 === 1) {
          refused.add(n)
          return { status: 503, body: 'Service Unavailable' }
        }
        return undefined
      }
    })
    test = await live(standIn.url)
    const ids = await sendWithAnalyticsNode(test.runtime, 1000)
    await waitFor(() => standIn!.stats.events >= 1000, 20_000)
    await test.runtime.close()

    expect(refused.size).toBeGreaterThan(0)
    const seen = acceptedIds(standIn, (n) => !refused.has(n))
    expect(seen.size).toBe(1000)
    expect(new Set(seen.keys())).toEqual(new Set(ids))
    expect([...seen.values()].every((times) => times === 1)).toBe(true)
    expect(test.runtime.pipeline.counts).toMatchObject({ delivered: 1000, deadLettered: 0 })
    expect(test.logs.some((line) => / warn batch .*retrying=/.test(line))).toBe(true)
  })

  it('dead-letters events TikTok refuses for good, with the reason, in a file only its owner reads', async () => {
    standIn = await startStandIn({
      script: () => ({ body: { code: 40002, message: 'Invalid parameter: event_source_id is not a pixel' } })
    })
    test = await live(standIn.url)
    await post(`${test.runtime.url}/v1/batch`, { batch: [orderCompleted(1), orderCompleted(2)] })
    await waitFor(() => test!.runtime.pipeline.counts.deadLettered === 2)
    await test.runtime.close()

    const lines = deadLetters(test.deadLetterFile)
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatchObject({ mapping: 'Complete Payment', status: 400, event: { messageId: 'msg-1' } })
    expect(lines[0].reason).toContain('event_source_id is not a pixel')
    expect(statSync(test.deadLetterFile).mode & 0o777).toBe(0o600)
    expect(test.logs.find((line) => line.includes(' error batch '))).toMatch(/dead_lettered=2 .*attempt=1 .*reason=/)
    // The record and the log line count the same attempt.
    expect(lines.map((line) => line.attempts)).toEqual([1, 1])
  })

  it('keeps what TikTok has not taken by the shutdown deadline queued, and delivers it after the restart', async () => {
    standIn = await startStandIn({ script: () => ({ status: 503, body: 'down' }) })
    test = await live(standIn.url, { SHUTDOWN_TIMEOUT_MS: '300', RETRY_BASE_MS: '1000' })
    await post(`${test.runtime.url}/v1/batch`, { batch: [orderCompleted(1)] })
    await waitFor(() => standIn!.stats.requests > 0)
    await test.runtime.close()
    expect(test.runtime.pipeline.counts).toMatchObject({ queued: 1, delivered: 0, deadLettered: 0 })
    expect(test.logs.find((line) => line.includes(' info stopped '))).toMatch(/ still_queued=1$/)
    expect(readFileSync(test.deadLetterFile, 'utf8')).toBe('')

    const healthy = await startStandIn()
    const again = await live(healthy.url, { DATA_DIR: test.dataDir })
    await waitFor(() => healthy.stats.events === 1)
    expect(healthy.requests[0].body.data[0]).toMatchObject({ event: 'CompletePayment', event_id: 'msg-1' })
    await waitFor(() => again.runtime.pipeline.pending === 0)
  })

  it('in dry-run, prints the bodies it would send and sends nothing', async () => {
    standIn = await startStandIn()
    test = await startTestRuntime({ TIKTOK_API_URL: standIn.url, TIKTOK_PIXEL_CODE: PIXEL })
    expect(test.runtime.mode()).toBe('dry-run')
    await post(`${test.runtime.url}/v1/batch`, { batch: [orderCompleted(1), orderCompleted(2)] })
    await waitFor(() => test!.printed.length > 0)
    await test.runtime.close()

    expect(standIn.stats.requests).toBe(0)
    const body = JSON.parse(test.printed[0])
    expect(body).toMatchObject({ event_source: 'web', event_source_id: PIXEL })
    expect(body.data.map((event: { event_id: string }) => event.event_id)).toEqual(['msg-1', 'msg-2'])
    expect(body.data[0].user.email).toEqual([sha('buyer1@example.com')])
    expect(test.printed.join('\n')).not.toContain('@example.com')
    const deliveries = test.runtime.deliveries
    expect(deliveries[0].body).toEqual(body)
  })
})
