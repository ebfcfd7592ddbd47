import { gzipSync } from 'node:zlib'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StandIn } from '../../src/runtime/tools/standin'
import {
  deadLetters,
  orderCompleted,
  post,
  startTestRuntime,
  waitFor,
  type TestRuntime,
  startStandIn,
  withKey
} from './helpers'

const TOKEN = 'server-test-token-9f9f9f'

let standIn: StandIn | undefined
let test: TestRuntime | undefined

describe('the Tracking API', () => {
  it.each([
    ['/v1/track', '{"userId": ', 400, 'invalid_json', 'The body is not valid JSON.'],
    ['/v1/track', '[1]', 400, 'invalid_request', 'The body must be a JSON object.'],
    ['/v1/track', '{"userId": "u"}', 400, 'invalid_message', 'Invalid track call: a track call needs an "event" name.'],
    ['/v1/batch', '{"batch": "no"}', 400, 'invalid_request', 'A batch call needs "batch": a list of messages.'],
    ['/v1/nothing', '{}', 404, 'not_found', 'No Tracking API endpoint /v1/nothing.']
  ])('answers %s with %s and a code for a bad body, and keeps serving', async (path, body, status, code, message) => {
    test = await startTestRuntime()
    const bad = await post(`${test.runtime.url}${path}`, body)
    expect(bad).toMatchObject({ status, json: { success: false, code, message } })
    const good = await post(`${test.runtime.url}/v1/track`, orderCompleted(1))
    expect(good).toMatchObject({ status: 200, json: { success: true } })
  })

  it("holds to Segment's limits: a batch over 500 KB and a single call over 32 KB get 400; an event over 32 KB is refused by name", async () => {
    test = await startTestRuntime()
    const url = test.runtime.url
    const padded = (i: number, bytes: number) => ({ ...orderCompleted(i), properties: { note: 'x'.repeat(bytes) } })
    const big = await post(`${url}/v1/batch`, { batch: Array.from({ length: 600 }, (_, i) => padded(i, 1000)) })
    expect(big).toMatchObject({
      status: 400,
      json: {
        success: false,
        code: 'payload_too_large',
        message: 'The body is larger than 500 KB, the largest batch (MAX_BATCH_KB) the Tracking API takes.'
      }
    })
    const single = await post(`${url}/v1/track`, padded(1, 40_000))
    expect(single).toMatchObject({
      status: 400,
      json: { code: 'payload_too_large', message: expect.stringContaining('the largest single call (MAX_EVENT_KB)') }
    })
    const mixed = await post(`${url}/v1/batch`, { batch: [orderCompleted(2), padded(3, 40_000), orderCompleted(4)] })
    expect(mixed).toMatchObject({
      status: 200,
      json: {
        success: true,
        rejected: [{ index: 1, reason: expect.stringMatching(/^the message is [\d,]+ bytes, over the 32 KB/) }],
        rejectedCount: 1
      }
    })
    expect(test.runtime.pipeline.counts.received).toBe(2)
  })

  it('takes larger batches and events with MAX_BATCH_KB and MAX_EVENT_KB', async () => {
    test = await startTestRuntime({ MAX_BATCH_KB: '1024', MAX_EVENT_KB: '64' })
    const padded = (i: number, bytes: number) => ({ ...orderCompleted(i), properties: { note: 'x'.repeat(bytes) } })
    const batch = [...Array.from({ length: 599 }, (_, i) => padded(i, 1000)), padded(599, 40_000)]
    expect(await post(`${test.runtime.url}/v1/batch`, { batch })).toMatchObject({
      status: 200,
      json: { success: true }
    })
    expect(test.runtime.pipeline.counts.received).toBe(600)
  })

  it('counts the gunzipped bytes of a gzipped batch against MAX_BATCH_KB', async () => {
    test = await startTestRuntime()
    const batch = Array.from({ length: 600 }, (_, i) => ({
      ...orderCompleted(i),
      properties: { note: 'x'.repeat(1000) }
    }))
    const body = gzipSync(JSON.stringify({ batch }))
    expect(body.length).toBeLessThan(100_000)
    const answer = await fetch(`${test.runtime.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body
    })
    expect(answer.status).toBe(400)
    expect(await answer.json()).toMatchObject({ code: 'payload_too_large' })
  })

  it('takes every message type on its endpoint', async () => {
    test = await startTestRuntime()
    for (const [path, body] of [
      ['/v1/track', { userId: 'u', event: 'Signed Up' }],
      ['/v1/page', { userId: 'u', name: 'Home' }],
      ['/v1/screen', { userId: 'u', name: 'Home' }],
      ['/v1/identify', { userId: 'u', traits: { email: 'a@example.com' } }],
      ['/v1/group', { userId: 'u', groupId: 'g' }],
      ['/v1/alias', { userId: 'u', previousId: 'p' }]
    ] as const) {
      expect((await post(`${test.runtime.url}${path}`, body)).status).toBe(200)
    }
    expect(test.runtime.pipeline.counts).toMatchObject({ received: 6, unmatched: 4, queued: 2 })
  })

  it('checks the write key only when SEGMENT_WRITE_KEY is set', async () => {
    test = await startTestRuntime({ SEGMENT_WRITE_KEY: 'right-key' })
    const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` })
    expect((await post(`${test.runtime.url}/v1/track`, orderCompleted(1), basic('wrong'))).status).toBe(401)
    expect((await post(`${test.runtime.url}/v1/track`, orderCompleted(1))).status).toBe(401)
    expect((await post(`${test.runtime.url}/v1/track`, orderCompleted(1), basic('right-key'))).status).toBe(200)
    expect((await post(`${test.runtime.url}/v1/track`, { ...orderCompleted(2), writeKey: 'right-key' })).status).toBe(
      200
    )
  })

  it('answers 429 with Retry-After past the queue limit, and 413 to a request larger than the limit', async () => {
    // Nothing drains (no flush for a minute): the client is told to wait, not to hammer.
    test = await startTestRuntime({ QUEUE_LIMIT: '3', FLUSH_INTERVAL_MS: '60000' })
    const batch = (ids: number[]) => ({ batch: ids.map(orderCompleted) })
    expect((await post(`${test.runtime.url}/v1/batch`, batch([1, 2]))).status).toBe(200)
    const full = await post(`${test.runtime.url}/v1/batch`, batch([3, 4]))
    expect(full).toMatchObject({
      status: 429,
      json: { success: false, code: 'rate_limited', message: 'The queue holds 2 deliveries (limit 3); retry later.' }
    })
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    // No retry can make 4 deliveries fit a queue of 3: a final answer, so the client does not loop.
    const never = await post(`${test.runtime.url}/v1/batch`, batch([5, 6, 7, 8]))
    expect(never).toMatchObject({
      status: 413,
      json: {
        success: false,
        code: 'payload_too_large',
        message: 'This request makes 4 deliveries; the queue holds at most 3 (QUEUE_LIMIT): send smaller batches.'
      }
    })
    expect(test.runtime.pipeline.pending).toBe(2)
  })

  it('counts the deliveries an event makes against the queue limit, not the messages', async () => {
    const mappings = join(mkdtempSync(join(tmpdir(), 'mappings-')), 'mappings.json')
    writeFileSync(
      mappings,
      JSON.stringify([
        { name: 'Purchases', subscribe: 'event = "Order Completed"', mapping: { event: 'Purchase' } },
        { name: 'All tracks', subscribe: 'type = "track"', mapping: { event: 'ViewContent' } }
      ])
    )
    test = await startTestRuntime({ MAPPINGS: mappings, QUEUE_LIMIT: '3', FLUSH_INTERVAL_MS: '60000' })
    expect((await post(`${test.runtime.url}/v1/track`, orderCompleted(1))).status).toBe(200)
    expect(test.runtime.pipeline.pending).toBe(2)
    const full = await post(`${test.runtime.url}/v1/batch`, { batch: [orderCompleted(2)] })
    expect(full.status).toBe(429)
    expect(test.runtime.pipeline.pending).toBe(2)
  })

  it('skips, counts and logs events that turn the destination off or match nothing', async () => {
    test = await startTestRuntime()
    await post(`${test.runtime.url}/v1/batch`, {
      batch: [
        { ...orderCompleted(1), integrations: { 'Tiktok Conversions': false } },
        { ...orderCompleted(2), integrations: { All: false } },
        { ...orderCompleted(3), integrations: { All: false, 'Tiktok Conversions': true } },
        orderCompleted(4),
        { type: 'track', userId: 'u', event: 'Nothing Matches This' }
      ]
    })
    await waitFor(() => test!.printed.length > 0 && test!.logs.some((line) => line.includes(' info not routed ')))
    expect(test.runtime.pipeline.counts).toMatchObject({ received: 5, skipped: 2, unmatched: 1, queued: 2 })
    const sent = JSON.parse(test.printed[0]).data.map((event: { event_id: string }) => event.event_id)
    expect(sent).toEqual(['msg-3', 'msg-4'])
    expect(test.logs.find((line) => line.includes(' info not routed '))).toMatch(
      /skipped=2 skipped_why="their integrations object turns Tiktok Conversions off" unmatched=1 unmatched_why="no subscription trigger matches them, or none that matches takes their kind of source \(web or app\)"/
    )
  })

  it('lets analytics.js post from another origin (CORS)', async () => {
    test = await startTestRuntime()
    const preflight = await fetch(`${test.runtime.url}/v1/t`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' }
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
  })

  it('shows /deliveries only to its own host name (no DNS rebinding)', async () => {
    test = await startTestRuntime()
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${test!.runtime.url}/deliveries`, { headers: { host: 'attacker.example' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(421)
    expect((await fetch(`${test.runtime.url}/deliveries`, { headers: withKey(test.runtime) })).status).toBe(200)
  })

  it('answers GET /health with the mode and counts', async () => {
    test = await startTestRuntime()
    const response = await fetch(`${test.runtime.url}/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'ok', mode: 'dry-run', pending: 0 })
  })

  it('answers HEAD wherever it answers GET, with the headers and no body', async () => {
    test = await startTestRuntime()
    const { url } = test.runtime
    for (const [path, headers] of [
      ['/health', {}],
      ['/metrics', {}],
      ['/deliveries', withKey(test.runtime)],
      ['/', withKey(test.runtime)]
    ] as const) {
      const get = await fetch(`${url}${path}`, { headers })
      const head = await fetch(`${url}${path}`, { method: 'HEAD', headers })
      expect([path, head.status, head.headers.get('content-type')]).toEqual([
        path,
        get.status,
        get.headers.get('content-type')
      ])
      expect(head.status).toBe(200)
      expect(await head.text()).toBe('')
    }
    expect((await fetch(`${url}/deliveries`, { method: 'HEAD' })).status).toBe(401)
    expect((await fetch(`${url}/nothing`, { method: 'HEAD' })).status).toBe(404)
  })
})

