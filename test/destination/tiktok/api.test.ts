import {
  createRequestClient,
  IntegrationError,
  InvalidAuthenticationError,
  PayloadValidationError,
  RetryableError
} from '@segment/actions-core'
import nock from 'nock'
import {
  deliverEvents,
  eventTrackUrl,
  rejectedRow,
  sendEvents,
  testConnection,
  trySendEvents
} from '../../../src/destination/tiktok/api'
import type { TikTokRequestBody } from '../../../src/destination/tiktok/types'
import { SETTINGS, TIKTOK, TRACK_PATH } from '../../helpers'

const request = createRequestClient({ headers: { 'Access-Token': SETTINGS.accessToken } })
const body: TikTokRequestBody = {
  event_source: 'web',
  event_source_id: SETTINGS.pixelCode,
  partner_name: 'Segment',
  data: [{ event: 'Lead', event_time: 1_790_000_000 }]
}

const json = { 'content-type': 'application/json' }
const answer = (status: number, reply: object | string, headers: Record<string, string> = json) =>
  nock(TIKTOK).post(TRACK_PATH).reply(status, reply, headers)

async function failure(): Promise<Error> {
  const outcome = await trySendEvents(request, body, SETTINGS.accessToken)
  if (outcome.ok) throw new Error('expected TikTok to refuse')
  return outcome.error
}

