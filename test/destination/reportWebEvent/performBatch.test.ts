import { createTestIntegration, defaultValues, Destination } from '@segment/actions-core'
import type { JSONObject, SegmentEvent } from '@segment/actions-core'
import nock from 'nock'
import destination, { destinationFor } from '../../../src/destination'
import type { TikTokRequestBody } from '../../../src/destination/tiktok/types'
import { startStandIn } from '../../runtime/helpers'
import { mockTikTok, SETTINGS, sendingAt, TIKTOK, TRACK_PATH } from '../../helpers'

sendingAt()

const testDestination = createTestIntegration(destination)
const defaultMapping = defaultValues(destination.actions.reportWebEvent.fields) as JSONObject

const event = (i: number, extra: Partial<SegmentEvent> = {}): SegmentEvent =>
  ({
    type: 'track',
    event: 'Order Completed',
    messageId: `m-${i}`,
    timestamp: '2026-11-02T10:15:30Z',
    userId: `user-${i}`,
    properties: { email: `buyer${i}@example.com`, revenue: 10 + i, currency: 'USD' },
    ...extra
  }) as SegmentEvent

const events = (n: number) => Array.from({ length: n }, (_, i) => event(i))

async function runBatch(batch: SegmentEvent[], mapping: JSONObject = {}) {
  await testDestination.testBatchAction('reportWebEvent', {
    events: batch,
    mapping: { event: 'CompletePayment', ...mapping },
    settings: SETTINGS,
    useDefaultMappings: true
  })
  return testDestination.results[0].multistatus ?? []
}

/** Records every request and answers each with `answers(body, n)` (TikTok's OK by default). */
function scriptTikTok(
  answers: (body: TikTokRequestBody, n: number) => [number, object | string] = () => [200, { code: 0, message: 'OK' }]
) {
  const bodies: TikTokRequestBody[] = []
  nock(TIKTOK)
    .post(TRACK_PATH)
    .times(Infinity)
    .reply((_uri, body) => {
      bodies.push(body as TikTokRequestBody)
      const [status, reply] = answers(body as TikTokRequestBody, bodies.length - 1)
      return [status, reply, { 'content-type': 'application/json' }]
    })
  return bodies
}