describe('secrets and PII', () => {
  it('never write the access token or raw PII in a log line, /health or /deliveries', async () => {
    standIn = await startStandIn({
      script: (_body, n) => (n === 0 ? { body: { code: 40105, message: `token ${TOKEN} expired` } } : undefined)
    })
    test = await startTestRuntime({
      TIKTOK_ACCESS_TOKEN: TOKEN,
      TIKTOK_PIXEL_CODE: 'PIX',
      TIKTOK_API_URL: standIn.url,
      AUTH_RETRY_MS: '50'
    })
    await post(`${test.runtime.url}/v1/batch`, {
      batch: [orderCompleted(1), { ...orderCompleted(2), event: 'Bad Name!', properties: { currency: 'nope' } }]
    })
    // Held on the refusal, then delivered once TikTok takes the token.
    await waitFor(() => test!.runtime.pipeline.counts.delivered === 1)
    await post(`${test.runtime.url}/v1/batch`, { batch: [orderCompleted(3)] })
    await waitFor(() => test!.runtime.pipeline.counts.delivered === 2)
    const pages = [
      await (await fetch(`${test.runtime.url}/health`)).text(),
      await (await fetch(`${test.runtime.url}/deliveries`, { headers: withKey(test.runtime) })).text()
    ]
    await test.runtime.close()
    const everything = [...test.logs, ...pages].join('\n')
    expect(test.logs.some((line) => line.includes('[access token] expired'))).toBe(true)
    expect(everything).not.toContain(TOKEN)
    for (const pii of ['buyer1@example.com', 'Buyer2@Example.com', '555-0001', 'user-1']) {
      expect(everything.toLowerCase()).not.toContain(pii.toLowerCase())
    }
  })
})