describe('the answer table', () => {
  it('code 0 with HTTP 200 is delivered', async () => {
    answer(200, { code: 0, message: 'OK', request_id: 'r1', data: {} })
    await expect(sendEvents(request, body, SETTINGS.accessToken)).resolves.toEqual({
      code: 0,
      message: 'OK',
      request_id: 'r1',
      data: {}
    })
  })

  it('code 20001 (partial success) is delivered', async () => {
    answer(200, { code: 20001, message: 'Partial success', request_id: 'r2' })
    const outcome = await trySendEvents(request, body, SETTINGS.accessToken)
    expect(outcome).toMatchObject({ ok: true, answer: { code: 20001, message: 'Partial success' } })
  })

  it.each([
    ['code 40001 with HTTP 200', 200, { code: 40001, message: 'No permission to operate pixel' }],
    ['code 40105 with HTTP 200', 200, { code: 40105, message: 'Access token is invalid or has expired' }],
    ['HTTP 401', 401, { message: 'Unauthorized' }],
    ['HTTP 403', 403, 'Forbidden']
  ])('%s is an InvalidAuthenticationError (401, not retried)', async (_name, status, reply) => {
    answer(status, reply)
    const error = await failure()
    expect(error).toBeInstanceOf(InvalidAuthenticationError)
    expect(error).toMatchObject({ status: 401 })
  })

  it("code 40002 is a 400 payload error carrying TikTok's message", async () => {
    answer(200, {
      code: 40002,
      message: 'Batch.0.properties.contents.0.content_id: Not a valid string',
      request_id: 'r3'
    })
    const error = await failure()
    expect(error).toBeInstanceOf(PayloadValidationError)
    expect(error).toMatchObject({ status: 400, code: 'PAYLOAD_VALIDATION_FAILED' })
    expect(error.message).toContain('Batch.0.properties.contents.0.content_id: Not a valid string')
    expect(error.message).toContain('request_id r3')
  })

  it.each([
    ['code 40100 with HTTP 200', 200, { code: 40100, message: 'Too many requests' }],
    ['HTTP 429', 429, { message: 'Too many requests' }]
  ])('%s is retryable with status 429', async (_name, status, reply) => {
    answer(status, reply)
    const error = await failure()
    expect(error).toBeInstanceOf(RetryableError)
    expect(error).toMatchObject({ status: 429 })
  })

  it.each([
    ['code 50002 with HTTP 200', 200, { code: 50002, message: 'Internal error' }, 503],
    ['HTTP 500', 500, 'oops', 500],
    ['HTTP 503', 503, { code: 0, message: 'unavailable' }, 503],
    ['HTTP 504', 504, '', 504]
  ])('%s is retryable with a 5xx status', async (_name, status, reply, expected) => {
    answer(status, reply)
    const error = await failure()
    expect(error).toBeInstanceOf(RetryableError)
    expect(error).toMatchObject({ status: expected })
  })

  it("any other non-zero code is an IntegrationError with TikTok's code and message, not retried", async () => {
    answer(200, { code: 40006, message: 'Pixel is not active' })
    const error = await failure()
    expect(error).toBeInstanceOf(IntegrationError)
    expect(error).not.toBeInstanceOf(RetryableError)
    expect(error).toMatchObject({ code: '40006', status: 400 })
    expect(error.message).toBe('TikTok error 40006: Pixel is not active')
  })

  it('a 200 whose body is not JSON is an error, never a delivery', async () => {
    answer(200, '<html>Proxy page</html>', { 'content-type': 'text/html' })
    const error = await failure()
    expect(error).toBeInstanceOf(RetryableError)
    expect(error.message).toMatch(/without its JSON envelope/)
  })

  it('a 200 with JSON but no code is an error too', async () => {
    answer(200, { ok: true })
    await expect(sendEvents(request, body, SETTINGS.accessToken)).rejects.toThrow(/without its JSON envelope/)
  })

  it('another HTTP error without a code is an IntegrationError with the HTTP status', async () => {
    answer(404, 'Not Found', { 'content-type': 'text/plain' })
    const error = await failure()
    expect(error).toBeInstanceOf(IntegrationError)
    expect(error).toMatchObject({ code: 'HTTP_404', status: 404 })
  })

  it('an OK code on an HTTP error is not a delivery', async () => {
    answer(404, { code: 0, message: 'OK' })
    const error = await failure()
    expect(error).toMatchObject({ code: 'HTTP_404', status: 404 })
  })

  it('a partial success (20001) is delivered, and its message is told as a warning', async () => {
    answer(200, { code: 20001, message: '2 of 3 events accepted', request_id: 'r9' })
    const warnings: string[] = []
    await sendEvents(request, body, SETTINGS.accessToken, (warning) => warnings.push(warning))
    expect(warnings).toEqual(['TikTok reported a partial success: 2 of 3 events accepted (request_id r9)'])
  })

  it('a request TikTok does not answer in time is retryable', async () => {
    nock(TIKTOK).post(TRACK_PATH).delay(600).reply(200, { code: 0 }, json)
    const outcome = await trySendEvents(request, body, SETTINGS.accessToken, { timeoutMs: 100 })
    expect(outcome).toMatchObject({ ok: false, error: expect.any(RetryableError) })
  })

  it('a network failure is retryable', async () => {
    nock(TIKTOK).post(TRACK_PATH).replyWithError('socket hang up')
    const error = await failure()
    expect(error).toBeInstanceOf(RetryableError)
    expect(error.message).toMatch(/Could not reach TikTok: .*socket hang up/)
  })

  it('never repeats the access token, even when TikTok echoes it', async () => {
    answer(200, { code: 40105, message: `Access token ${SETTINGS.accessToken} has expired` })
    const outcome = await trySendEvents(request, body, SETTINGS.accessToken)
    if (outcome.ok) throw new Error('expected a refusal')
    expect(outcome.error.message).not.toContain(SETTINGS.accessToken)
    expect(outcome.error.message).toContain('[access token] has expired')
    expect(JSON.stringify(outcome.answer?.body)).not.toContain(SETTINGS.accessToken)
  })

  it('refuses to send without an access token', async () => {
    const outcome = await trySendEvents(request, body, '')
    expect(outcome).toMatchObject({ ok: false, error: expect.any(InvalidAuthenticationError) })
  })

  it('refuses to send with an access token shorter than 8 characters, naming the field', async () => {
    const scope = answer(200, { code: 0, message: 'OK' })
    const outcome = await trySendEvents(request, body, 'short12')
    if (outcome.ok) throw new Error('expected a refusal')
    expect(outcome.error).toBeInstanceOf(InvalidAuthenticationError)
    expect(outcome.error.message).toBe(
      'Access Token (accessToken) must be at least 8 characters; paste the whole token from TikTok.'
    )
    expect(scope.isDone()).toBe(false)
  })
})

