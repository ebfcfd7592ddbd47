/**
 * The Tracking API as Segment's clients meet it: CORS for any header they send, the client's IP, the
 * error shape every client reads, analytics.js's metrics and settings, and bounds on what a request
 * may cost (answer size, write key before the body, time to arrive).
 */
import type { IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import { gzipSync } from 'node:zlib'
import { ConfigError } from '../../src/runtime/ops/config'
import { loadConfig } from '../../src/runtime'
import { clientIp } from '../../src/runtime/http/tracking-routes'
import { orderCompleted, post, printedEvents, startTestRuntime, waitFor, type TestRuntime } from './helpers'

let test: TestRuntime

const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` })

/**
 * Writes `head` to the runtime's port, then `trickle` one byte every `everyMs` until the connection closes.
 * Resolves with what came back and how many bytes of the trickle went out.
 */
function slowRequest(port: number, head: string, trickle = '', everyMs = 100) {
  return new Promise<{ answer: string; trickled: number }>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    let trickled = 0
    let timer: NodeJS.Timeout | undefined
    socket.on('connect', () => {
      socket.write(head)
      timer = setInterval(() => {
        if (trickled < trickle.length && !socket.destroyed) socket.write(trickle[trickled++])
      }, everyMs)
    })
    socket.on('data', (chunk) => (answer += chunk))
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearInterval(timer)
      resolve({ answer, trickled })
    })
    setTimeout(() => {
      socket.destroy()
      reject(new Error(`no close within 20 s; got ${JSON.stringify(answer)}`))
    }, 20_000).unref()
  })
}

const statusOf = (answer: string) => Number(answer.match(/^HTTP\/1\.1 (\d{3})/)?.[1])
/** The JSON body of a raw HTTP answer, chunked or not. */
function jsonOf(answer: string) {
  const [head, ...rest] = answer.split('\r\n\r\n')
  let body = rest.join('\r\n\r\n')
  if (/^transfer-encoding: chunked$/im.test(head)) {
    let text = ''
    for (let size = parseInt(body, 16); size > 0; size = parseInt(body, 16)) {
      const start = body.indexOf('\r\n') + 2
      text += body.slice(start, start + size)
      body = body.slice(start + size + 2)
    }
    body = text
  }
  return JSON.parse(body)
}

describe('CORS on the Tracking API', () => {
  it('allows every header a preflight asks for (X-Retry-Count on retries) and lets Retry-After be read', async () => {
    test = await startTestRuntime({ QUEUE_LIMIT: '1', FLUSH_INTERVAL_MS: '60000' })
    for (const path of ['/v1/t', '/v1/b', '/v1/batch', '/v1/projects/wk/settings']) {
      const preflight = await fetch(`${test.runtime.url}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://shop.example.com',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-retry-count,x-site-header'
        }
      })
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
      expect(preflight.headers.get('access-control-allow-headers')).toBe(
        'authorization,content-type,x-retry-count,x-site-header'
      )
      expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')
      expect(preflight.headers.get('vary')).toBe('Access-Control-Request-Headers')
    }
    const odd = await fetch(`${test.runtime.url}/v1/t`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example.com', 'access-control-request-headers': 'a\tb; c' }
    })
    expect(odd.headers.get('access-control-allow-headers')).toBe('Content-Type, Authorization, X-Retry-Count')

    await post(`${test.runtime.url}/v1/track`, orderCompleted(1))
    const full = await post(`${test.runtime.url}/v1/track`, orderCompleted(2), { origin: 'https://shop.example.com' })
    expect(full.status).toBe(429)
    expect(full.headers.get('access-control-allow-origin')).toBe('*')
    expect(full.headers.get('access-control-expose-headers')).toBe('Retry-After')
  })

  it('leaves the page’s API without CORS', async () => {
    test = await startTestRuntime()
    const preflight = await fetch(`${test.runtime.url}/api/settings`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' }
    })
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
    expect(preflight.headers.get('access-control-allow-headers')).toBeNull()
  })
})