describe('the dead-letter file', () => {
  it('must be writable for the runtime to start', async () => {
    const blocker = join(mkdtempSync(join(tmpdir(), 'dead-letter-')), 'a-file')
    writeFileSync(blocker, '')
    await expect(startTestRuntime({ DEAD_LETTER_FILE: join(blocker, 'dead-letter.jsonl') })).rejects.toThrow(
      /dead-letter .*dead-letter\.jsonl is not writable/
    )
  })

  it('failing to take a write keeps the events queued until it can, and the runtime goes on', async () => {
    standIn = await startStandIn({
      script: () => ({ body: { code: 40002, message: 'Batch.0.event: Not a valid event' } })
    })
    test = await startTestRuntime({ TIKTOK_ACCESS_TOKEN: TOKEN, TIKTOK_PIXEL_CODE: 'PIX', TIKTOK_API_URL: standIn.url })
    rmSync(test.deadLetterFile)
    mkdirSync(test.deadLetterFile) // appending to a directory fails
    await post(`${test.runtime.url}/v1/batch`, { batch: [orderCompleted(1)] })
    await waitFor(() => test!.logs.some((line) => line.includes('dead-letter write failed')))
    expect(test.logs.find((line) => line.includes('dead-letter write failed'))).toMatch(
      /error dead-letter write failed: the events stay queued file=.* events=1 mapping="Complete Payment" error=/
    )
    expect(test.runtime.pipeline.counts).toMatchObject({ deadLettered: 0, delivered: 0 })
    expect(test.runtime.pipeline.pending).toBe(1)
    // Once the file can be written, the next attempt writes the record: nothing was lost meanwhile.
    rmSync(test.deadLetterFile, { recursive: true })
    await waitFor(() => test!.runtime.pipeline.counts.deadLettered === 1)
    expect(test.runtime.pipeline.pending).toBe(0)
    const [record] = deadLetters(test.deadLetterFile)
    expect(record).toMatchObject({ mapping: 'Complete Payment', status: 400, event: { messageId: 'msg-1' } })
  })
})