describe('performBatch', () => {
  it('sends a batch in one request and gives every event its own status', async () => {
    const { captured } = mockTikTok()
    const statuses = await runBatch(events(3))
    expect(captured.bodies).toHaveLength(1)
    expect(captured.bodies[0].data.map((e) => e.event_id)).toEqual(['m-0', 'm-1', 'm-2'])
    expect(statuses).toHaveLength(3)
    statuses.forEach((status, i) => {
      expect(status).toMatchObject({ status: 200, sent: { event: 'CompletePayment', event_id: `m-${i}` } })
    })
  })

  it('never sends the batching fields to TikTok', async () => {
    const { captured } = mockTikTok()
    await runBatch(events(2), { batch_size: 500, enable_batching: true })
    expect(Object.keys(captured.bodies[0]).sort()).toEqual(['data', 'event_source', 'event_source_id', 'partner_name'])
    expect(JSON.stringify(captured.bodies[0])).not.toMatch(/batch_size|enable_batching|batch_keys/)
  })

  it('splits more than 1,000 events into requests of at most 1,000', async () => {
    const bodies = scriptTikTok()
    const statuses = await runBatch(events(2345))
    expect(bodies.map((body) => body.data.length)).toEqual([1000, 1000, 345])
    expect(statuses).toHaveLength(2345)
    expect(statuses.every((status) => status.status === 200)).toBe(true)
    expect(bodies.flatMap((body) => body.data.map((e) => e.event_id))).toEqual(events(2345).map((e) => e.messageId))
  })

  it('honours a smaller Batch Size', async () => {
    const bodies = scriptTikTok()
    await runBatch(events(5), { batch_size: 2 })
    expect(bodies.map((body) => body.data.length)).toEqual([2, 2, 1])
  })

  it('never lets events of different source, source id or test code share a request', async () => {
    const bodies = scriptTikTok()
    const batch = [
      event(0),
      event(1, { properties: { source: 'crm-a' } }),
      event(2, { properties: { source: 'crm-b' } }),
      event(3, { properties: { test: 'T1' } }),
      event(4),
      event(5, { properties: { source: 'crm-a' } })
    ]
    const statuses = await runBatch(batch, {
      event_source: { '@if': { exists: { '@path': '$.properties.source' }, then: 'crm', else: 'web' } },
      crm_event_set_id: { '@path': '$.properties.source' },
      test_event_code: { '@path': '$.properties.test' }
    })
    const requests = bodies.map((body) => ({
      key: [body.event_source, body.event_source_id, body.test_event_code ?? null],
      ids: body.data.map((e) => e.event_id)
    }))
    expect(requests).toEqual([
      { key: ['web', SETTINGS.pixelCode, null], ids: ['m-0', 'm-4'] },
      { key: ['crm', 'crm-a', null], ids: ['m-1', 'm-5'] },
      { key: ['crm', 'crm-b', null], ids: ['m-2'] },
      { key: ['web', SETTINGS.pixelCode, 'T1'], ids: ['m-3'] }
    ])
    expect(statuses.map((status) => status.status)).toEqual([200, 200, 200, 200, 200, 200])
  })

  it('refuses events that fail local checks with 400 naming the field, and sends the rest', async () => {
    const bodies = scriptTikTok()
    const statuses = await runBatch([
      event(0),
      event(1, { timestamp: 'tomorrow' }),
      event(2, { properties: { currency: 'dollars', revenue: 5 } }),
      event(3)
    ])
    expect(bodies).toHaveLength(1)
    expect(bodies[0].data.map((e) => e.event_id)).toEqual(['m-0', 'm-3'])
    expect(statuses.map((status) => status.status)).toEqual([200, 400, 400, 200])
    expect(statuses[1]).toMatchObject({ errortype: 'PAYLOAD_VALIDATION_FAILED' })
    expect('errormessage' in statuses[1] && statuses[1].errormessage).toMatch(/Event Timestamp \(timestamp\)/)
    expect('errormessage' in statuses[2] && statuses[2].errormessage).toMatch(/Currency \(currency\)/)
  })

  it('refuses an event whose schema is invalid without sinking the others', async () => {
    const bodies = scriptTikTok()
    const statuses = await runBatch([event(0), event(1, { properties: { revenue: 'lots' } }), event(2)])
    expect(bodies[0].data.map((e) => e.event_id)).toEqual(['m-0', 'm-2'])
    expect(statuses.map((status) => status.status)).toEqual([200, 400, 200])
  })

  it('on 40002 naming a row: that event gets 400 with TikTok’s message, the rest are sent again once', async () => {
    const message = 'Batch.1.properties.contents.0.content_id: Not a valid string'
    const bodies = scriptTikTok((_body, n) =>
      n === 0 ? [200, { code: 40002, message }] : [200, { code: 0, message: 'OK' }]
    )
    const statuses = await runBatch(events(3))
    expect(bodies.map((body) => body.data.map((e) => e.event_id))).toEqual([
      ['m-0', 'm-1', 'm-2'],
      ['m-0', 'm-2']
    ])
    expect(statuses.map((status) => status.status)).toEqual([200, 400, 200])
    expect(statuses[1]).toMatchObject({ errortype: 'PAYLOAD_VALIDATION_FAILED' })
    expect('errormessage' in statuses[1] && statuses[1].errormessage).toContain(message)
  })

  it('on a second 40002 naming a row: that one gets 400 too, the others stay retryable', async () => {
    const bodies = scriptTikTok((_body, n) => [200, { code: 40002, message: `data.${n === 0 ? 1 : 0}.event: invalid` }])
    const statuses = await runBatch(events(3))
    expect(bodies).toHaveLength(2)
    expect(statuses.map((status) => status.status)).toEqual([400, 400, 500])
    expect(statuses[2]).toMatchObject({ errortype: 'RETRYABLE_ERROR' })
  })

  it('peels no row off when 40002 comes with an HTTP error status', async () => {
    const bodies = scriptTikTok(() => [401, { code: 40002, message: 'Batch.1.event: invalid' }])
    const statuses = await runBatch(events(3))
    expect(bodies).toHaveLength(1)
    expect(statuses.map((status) => status.status)).toEqual([401, 401, 401])
  })

  it('on 40002 naming no row: every event gets 400 with the message', async () => {
    const bodies = scriptTikTok(() => [200, { code: 40002, message: 'Invalid parameter' }])
    const statuses = await runBatch(events(3))
    expect(bodies).toHaveLength(1)
    expect(statuses.map((status) => status.status)).toEqual([400, 400, 400])
    expect(
      statuses.every((status) => 'errormessage' in status && status.errormessage.includes('Invalid parameter'))
    ).toBe(true)
  })

  it.each([
    ['code 40100', 200, { code: 40100, message: 'Too many requests' }, 429, 'RETRYABLE_ERROR'],
    ['HTTP 429', 429, { message: 'slow down' }, 429, 'RETRYABLE_ERROR'],
    ['code 50001', 200, { code: 50001, message: 'Internal' }, 503, 'RETRYABLE_ERROR'],
    ['HTTP 502', 502, 'Bad gateway', 502, 'RETRYABLE_ERROR'],
    ['code 40001', 200, { code: 40001, message: 'No permission' }, 401, 'INVALID_AUTHENTICATION'],
    ['HTTP 401', 401, { message: 'Unauthorized' }, 401, 'INVALID_AUTHENTICATION'],
    ['code 40006', 200, { code: 40006, message: 'Pixel inactive' }, 400, 'BAD_REQUEST']
  ])('%s gives every event of the request status %s', async (_name, httpStatus, reply, status, errortype) => {
    scriptTikTok(() => [httpStatus, reply])
    const statuses = await runBatch(events(3))
    expect(statuses).toHaveLength(3)
    for (const entry of statuses) expect(entry).toMatchObject({ status, errortype })
  })

  it('a network failure makes every event retryable', async () => {
    nock(TIKTOK).post(TRACK_PATH).replyWithError('ECONNRESET')
    const statuses = await runBatch(events(2))
    expect(statuses.map((status) => status.status)).toEqual([503, 503])
  })

  it('logs one line per kind of warning, and still sends the events', async () => {
    const { captured } = mockTikTok()
    const warn = jest.fn()
    await testDestination.testBatchAction('reportWebEvent', {
      events: [
        event(0, { userId: null, anonymousId: null, context: {}, properties: {} }),
        event(1, { userId: null, anonymousId: null, context: {}, properties: {} })
      ],
      mapping: { event: 'ClickButton' },
      settings: SETTINGS,
      useDefaultMappings: true,
      logger: {
        level: 'warn',
        name: 'test',
        warn,
        info: jest.fn(),
        debug: jest.fn(),
        error: jest.fn(),
        crit: jest.fn(),
        log: jest.fn(),
        withTags: jest.fn()
      }
    })
    expect(captured.bodies[0].data).toHaveLength(2)
    expect(warn.mock.calls.map(([line]) => line)).toEqual([
      '2 events: Event Name (event) ClickButton is deprecated by TikTok (accepted until 2027).',
      expect.stringMatching(/^2 events: No identifier TikTok can match/)
    ])
  })
})

describe('the API base URL', () => {
  afterEach(() => {
    delete process.env.TIKTOK_API_URL
  })

  it("is the destination instance's: all requests of a batch go there, whatever is set meanwhile", async () => {
    const first = await startStandIn()
    const second = await startStandIn()
    const batch = new Destination(destinationFor({ apiBaseUrl: first.url })).executeBatch('reportWebEvent', {
      events: events(2500),
      mapping: { ...defaultMapping, event: 'CompletePayment' },
      settings: SETTINGS
    })
    process.env.TIKTOK_API_URL = second.url
    const statuses = await batch
    expect(statuses.filter((status) => status.status === 200)).toHaveLength(2500)
    expect(first.stats).toMatchObject({ requests: 3, events: 2500 })
    expect(second.stats.requests).toBe(0)
  })
})
