/**
 * The embedded TikTok stand-in: only in dry-run, closed when the runtime goes live, bounded like the
 * Tracking API, and deaf to bodies the runtime did not send.
 */
import { connect } from 'node:net'
import * as standInModule from '../../src/runtime/tools/standin'
import { MAX_BODY_BYTES } from '../../src/runtime/http/io'
import { orderCompleted, post, startStandIn, startTestRuntime, waitFor, withKey } from './helpers'

const TRACK = '/open_api/v1.3/event/track/'
const TOKEN = 'standin-test-token-77aa'

/**
 * Posts to the stand-in over a raw socket: `declared` as Content-Length (or chunked when undefined),
 * then body chunks of 64 KB until `total` bytes or until the stand-in closes the connection.
 * Resolves with what it answered and how much was written.
 */
function rawPost(url: string, declared: number | undefined, total: number) {
  const { hostname, port } = new URL(url)
  return new Promise<{ answer: string; written: number; closed: boolean }>((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    let answer = ''
    let written = 0
    let closed = false
    const chunk = Buffer.alloc(64 * 1024, 'x')
    socket.on('data', (data) => (answer += data.toString()))
    socket.on('error', () => undefined) // EPIPE/ECONNRESET once the stand-in has closed: expected
    socket.on('close', () => {
      closed = true
      resolve({ answer, written, closed })
    })
    const write = () => {
      while (!closed && written < total) {
        const piece = declared === undefined ? `${chunk.length.toString(16)}\r\n${chunk}\r\n` : chunk
        written += chunk.length
        if (!socket.write(piece)) return void socket.once('drain', write)
      }
      if (!closed && written >= total) setTimeout(() => reject(new Error('the stand-in read it all')), 2000)
    }
    socket.write(
      `POST ${TRACK} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nAccess-Token: x\r\n` +
        (declared === undefined ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${declared}\r\n`) +
        '\r\n'
    )
    write()
  })
}

describe('the stand-in', () => {
  it('answers 413 at once to a body declared larger than the Tracking API takes, and closes without reading it', async () => {
    const standIn = await startStandIn()
    const { answer, written, closed } = await rawPost(standIn.url, 400_000_000, 400_000_000)
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(answer).toMatch(/\r\nconnection: close\r\n/i)
    expect(answer).toContain(`The body is larger than ${MAX_BODY_BYTES} bytes.`)
    expect(closed).toBe(true)
    expect(written).toBeLessThan(64 * 1024 * 1024)
    expect(standIn.stats.requests).toBe(0)
    expect(standIn.requests).toEqual([])
  })

  it('answers 413 to a chunked body once it passes the limit, and closes the connection', async () => {
    const standIn = await startStandIn()
    const { answer, written, closed } = await rawPost(standIn.url, undefined, 400_000_000)
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(closed).toBe(true)
    expect(written).toBeGreaterThan(MAX_BODY_BYTES)
    expect(written).toBeLessThan(64 * 1024 * 1024)
    expect(standIn.stats.requests).toBe(0)
  })

  it('takes a body up to the limit', async () => {
    const standIn = await startStandIn()
    const body = {
      event_source: 'web',
      event_source_id: 'P',
      data: [{ event: 'Lead', pad: 'x'.repeat(MAX_BODY_BYTES - 100) }]
    }
    const answer = await post(`${standIn.url}${TRACK}`, body, { 'access-token': 'tok-12345678' })
    expect(answer).toMatchObject({ status: 200, json: { code: 0 } })
  })
})

describe('the runtime’s stand-in', () => {
  afterEach(() => jest.restoreAllMocks())

  it('is not started when the runtime starts live, only in dry-run', async () => {
    const spy = jest.spyOn(standInModule, 'startTikTokStandIn')
    const tiktok = await startStandIn()
    spy.mockClear()
    const { runtime } = await startTestRuntime({
      TIKTOK_ACCESS_TOKEN: TOKEN,
      TIKTOK_PIXEL_CODE: 'PIX',
      TIKTOK_API_URL: tiktok.url
    })
    expect(spy).not.toHaveBeenCalled()
    expect(runtime.apiBaseUrl()).toBe(tiktok.url)
    await startTestRuntime()
    expect(spy).toHaveBeenCalledTimes(1)
  })

  it('closes when the settings switch the runtime live, and opens again if it goes back to dry-run', async () => {
    const tiktok = await startStandIn()
    const test = await startTestRuntime({ TIKTOK_API_URL: tiktok.url })
    const { runtime } = test
    const dryRunUrl = runtime.apiBaseUrl()!
    expect(new URL(dryRunUrl).hostname).toBe('127.0.0.1')
    expect((await post(`${dryRunUrl}${TRACK}`, {})).status).toBe(200)

    const saved = await post(`${runtime.url}/api/settings`, { accessToken: TOKEN, pixelCode: 'PIX' }, withKey(runtime))
    expect(saved.json.mode).toBe('live')
    await expect(fetch(`${dryRunUrl}${TRACK}`, { method: 'POST', body: '{}' })).rejects.toThrow()
    expect(runtime.apiBaseUrl()).toBe(tiktok.url)
    await post(`${runtime.url}/v1/track`, orderCompleted(1))
    await waitFor(() => runtime.pipeline.counts.delivered === 1)
    expect(tiktok.requests).toHaveLength(1)

    await runtime.updateSettings({ accessToken: undefined })
    expect(runtime.mode()).toBe('dry-run')
    const again = runtime.apiBaseUrl()!
    expect(again).not.toBe(tiktok.url)
    await post(`${runtime.url}/v1/track`, orderCompleted(2))
    await waitFor(() => test.printed.length === 1)
    expect(JSON.parse(test.printed[0]).data[0].event_id).toBe('msg-2')
    expect(tiktok.requests).toHaveLength(1)
  })

  it('records only the bodies the runtime sent: a forged one gets 40105 and shows nowhere', async () => {
    const test = await startTestRuntime()
    const { runtime } = test
    const forged = { event_source: 'web', event_source_id: 'FORGED', data: [{ event: 'Purchase', event_time: 1 }] }
    for (const token of [undefined, 'dry-run', 'dry-run-token', TOKEN]) {
      const answer = await post(`${runtime.apiBaseUrl()}${TRACK}`, forged, token ? { 'access-token': token } : {})
      expect(answer.json).toMatchObject({ code: 40105 })
    }
    await post(`${runtime.url}/v1/track`, orderCompleted(3))
    await waitFor(() => test.printed.length === 1)
    const deliveries = await (await fetch(`${runtime.url}/deliveries`, { headers: withKey(runtime) })).json()
    expect(deliveries.deliveries).toHaveLength(1)
    expect(JSON.stringify([deliveries, test.printed])).not.toContain('FORGED')
  })

  it('has the Tracking API’s body limit in the runtime too', async () => {
    const test = await startTestRuntime()
    const { answer, closed } = await rawPost(test.runtime.apiBaseUrl()!, MAX_BODY_BYTES + 1, 400_000_000)
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(closed).toBe(true)
    expect(test.printed).toEqual([])
    expect(test.runtime.deliveries).toEqual([])
  })
})