describe('GET /metrics', () => {
  it('counts what was received, queued, delivered and dead-lettered, in Prometheus text', async () => {
    standIn = await startStandIn()
    test = await startTestRuntime({ TIKTOK_ACCESS_TOKEN: TOKEN, TIKTOK_PIXEL_CODE: 'PIX', TIKTOK_API_URL: standIn.url })
    const refused = { ...orderCompleted(3), properties: { ...orderCompleted(3).properties, currency: 'dollars' } }
    await post(`${test.runtime.url}/v1/batch`, {
      batch: [orderCompleted(1), orderCompleted(2), refused, { type: 'track', userId: 'u', event: 'Nothing Maps This' }]
    })
    await waitFor(() => test!.runtime.pipeline.pending === 0 && test!.runtime.pipeline.counts.deadLettered === 1)
    const response = await fetch(`${test.runtime.url}/metrics`)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await response.text()
    for (const line of [
      'tiktok_conversions_events_received_total 4',
      'tiktok_conversions_events_unmatched_total 1',
      'tiktok_conversions_deliveries_queued_total 3',
      'tiktok_conversions_deliveries_delivered_total{mapping="Complete Payment"} 2',
      'tiktok_conversions_deliveries_dead_lettered_total{mapping="Complete Payment"} 1',
      'tiktok_conversions_queue_depth 0',
      'tiktok_conversions_queue_oldest_pending_age_seconds 0',
      'tiktok_conversions_delivery_held 0',
      'tiktok_conversions_batch_duration_seconds_count 1'
    ]) {
      expect(text.split('\n')).toContain(line)
    }
    expect(text).not.toContain('buyer1')
  })
})

describe('files that hold events', () => {
  it('keeps nothing of a delivered event in the queue file once it is delivered', async () => {
    test = await startTestRuntime({ FLUSH_INTERVAL_MS: '20' })
    const event = {
      ...orderCompleted(1),
      properties: { ...orderCompleted(1).properties, email: 'erased.buyer@example.com' }
    }
    expect((await post(`${test.runtime.url}/v1/track`, event)).status).toBe(200)
    await waitFor(() => test!.runtime.pipeline.counts.delivered === 1)
    await test.runtime.close()
    const queueFiles = readdirSync(test.dataDir).filter((name) => name.startsWith('queue.db'))
    expect(queueFiles).toContain('queue.db')
    for (const name of queueFiles) {
      expect([name, readFileSync(join(test.dataDir, name)).includes('erased.buyer@example.com')]).toEqual([name, false])
    }
  })

  it('DATA_DIR is made 0700 and the queue and dead-letter files 0600, whatever they were', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tiktok-modes-'))
    chmodSync(dataDir, 0o755)
    const deadLetter = join(dataDir, 'dead-letter.jsonl')
    writeFileSync(deadLetter, '', { mode: 0o644 })
    chmodSync(deadLetter, 0o644)
    standIn = await startStandIn({ script: () => ({ body: { code: 40002, message: 'Invalid parameter' } }) })
    test = await startTestRuntime({
      DATA_DIR: dataDir,
      TIKTOK_ACCESS_TOKEN: TOKEN,
      TIKTOK_PIXEL_CODE: 'PIX',
      TIKTOK_API_URL: standIn.url
    })
    const mode = (path: string) => statSync(path).mode & 0o777
    expect(mode(dataDir)).toBe(0o700)
    expect(mode(deadLetter)).toBe(0o600)
    expect(mode(join(dataDir, 'queue.db'))).toBe(0o600)
    // Someone opens it up while the runtime runs: the next write closes it again before PII goes in.
    chmodSync(deadLetter, 0o644)
    await post(`${test.runtime.url}/v1/track`, orderCompleted(1))
    await waitFor(() => test!.runtime.pipeline.counts.deadLettered === 1)
    expect(mode(deadLetter)).toBe(0o600)
    expect(readFileSync(deadLetter, 'utf8')).toContain('"messageId":"msg-1"')
  })
})