describe('the client’s IP', () => {
  const request = (remoteAddress: string, forwardedFor?: string) =>
    ({
      socket: { remoteAddress },
      headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }
    }) as unknown as IncomingMessage

  it('is the connection’s address, IPv4 without its IPv6 mapping, X-Forwarded-For ignored', () => {
    expect(clientIp(request('::ffff:127.0.0.1'), 0)).toBe('127.0.0.1')
    expect(clientIp(request('2001:db8::5'), 0)).toBe('2001:db8::5')
    expect(clientIp(request('10.0.0.2', '203.0.113.50'), 0)).toBe('10.0.0.2')
    expect(clientIp(request(''), 0)).toBeUndefined()
  })

  it('with TRUST_PROXY=N, is the N-th address from the right of X-Forwarded-For', () => {
    const chain = '192.0.2.66, 203.0.113.50, 198.51.100.7'
    expect(clientIp(request('10.0.0.2', chain), 1)).toBe('198.51.100.7')
    expect(clientIp(request('10.0.0.2', chain), 2)).toBe('203.0.113.50')
    expect(clientIp(request('10.0.0.2', chain), 3)).toBe('192.0.2.66')
    expect(clientIp(request('10.0.0.2', chain), 5)).toBe('192.0.2.66')
    expect(clientIp(request('10.0.0.2', '203.0.113.50:41234'), 1)).toBe('203.0.113.50')
    expect(clientIp(request('10.0.0.2', '[2001:db8::9]:41234'), 1)).toBe('2001:db8::9')
    expect(clientIp(request('10.0.0.2', '::ffff:198.51.100.7'), 1)).toBe('198.51.100.7')
    expect(clientIp(request('::ffff:10.0.0.2'), 1)).toBe('10.0.0.2')
    expect(clientIp(request('10.0.0.2', 'unknown'), 1)).toBe('10.0.0.2')
  })

  it('reaches TikTok as user.ip when the event has none, and never replaces the one the client sent', async () => {
    test = await startTestRuntime({ FLUSH_INTERVAL_MS: '50' })
    const withoutIp = { ...orderCompleted(1), context: { userAgent: 'Mozilla/5.0 (X11)' } }
    expect((await post(`${test.runtime.url}/v1/track`, withoutIp)).status).toBe(200)
    expect(
      (await post(`${test.runtime.url}/v1/track`, orderCompleted(2), { 'x-forwarded-for': '192.0.2.1' })).status
    ).toBe(200)
    await waitFor(() => printedEvents(test).length === 2)
    const users = Object.fromEntries(printedEvents(test).map((event) => [event.event_id, event.user]))
    expect(users['msg-1']).toMatchObject({ ip: '127.0.0.1', user_agent: 'Mozilla/5.0 (X11)' })
    expect(users['msg-2']).toMatchObject({ ip: '203.0.113.9' })
  })

  it('behind TRUST_PROXY is read from X-Forwarded-For', async () => {
    test = await startTestRuntime({ FLUSH_INTERVAL_MS: '50', TRUST_PROXY: '1' })
    const withoutIp = { ...orderCompleted(1), context: { userAgent: 'Mozilla/5.0 (X11)' } }
    const headers = { 'x-forwarded-for': '192.0.2.66, 198.51.100.7' }
    expect(
      (await post(`${test.runtime.url}/v1/batch`, { batch: [withoutIp, orderCompleted(2)] }, headers)).status
    ).toBe(200)
    await waitFor(() => printedEvents(test).length === 2)
    const users = Object.fromEntries(printedEvents(test).map((event) => [event.event_id, event.user]))
    expect(users['msg-1']).toMatchObject({ ip: '198.51.100.7' })
    expect(users['msg-2']).toMatchObject({ ip: '203.0.113.9' })
  })
})

