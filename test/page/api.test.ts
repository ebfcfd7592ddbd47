import { readFileSync, statSync } from 'node:fs'
import { mkdtempSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sampleEvents } from '../../src/page/samples'
import type { StandIn } from '../../src/runtime/standin'
import { sha } from '../helpers'
import { post, startTestRuntime, type TestRuntime, startStandIn } from '../runtime/helpers'

let standIn: StandIn | undefined
let test: TestRuntime | undefined

const api = (path: string, body: unknown) => post(`${test!.runtime.url}${path}`, body)

/** A raw request with the headers given (fetch would set Host itself). */
function raw(url: string, method: string, headers: Record<string, string>, body = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('the page API', () => {
  it('previews without sending: the matching preset, its body, hashed', async () => {
    standIn = await startStandIn()
    test = await startTestRuntime({ TIKTOK_API_URL: standIn.url })
    const { status, json } = await api('/api/preview', { event: JSON.stringify(sampleEvents['Complete Payment']) })
    expect(status).toBe(200)
    expect(json.matches).toHaveLength(1)
    expect(json.matches[0]).toMatchObject({ mapping: 'Complete Payment', tiktokEvent: 'CompletePayment', errors: [] })
    expect(json.matches[0].body.data[0].user.email).toEqual([sha('alice.doe@example.com')])
    expect(standIn.stats.requests).toBe(0)
    expect(test.printed).toEqual([])
  })

  it('says when no preset matches, or when the event turns the destination off', async () => {
    test = await startTestRuntime()
    expect((await api('/api/preview', { event: '{"type":"track","event":"Nope","userId":"u"}' })).json).toEqual({
      message: 'No preset matches this event.',
      matches: []
    })
    const off = { ...sampleEvents['Complete Payment'], integrations: { 'Tiktok Conversions': false } }
    expect((await api('/api/preview', { event: JSON.stringify(off) })).json.message).toMatch(
      /turns Tiktok Conversions off/
    )
  })

  it('never quotes the typed text in a JSON error', async () => {
    test = await startTestRuntime()
    const { json } = await api('/api/preview', { event: '{"email": secret@example.com}' })
    expect(json.message).toBe('The Segment event is not valid JSON (line 1, column 11).')
  })

  it('sends a test event for real, with the test event code at the top level', async () => {
    standIn = await startStandIn()
    test = await startTestRuntime({
      TIKTOK_API_URL: standIn.url,
      TIKTOK_ACCESS_TOKEN: 'tok-123456',
      TIKTOK_PIXEL_CODE: 'CPIX'
    })
    const { status, json } = await api('/api/send-test', {
      event: JSON.stringify(sampleEvents['Add to Cart']),
      testEventCode: ' TEST42 '
    })
    expect(status).toBe(200)
    expect(json.results).toEqual([{ mapping: 'Add to Cart', ok: true, message: 'TikTok accepted the test event.' }])
    expect(standIn.requests).toHaveLength(1)
    expect(standIn.requests[0].body).toMatchObject({ test_event_code: 'TEST42', event_source_id: 'CPIX' })
    expect(standIn.requests[0].body.data[0]).toMatchObject({ event: 'AddToCart', event_id: 'sample-add-to-cart' })
  })

  it('refuses to send a test event without settings or a test event code', async () => {
    test = await startTestRuntime()
    const event = JSON.stringify(sampleEvents['Add to Cart'])
    expect(await api('/api/send-test', { event, testEventCode: 'T1' })).toMatchObject({
      status: 400,
      json: { message: 'Save an Access Token and a Pixel Code first: there is nothing to send with.' }
    })
  })

  it('saves settings to the settings file with mode 0600, and answers without the token', async () => {
    const settingsFile = join(mkdtempSync(join(tmpdir(), 'settings-')), 'settings.json')
    test = await startTestRuntime({ SETTINGS_FILE: settingsFile })
    expect(await api('/api/settings', { pixelCode: 'CPIX' })).toMatchObject({
      status: 400,
      json: { field: 'accessToken', message: 'Access Token is required.' }
    })
    const saved = await api('/api/settings', { accessToken: 'file-token-abcdef', pixelCode: ' CPIX ' })
    expect(saved.json).toEqual({
      mode: 'live',
      pixelCode: 'CPIX',
      accessTokenSet: true,
      message: 'Saved. Events now go to TikTok.'
    })
    expect(statSync(settingsFile).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual({
      accessToken: 'file-token-abcdef',
      pixelCode: 'CPIX'
    })
    // The pixel alone can change; the saved token stays.
    await api('/api/settings', { pixelCode: 'COTHER' })
    expect(test.runtime.settings).toEqual({ accessToken: 'file-token-abcdef', pixelCode: 'COTHER' })
  })

  it('leaves the settings unchanged when the settings file cannot be written', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'settings-')), 'no-such-dir', 'settings.json')
    test = await startTestRuntime({ SETTINGS_FILE: missing })
    const saved = await api('/api/settings', { accessToken: 'file-token-abcdef', pixelCode: 'CPIX' })
    expect(saved.status).toBe(500)
    expect(test.runtime.settings).toEqual({ accessToken: undefined, pixelCode: undefined })
    expect(test.runtime.mode()).toBe('dry-run')
  })

  it('refuses cross-origin POSTs, other Host names and non-JSON bodies', async () => {
    test = await startTestRuntime()
    const url = `${test.runtime.url}/api/settings`
    const host = new URL(test.runtime.url).host
    const body = JSON.stringify({ accessToken: 'x-token', pixelCode: 'X' })
    expect(
      await raw(url, 'POST', { host, origin: 'https://evil.example', 'content-type': 'application/json' }, body)
    ).toBe(403)
    expect(
      await raw(url, 'POST', { host, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, body)
    ).toBe(403)
    expect(await raw(url, 'POST', { host: 'evil.example', 'content-type': 'application/json' }, body)).toBe(421)
    expect(await raw(`${test.runtime.url}/`, 'GET', { host: `attacker.example:${new URL(url).port}` })).toBe(421)
    expect(await raw(url, 'POST', { host, 'content-type': 'text/plain' }, body)).toBe(415)
    expect(test.runtime.settings).toEqual({ accessToken: undefined, pixelCode: undefined })
  })

  it('serves the page with a strict content security policy', async () => {
    test = await startTestRuntime()
    const response = await fetch(`${test.runtime.url}/`)
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    const html = await response.text()
    expect(html).toContain('<label for="setting-accessToken">Access Token</label>')
  })
})
