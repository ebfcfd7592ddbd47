/**
 * Segment's Node clients, unchanged, against the runtime's answers they must handle as designed: a 401
 * is final (one request, an error to the caller, nothing to TikTok), a 429 is retried until the queue
 * has room (the event reaches TikTok once).
 */
import { Analytics } from '@segment/analytics-node'
import type { StandIn } from '../../../src/runtime/tools/standin'
import { sha } from '../../helpers'
import { orderCompleted, post, startStandIn, startTestRuntime, waitFor, type TestRuntime } from '../helpers'
import { startRecorder, type Recorder } from './recorder'

interface AnalyticsNode6 {
  track(message: object, callback: (error?: Error) => void): void
}
const AnalyticsNode6 = require('analytics-node') as new (
  writeKey: string,
  options: { host: string; flushAt: number; retryCount: number; errorHandler: (error: Error) => void }
) => AnalyticsNode6

type Send = (host: string, writeKey: string, message: object) => Promise<Error | undefined>

/**
 * Each client sends one message and resolves with the error it reports, once it is done with it; and
 * whether its retries carry X-Retry-Count.
 */
const CLIENTS: [string, Send, boolean][] = [
  [
    'analytics-node 6.x',
    (host, writeKey, message) =>
      new Promise((resolve) => {
        // errorHandler: without it, the client's first automatic flush rejects with nobody to catch it.
        const analytics = new AnalyticsNode6(writeKey, { host, flushAt: 1, retryCount: 5, errorHandler: () => {} })
        analytics.track(message, (error) => resolve(error ?? undefined))
      }),
    false
  ],
  [
    '@segment/analytics-node',
    async (host, writeKey, message) => {
      const analytics = new Analytics({ writeKey, host, flushAt: 1, maxRetries: 5 })
      const error = await new Promise<Error | undefined>((resolve) =>
        analytics.track(message as Parameters<Analytics['track']>[0], (error) => resolve(error as Error | undefined))
      )
      await analytics.closeAndFlush({ timeout: 5_000 })
      return error
    },
    true
  ]
]

const message = (i: number) => {
  const { userId, event, properties, context } = orderCompleted(i)
  return { userId, event, properties, context }
}

let test: TestRuntime
let standIn: StandIn
let recorder: Recorder | undefined

afterEach(async () => {
  await recorder?.close()
  recorder = undefined
})

describe.each(CLIENTS)('%s', (_name, send, countsRetries) => {
  it('stops at a 401 for a wrong write key: one request, an error, nothing sent to TikTok', async () => {
    standIn = await startStandIn()
    test = await startTestRuntime({
      SEGMENT_WRITE_KEY: 'right-key',
      TIKTOK_ACCESS_TOKEN: 'client-test-token',
      TIKTOK_PIXEL_CODE: 'PIX',
      TIKTOK_API_URL: standIn.url
    })
    recorder = await startRecorder(test.runtime.url)
    const error = await send(recorder.url, 'wrong-key', message(1))
    expect(error).toBeDefined()
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(recorder.requests.map(({ path, status }) => [path, status])).toEqual([['/v1/batch', 401]])
    expect(test.runtime.pipeline.counts.received).toBe(0)
    expect(standIn.requests).toEqual([])

    expect(await send(recorder.url, 'right-key', message(2))).toBeUndefined()
    await waitFor(() => standIn.stats.events === 1)
    expect(standIn.requests[0].body.data[0]).toMatchObject({
      event: 'CompletePayment',
      event_id: expect.any(String),
      user: { email: [sha('buyer2@example.com')], ip: '203.0.113.9' },
      properties: { order_id: 'order-2' }
    })
  })

  it('retries a 429 (queue full) until the queue has room; TikTok gets the event once', async () => {
    // The queue holds one event, and TikTok takes a second to answer: while the first event is in
    // flight, the client's post is refused with 429.
    standIn = await startStandIn({ latencyMs: 800 })
    test = await startTestRuntime({
      QUEUE_LIMIT: '1',
      FLUSH_INTERVAL_MS: '20',
      TIKTOK_ACCESS_TOKEN: 'client-test-token',
      TIKTOK_PIXEL_CODE: 'PIX',
      TIKTOK_API_URL: standIn.url
    })
    recorder = await startRecorder(test.runtime.url)
    expect((await post(`${test.runtime.url}/v1/track`, orderCompleted(0))).status).toBe(200)
    await waitFor(() => standIn.stats.requests === 1)

    expect(await send(recorder.url, 'any-key', message(1))).toBeUndefined()
    const statuses = recorder.requests.map(({ status }) => status)
    expect(statuses[0]).toBe(429)
    expect(statuses.at(-1)).toBe(200)
    expect(statuses.slice(0, -1).every((status) => status === 429)).toBe(true)
    const retryCounts = recorder.requests.map(({ headers }) => headers['x-retry-count'])
    expect(retryCounts).toEqual(recorder.requests.map((_, i) => (countsRetries && i > 0 ? String(i) : undefined)))

    await waitFor(() => standIn.stats.events === 2)
    const sent = standIn.requests.flatMap(({ body }) => body.data)
    expect(sent.map((event) => event.properties?.order_id)).toEqual(['order-0', 'order-1'])
    expect(sent[1].user).toMatchObject({ email: [sha('buyer1@example.com')], ip: '203.0.113.9' })
  })
})