describe('rejectedRow', () => {
  const row = (code: number, message: string) => rejectedRow({ status: 200, code, message, body: {} })

  it('reads the row TikTok names in a 40002 message', () => {
    expect(row(40002, 'Batch.3.properties.value: Not a valid number')).toBe(3)
    expect(row(40002, 'data.12.event_time: is required')).toBe(12)
    expect(row(40002, 'data[7].event: invalid')).toBe(7)
  })

  it('is undefined when no row is named, or for another code', () => {
    expect(row(40002, 'Invalid parameter')).toBeUndefined()
    expect(row(40100, 'Batch.3.x')).toBeUndefined()
  })
})

describe('eventTrackUrl', () => {
  afterEach(() => {
    delete process.env.TIKTOK_API_URL
  })

  it('is Events API 2.0 on business-api.tiktok.com', () => {
    expect(eventTrackUrl()).toBe('https://business-api.tiktok.com/open_api/v1.3/event/track/')
  })

  it('takes its scheme and host from TIKTOK_API_URL, keeping the path', () => {
    process.env.TIKTOK_API_URL = 'http://127.0.0.1:4010/'
    expect(eventTrackUrl()).toBe('http://127.0.0.1:4010/open_api/v1.3/event/track/')
  })
})

describe("the access token in TikTok's answer, in any encoding", () => {
  const token = SETTINGS.accessToken
  const escaped = [...token].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')
  const forms: [string, number, string][] = [
    ['as sent', 200, JSON.stringify({ code: 40001, message: `token ${token} is invalid`, request_id: 'r1' })],
    ['JSON-escaped', 200, `{"code":40001,"message":"token ${escaped} is invalid","request_id":"r1"}`],
    ['in a key and a request_id', 200, `{"code":40001,"message":"no","request_id":"${escaped}","data":{"${token}":1}}`],
    [
      'URL-encoded',
      200,
      JSON.stringify({ code: 40001, message: `see /x?t=${encodeURIComponent(token).replace(/-/g, '%2D')}` })
    ],
    ['base64', 200, JSON.stringify({ code: 40001, message: `Basic ${Buffer.from(`:${token}`).toString('base64')}` })],
    ['JSON-escaped in a body that is not JSON', 502, `<p>upstream said {"message":"${escaped}"</p>`],
    ['JSON-escaped twice', 200, JSON.stringify({ code: 40001, message: `token ${escaped} is invalid` })]
  ]

  it.each(forms)('%s: the error, the answer kept and each status are free of it', async (_form, status, reply) => {
    const everything: unknown[] = []
    answer(status, reply, { 'content-type': 'text/plain' })
    const outcome = await trySendEvents(request, body, token)
    everything.push(outcome.ok ? 'delivered' : outcome.error.message, outcome.answer)
    answer(status, reply, { 'content-type': 'text/plain' })
    everything.push(await deliverEvents(request, body, body.data, token))
    answer(status, reply, { 'content-type': 'text/plain' })
    everything.push(await testConnection(request, SETTINGS.pixelCode, token).catch((error: Error) => error.message))
    const text = JSON.stringify(everything)
    expect(text).toMatch(/\[access token\]|\[withheld: it held the access token\]/)
    expect(text).not.toContain(token)
    expect(text).not.toContain(escaped)
    expect(text).not.toContain(JSON.stringify(escaped).slice(1, -1))
    expect(text).not.toContain(Buffer.from(`:${token}`).toString('base64').slice(2, -2))
  })

  it("keeps TikTok's message readable around the redacted token", async () => {
    answer(200, `{"code":40001,"message":"token ${escaped} is invalid","request_id":"r7"}`)
    const error = await failure()
    expect(error.message).toBe(
      'TikTok refused the access token (code 40001): token [access token] is invalid (request_id r7)'
    )
  })

  it('keeps it out of a network error message too', async () => {
    nock(TIKTOK).post(TRACK_PATH).replyWithError(`connect refused for ${escaped} and ${token}`)
    const error = await failure()
    expect(error.message).toMatch(
      /^Could not reach TikTok: .*connect refused for \[access token\] and \[access token\]$/
    )
  })
})