describe('error answers', () => {
  it('are {success: false, code, message} with a status every Segment client reads right', async () => {
    test = await startTestRuntime({ SEGMENT_WRITE_KEY: 'right-key', QUEUE_LIMIT: '1', FLUSH_INTERVAL_MS: '60000' })
    const url = test.runtime.url
    const answers = {
      wrongHeaderKey: await post(`${url}/v1/batch`, { batch: [orderCompleted(1)] }, basic('wrong')),
      wrongBodyKey: await post(`${url}/v1/track`, { ...orderCompleted(1), writeKey: 'wrong' }),
      noKey: await post(`${url}/v1/track`, orderCompleted(1)),
      notJson: await post(`${url}/v1/track`, '{', basic('right-key')),
      tooLarge: await post(`${url}/v1/track`, { userId: 'u', event: 'A', blob: 'x'.repeat(2_200_000) }),
      unknown: await post(`${url}/v1/nothing`, {}),
      get: await fetch(`${url}/v1/track`).then(async (r) => ({
        status: r.status,
        headers: r.headers,
        json: await r.json()
      })),
      accepted: await post(`${url}/v1/track`, orderCompleted(1), basic('right-key')),
      full: await post(`${url}/v1/track`, orderCompleted(2), basic('right-key'))
    }
    expect(answers.wrongHeaderKey).toMatchObject({
      status: 401,
      json: { success: false, code: 'invalid_write_key', message: 'Invalid write key.' }
    })
    expect(answers.wrongBodyKey).toMatchObject({ status: 401, json: { code: 'invalid_write_key' } })
    expect(answers.noKey).toMatchObject({
      status: 401,
      json: { code: 'invalid_write_key', message: 'A write key is required.' }
    })
    expect(answers.notJson).toMatchObject({ status: 400, json: { code: 'invalid_json' } })
    expect(answers.tooLarge).toMatchObject({ status: 400, json: { code: 'payload_too_large' } })
    expect(answers.unknown).toMatchObject({ status: 404, json: { code: 'not_found' } })
    expect(answers.get).toMatchObject({ status: 405, json: { code: 'method_not_allowed' } })
    expect(answers.accepted).toMatchObject({ status: 200, json: { success: true } })
    expect(answers.full).toMatchObject({ status: 429, json: { code: 'rate_limited' } })
    expect(Number(answers.full.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    for (const answer of Object.values(answers).filter((answer) => answer.status !== 200)) {
      expect(answer.json).toEqual({ success: false, code: expect.any(String), message: expect.any(String) })
    }
  })

  it('is 503 with Retry-After while the runtime stops', async () => {
    test = await startTestRuntime()
    test.runtime.closing = true
    try {
      const answer = await post(`${test.runtime.url}/v1/track`, orderCompleted(1))
      expect(answer).toMatchObject({ status: 503, json: { success: false, code: 'shutting_down' } })
      expect(answer.headers.get('retry-after')).toBe('5')
    } finally {
      test.runtime.closing = false
    }
  })
})

describe('what analytics.js asks of Segment besides events', () => {
  it('its metrics (/v1/m) are taken and dropped', async () => {
    test = await startTestRuntime()
    const metrics = {
      series: [
        {
          type: 'Counter',
          metric: 'analytics_js.invoke.track',
          value: 1,
          tags: { library: 'analytics.js', library_version: 'next-1.84.3' }
        }
      ]
    }
    const answer = await post(`${test.runtime.url}/v1/m`, JSON.stringify(metrics), { 'content-type': 'text/plain' })
    expect(answer).toMatchObject({ status: 200, json: { success: true } })
    expect(answer.headers.get('access-control-allow-origin')).toBe('*')
    expect(test.runtime.pipeline.counts.received).toBe(0)
  })

  it('its settings point it at the runtime', async () => {
    test = await startTestRuntime({ SEGMENT_WRITE_KEY: 'site-key' })
    const response = await fetch(`${test.runtime.url}/v1/projects/site-key/settings`)
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    const settings = await response.json()
    expect(settings.integrations).toEqual({
      'Segment.io': { apiKey: 'site-key', apiHost: `${new URL(test.runtime.url).host}/v1`, protocol: 'http' }
    })
    expect(settings.metrics).toEqual({ sampleRate: 0 })
    const wrong = await fetch(`${test.runtime.url}/v1/projects/other-key/settings`)
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toMatchObject({ success: false, code: 'invalid_write_key' })
  })

  it('its settings name the address a proxy was reached at, only with TRUST_PROXY', async () => {
    const forwarded = { 'x-forwarded-host': 'track.shop.example', 'x-forwarded-proto': 'https' }
    test = await startTestRuntime({ TRUST_PROXY: 'true' })
    const proxied = await (await fetch(`${test.runtime.url}/v1/projects/k/settings`, { headers: forwarded })).json()
    expect(proxied.integrations['Segment.io']).toMatchObject({ apiHost: 'track.shop.example/v1', protocol: 'https' })
    await test.runtime.close()
    test = await startTestRuntime()
    const direct = await (await fetch(`${test.runtime.url}/v1/projects/k/settings`, { headers: forwarded })).json()
    expect(direct.integrations['Segment.io']).toMatchObject({
      apiHost: `${new URL(test.runtime.url).host}/v1`,
      protocol: 'http'
    })
  })
})

describe('bounds', () => {
  it('a batch of one valid message and 600,000 invalid ones gets an answer under 64 KB that counts them', async () => {
    test = await startTestRuntime({ FLUSH_INTERVAL_MS: '50', MAX_BATCH_KB: '2048' })
    const body = JSON.stringify({ batch: [orderCompleted(1), ...Array.from({ length: 600_000 }, () => ({}))] })
    expect(body.length).toBeLessThan(2 * 1024 * 1024)
    const response = await fetch(`${test.runtime.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body
    })
    const text = await response.text()
    expect(response.status).toBe(200)
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(64 * 1024)
    const answer = JSON.parse(text)
    expect(answer).toMatchObject({ success: true, rejectedCount: 600_000 })
    expect(answer.rejected).toHaveLength(10)
    expect(answer.rejected[0]).toEqual({ index: 1, reason: expect.stringContaining('"type" must be one of') })
    await waitFor(() => printedEvents(test).length === 1)
    expect(printedEvents(test)[0].event_id).toBe('msg-1')
  })

  it('a gzipped body (analytics-python’s gzip option) is taken; gunzipped, it is bounded like any other', async () => {
    test = await startTestRuntime({ FLUSH_INTERVAL_MS: '50' })
    const gzipped = (body: string, encoding = 'gzip') =>
      fetch(`${test.runtime.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body: gzipSync(body)
      }).then(async (response) => ({ status: response.status, json: await response.json() }))
    expect(await gzipped(JSON.stringify({ batch: [orderCompleted(1)] }))).toEqual({
      status: 200,
      json: { success: true }
    })
    await waitFor(() => printedEvents(test).length === 1)
    expect(printedEvents(test)[0]).toMatchObject({ event_id: 'msg-1', user: { ip: '203.0.113.9' } })

    const bomb = JSON.stringify({ batch: [orderCompleted(2)], pad: ' '.repeat(3_000_000) })
    expect(gzipSync(bomb).length).toBeLessThan(10_000)
    expect(await gzipped(bomb)).toMatchObject({ status: 400, json: { success: false, code: 'payload_too_large' } })
    const notGzip = await fetch(`${test.runtime.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip' },
      body: '{"batch": []}'
    })
    expect(notGzip.status).toBe(400)
    expect(await notGzip.json()).toMatchObject({ success: false, code: 'invalid_body' })
    expect(await gzipped('{}', 'br')).toMatchObject({
      status: 415,
      json: { success: false, code: 'unsupported_encoding' }
    })
    expect(test.runtime.pipeline.counts.received).toBe(1)
  })

  it('a wrong write key in the header is refused before the body is read', async () => {
    test = await startTestRuntime({ SEGMENT_WRITE_KEY: 'right-key', REQUEST_TIMEOUT_MS: '10000' })
    const port = new URL(test.runtime.url).port
    const head =
      `POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
      `Authorization: ${basic('wrong').authorization}\r\nContent-Length: 1000000\r\n\r\n{"batch": [`
    // The body never comes: only an answer given before reading it arrives (else a 408 after 10 s).
    const { answer } = await slowRequest(Number(port), head)
    expect(statusOf(answer)).toBe(401)
    expect(jsonOf(answer)).toEqual({ success: false, code: 'invalid_write_key', message: 'Invalid write key.' })
  })

  it('a body larger than MAX_BATCH_KB (500 KB) by its Content-Length is refused (400) before it is read', async () => {
    test = await startTestRuntime({ REQUEST_TIMEOUT_MS: '10000' })
    const port = new URL(test.runtime.url).port
    const head = `POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 512001\r\n\r\n{"batch": [`
    const { answer } = await slowRequest(Number(port), head)
    expect(statusOf(answer)).toBe(400)
    expect(jsonOf(answer)).toMatchObject({ success: false, code: 'payload_too_large' })
  })

  it.each([
    ['a body', 'POST /v1/track HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{', 'x'.repeat(499)],
    ['headers', 'POST /v1/track HTTP/1.1\r\nHost: x\r\n', 'X-Slow: ' + 'y'.repeat(490)]
  ])('%s sent a byte at a time is cut at REQUEST_TIMEOUT_MS with 408', async (_what, head, trickle) => {
    test = await startTestRuntime({ REQUEST_TIMEOUT_MS: '1000' })
    const port = Number(new URL(test.runtime.url).port)
    const { answer, trickled } = await slowRequest(port, head, trickle, 50)
    expect(statusOf(answer)).toBe(408)
    expect(jsonOf(answer)).toEqual({
      success: false,
      code: 'request_timeout',
      message: 'The request did not arrive in time; the connection is closed.'
    })
    expect(trickled).toBeLessThan(trickle.length / 2)
    expect((await post(`${test.runtime.url}/v1/track`, orderCompleted(1))).status).toBe(200)
    expect(test.logs.filter((line) => line.includes(' error '))).toEqual([])
  })
})

describe('the configuration', () => {
  it.each([
    [undefined, 0],
    ['', 0],
    ['false', 0],
    ['0', 0],
    ['true', 1],
    ['1', 1],
    ['2', 2]
  ])('reads TRUST_PROXY=%p as %p proxies', (value, proxies) => {
    expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toBe(proxies)
  })

  it('refuses a TRUST_PROXY that is not a number of proxies, and a REQUEST_TIMEOUT_MS over 30 s', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'yes please' })).toThrow(ConfigError)
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '60000' })).toThrow(/REQUEST_TIMEOUT_MS must be at most 30000/)
    expect(loadConfig({}).requestTimeoutMs).toBe(30_000)
  })
})
