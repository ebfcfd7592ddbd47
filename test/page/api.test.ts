import crypto from 'node:crypto'
import { chmodSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { mkdtempSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sampleEvents, testerSamples } from '../../src/page/samples'
import type { StandIn } from '../../src/runtime/tools/standin'
import { sha } from '../helpers'
import { post, startTestRuntime, type TestRuntime, startStandIn, withKey } from '../runtime/helpers'

let standIn: StandIn | undefined
let test: TestRuntime | undefined

const api = (path: string, body: unknown) => post(`${test!.runtime.url}${path}`, body, withKey(test!.runtime))

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
      message: 'No preset matches this event (routed as a web event).',
      routedAs: 'web',
      matches: []
    })
    const off = { ...sampleEvents['Complete Payment'], integrations: { 'Tiktok Conversions': false } }
    expect((await api('/api/preview', { event: JSON.stringify(off) })).json.message).toMatch(
      /turns Tiktok Conversions off/
    )
  })

  it('previews the mobile sample as an app event once an App ID is set, and as a web event before', async () => {
    test = await startTestRuntime()
    const ios = JSON.stringify(testerSamples['iOS app: Order Completed (analytics-swift)'])
    const before = (await api('/api/preview', { event: ios })).json
    expect(before).toMatchObject({
      routedAs: 'web',
      matches: [{ mapping: 'Complete Payment', action: 'reportWebEvent' }]
    })
    expect(before.matches[0].body).toMatchObject({ event_source: 'web', event_source_id: 'DRY_RUN_PIXEL' })

    const saved = await api('/api/settings', { accessToken: 'page-token-abcdef', pixelCode: 'CPIX', appID: '7301' })
    expect(saved.json).toMatchObject({ appID: '7301', appEvents: 'sent as app events to TikTok App ID 7301' })
    const after = (await api('/api/preview', { event: ios })).json
    expect(after.routedAs).toBe('app')
    expect(after.matches).toHaveLength(1)
    expect(after.matches[0]).toMatchObject({ mapping: 'Complete payment (app)', action: 'reportAppEvent', errors: [] })
    expect(after.matches[0].body).toMatchObject({
      event_source: 'app',
      event_source_id: '7301',
      data: [{ event: 'Purchase', app: { app_id: 'com.example.northwind' }, user: { att_status: 'AUTHORIZED' } }]
    })
    // The in-store sample needs an offline mapping: with the presets it is a web order.
    const offline = (
      await api('/api/preview', { event: JSON.stringify(testerSamples['In-store purchase (offline mapping)']) })
    ).json
    expect(offline.matches.map((match: { mapping: string }) => match.mapping)).toEqual(['Complete Payment'])
    // An empty App ID clears it: app events go to the Pixel again.
    const cleared = await api('/api/settings', { pixelCode: 'CPIX', appID: ' ' })
    expect(cleared.json).toMatchObject({ appID: '', appEvents: expect.stringMatching(/^no TikTok App ID is set/) })
    expect(test.runtime.settings.appID).toBeUndefined()
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
      appID: '',
      offlineEventSetID: '',
      accessTokenSet: true,
      appEvents: 'no TikTok App ID is set: events from mobile apps go to the Pixel as web events',
      consentCategories: '',
      limitedDataUse: false,
      identityMemory: false,
      identityTtlDays: 28,
      message: 'Saved. Events now go to TikTok.'
    })
    expect(statSync(settingsFile).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual({
      accessToken: 'file-token-abcdef',
      pixelCode: 'CPIX'
    })
    // The pixel alone can change; the saved token stays. The App ID and offline event set are saved too.
    await api('/api/settings', { pixelCode: 'COTHER', appID: '7301', offlineEventSetID: '7123' })
    expect(test.runtime.settings).toEqual({
      accessToken: 'file-token-abcdef',
      pixelCode: 'COTHER',
      appID: '7301',
      offlineEventSetID: '7123'
    })
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual(test.runtime.settings)
  })

  it('refuses an access token shorter than 8 characters, naming the field, and saves nothing', async () => {
    const settingsFile = join(mkdtempSync(join(tmpdir(), 'settings-')), 'settings.json')
    test = await startTestRuntime({ SETTINGS_FILE: settingsFile })
    expect(await api('/api/settings', { accessToken: ' short12 ', pixelCode: 'CPIX' })).toEqual({
      status: 400,
      headers: expect.anything(),
      json: {
        field: 'accessToken',
        message: 'Access Token must be at least 8 characters: paste the whole token from TikTok.'
      }
    })
    expect(test.runtime.settings).toEqual({ accessToken: undefined, pixelCode: undefined })
    expect(() => statSync(settingsFile)).toThrow(/ENOENT/)
  })

  it('makes a settings file that was readable by others private (0600) at the first save', async () => {
    const settingsFile = join(mkdtempSync(join(tmpdir(), 'settings-')), 'settings.json')
    writeFileSync(settingsFile, '{"pixelCode": "COLD"}')
    chmodSync(settingsFile, 0o644)
    test = await startTestRuntime({ SETTINGS_FILE: settingsFile })
    expect(statSync(settingsFile).mode & 0o777).toBe(0o600)
    chmodSync(settingsFile, 0o644) // loosened again while running: the save replaces the file
    expect((await api('/api/settings', { accessToken: 'file-token-abcdef', pixelCode: 'CPIX' })).status).toBe(200)
    expect(statSync(settingsFile).mode & 0o777).toBe(0o600)
  })

  it('never writes through a link planted where the temporary file used to be, nor leaves one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'settings-'))
    const settingsFile = join(dir, 'settings.json')
    const target = join(mkdtempSync(join(tmpdir(), 'elsewhere-')), 'authorized_keys')
    writeFileSync(target, 'untouched\n')
    const planted = `${settingsFile}.${process.pid}.tmp`
    symlinkSync(target, planted)
    test = await startTestRuntime({ SETTINGS_FILE: settingsFile })
    expect((await api('/api/settings', { accessToken: 'planted-token-abcdef', pixelCode: 'CPIX' })).status).toBe(200)
    expect(readFileSync(target, 'utf8')).toBe('untouched\n')
    expect(lstatSync(settingsFile).isFile()).toBe(true)
    expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toEqual({
      accessToken: 'planted-token-abcdef',
      pixelCode: 'CPIX'
    })
    expect(readdirSync(dir).sort()).toEqual(['settings.json', `settings.json.${process.pid}.tmp`])
  })

  it('creates its temporary file exclusively: a link planted at that very name makes the save fail, unwritten', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'settings-'))
    const settingsFile = join(dir, 'settings.json')
    const target = join(mkdtempSync(join(tmpdir(), 'elsewhere-')), 'target')
    writeFileSync(target, 'untouched\n')
    test = await startTestRuntime({ SETTINGS_FILE: settingsFile })
    // The random part of the name, made predictable here to plant the link at the exact name.
    const randomBytes = crypto.randomBytes
    const spy = jest
      .spyOn(crypto, 'randomBytes')
      .mockImplementation(((size: number) => (size === 8 ? Buffer.alloc(8, 0xab) : randomBytes(size))) as never)
    try {
      symlinkSync(target, `${settingsFile}.${'ab'.repeat(8)}.tmp`)
      const saved = await api('/api/settings', { accessToken: 'planted-token-abcdef', pixelCode: 'CPIX' })
      expect(saved.status).toBe(500)
      expect(spy).toHaveBeenCalledWith(8)
    } finally {
      spy.mockRestore()
    }
    expect(readFileSync(target, 'utf8')).toBe('untouched\n')
    expect(() => lstatSync(settingsFile)).toThrow(/ENOENT/)
    expect(test.runtime.settings).toEqual({ accessToken: undefined, pixelCode: undefined })
    expect(test.logs.join('\n')).not.toContain('planted-token-abcdef')
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
    const body = JSON.stringify({ accessToken: 'x-token-123', pixelCode: 'X' })
    // With the key too: the key does not make a cross-origin request acceptable.
    const key = withKey(test.runtime)
    const json = { ...key, 'content-type': 'application/json' }
    expect(await raw(url, 'POST', { host, origin: 'https://evil.example', ...json }, body)).toBe(403)
    expect(await raw(url, 'POST', { host, 'sec-fetch-site': 'cross-site', ...json }, body)).toBe(403)
    expect(await raw(url, 'POST', { host: 'evil.example', ...json }, body)).toBe(421)
    expect(await raw(`${test.runtime.url}/`, 'GET', { host: `attacker.example:${new URL(url).port}`, ...key })).toBe(
      421
    )
    expect(await raw(url, 'POST', { host, ...key, 'content-type': 'text/plain' }, body)).toBe(415)
    expect(test.runtime.settings).toEqual({ accessToken: undefined, pixelCode: undefined })
  })

  it('serves the page with a strict content security policy', async () => {
    test = await startTestRuntime()
    const response = await fetch(`${test.runtime.url}/`, { headers: withKey(test.runtime) })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    const html = await response.text()
    expect(html).toContain('<label for="setting-accessToken">Access Token</label>')
    // People read TikTok's spelling; the definition keeps Segment's (the integrations object's key).
    expect(html).toContain('<h1>TikTok Conversions</h1>')
    expect(html).toContain('<title>TikTok Conversions · local runtime</title>')
    expect(html).not.toContain('Tiktok Conversions</h1>')
  })
})

describe('the admin key', () => {
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${test!.runtime.url}${path}`, { headers, redirect: 'manual' })

  it('GET /?key=… sets an HttpOnly, SameSite=Strict cookie and redirects to / without the key', async () => {
    test = await startTestRuntime()
    const key = test.runtime.config.adminKey
    const port = new URL(test.runtime.url).port
    const login = await get(`/?key=${key}`)
    expect(login.status).toBe(303)
    expect(login.headers.get('location')).toBe('/')
    expect(login.headers.get('set-cookie')).toBe(`tiktok_runtime_key_${port}=${key}; HttpOnly; SameSite=Strict; Path=/`)
    expect(login.headers.get('referrer-policy')).toBe('no-referrer')
    const page = await get('/', { cookie: `other=1; tiktok_runtime_key_${port}=${key}` })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<label for="setting-accessToken">Access Token</label>')
  })

  it('without it, GET / says how to open the page and shows no settings; a wrong key is told so', async () => {
    test = await startTestRuntime({ TIKTOK_PIXEL_CODE: 'CSECRETPIXEL' })
    const key = test.runtime.config.adminKey
    const cases: [string, Record<string, string>][] = [
      ['/', {}],
      ['/', { cookie: `tiktok_runtime_key_1=${key}` }], // another port's cookie
      ['/', { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` }],
      [`/?key=${key.slice(0, -1)}`, {}]
    ]
    for (const [path, headers] of cases) {
      const response = await get(path, headers)
      expect(response.status).toBe(401)
      expect(response.headers.get('set-cookie')).toBeNull()
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
      const html = await response.text()
      expect(html).toContain('<h2 id="key-title">Open this page with its key</h2>')
      expect(html).toContain('/?key=…')
      expect(html).not.toContain('CSECRETPIXEL')
      expect(html).not.toContain('setting-accessToken')
      expect(html).not.toContain(key)
      expect(html.includes("That key is not this runtime's.")).toBe(path !== '/')
    }
  })

  it('every /api/ route and /deliveries answer 401 without it, and take it as a Bearer token or the cookie', async () => {
    test = await startTestRuntime()
    const key = test.runtime.config.adminKey
    const port = new URL(test.runtime.url).port
    const routes: [string, string][] = [
      ['GET', '/api/state'],
      ['GET', '/api/match-keys'],
      ['POST', '/api/settings'],
      ['POST', '/api/test-connection'],
      ['POST', '/api/preview'],
      ['POST', '/api/send-test'],
      ['POST', '/api/anything-else'],
      ['GET', '/deliveries']
    ]
    const call = (method: string, path: string, headers: Record<string, string>) =>
      fetch(`${test!.runtime.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: method === 'POST' ? JSON.stringify({ accessToken: 'intruder-token-1234', pixelCode: 'EVIL' }) : undefined
      })
    for (const [method, path] of routes) {
      const refused: Record<string, string>[] = [
        {},
        { authorization: 'Bearer wrong-key-0123456789abcdef' },
        { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` },
        { cookie: `tiktok_runtime_key_${port}=${key}x` }
      ]
      for (const headers of refused) {
        const response = await call(method, path, headers)
        expect([path, response.status]).toEqual([path, 401])
        expect(response.headers.get('www-authenticate')).toBe('Bearer')
        expect(await response.json()).toEqual({
          message:
            'This needs the admin key: open the page with the URL the runtime printed at start (…/?key=…), or send Authorization: Bearer <key>.'
        })
      }
    }
    expect(test.runtime.settings).toEqual({ accessToken: undefined, pixelCode: undefined })
    expect((await call('GET', '/api/state', { authorization: `Bearer ${key}` })).status).toBe(200)
    expect((await call('GET', '/api/match-keys', { cookie: `tiktok_runtime_key_${port}=${key}` })).status).toBe(200)
    expect((await call('GET', '/deliveries', { cookie: `tiktok_runtime_key_${port}=${key}` })).status).toBe(200)
    expect((await call('POST', '/api/anything-else', { authorization: `Bearer ${key}` })).status).toBe(404)
    // The Tracking API and /health do not need it.
    expect((await call('GET', '/health', {})).status).toBe(200)
    expect((await post(`${test.runtime.url}/v1/track`, { userId: 'u', event: 'Signed Up' })).status).toBe(200)
  })

  it('ADMIN_KEY replaces the random key', async () => {
    test = await startTestRuntime({ ADMIN_KEY: 'my-own-admin-key-0001' })
    expect((await get('/api/state', { authorization: 'Bearer my-own-admin-key-0001' })).status).toBe(200)
    expect((await get('/?key=my-own-admin-key-0001')).status).toBe(303)
  })
})
