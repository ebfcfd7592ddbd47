/**
 * The settings and event tester page in a real browser (headless Debian chromium via playwright-core).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser, Page } from 'playwright-core'
import destination from '../../src'
import { sampleEvents } from '../../src/page/samples'
import type { StandIn } from '../../src/runtime/tools/standin'
import { sha } from '../helpers'
import { startStandIn, startTestRuntime, type TestRuntime, withKey } from '../runtime/helpers'
import type { Runtime } from '../../src/runtime'
import { browserSuite, launchChromium } from './browser'

const { describeInBrowser, executablePath } = browserSuite()

describeInBrowser('the settings and event tester page', () => {
  let browser: Browser
  let standIn: StandIn
  let test: TestRuntime
  let page: Page

  beforeAll(async () => {
    browser = await launchChromium(executablePath)
  })
  afterAll(async () => {
    await browser?.close()
  })
  beforeEach(async () => {
    standIn = await startStandIn()
    test = await startTestRuntime({ TIKTOK_API_URL: standIn.url })
    page = await browser.newPage()
    await logIn(page, test.runtime)
  })
  afterEach(async () => {
    await page?.close()
  })

  it('lists every setting, and every preset of the definition in the mappings editor, each on', async () => {
    for (const field of Object.values(destination.authentication?.fields ?? {})) {
      await expectVisible(page.getByLabel(field.label, { exact: true }))
    }
    expect(await page.getByLabel('Access Token', { exact: true }).getAttribute('type')).toBe('password')
    expect(await page.getByLabel('Pixel Code', { exact: true }).getAttribute('type')).toBe('text')
    // The fifteen web presets, then the eleven app ones.
    expect(await page.locator('#mappings > li').count()).toBe(26)
    for (const preset of destination.presets ?? []) {
      const item = page.getByRole('listitem', { name: preset.name, exact: true })
      expect(await item.locator('.trigger').innerText()).toBe('subscribe' in preset ? preset.subscribe : '')
      expect(await item.locator('.reports').innerText()).toContain(`→ ${String(preset.mapping?.event)}`)
      expect(await item.getByRole('switch', { name: `${preset.name}: on` }).isChecked()).toBe(true)
    }
  })

  it('saves the settings and never shows the token again', async () => {
    const token = 'browser-secret-token-5e5e5e'
    await page.getByLabel('Access Token', { exact: true }).fill(token)
    await page.getByLabel('Pixel Code', { exact: true }).fill('CBROWSER01')
    expect(await page.locator('#app-events').innerText()).toBe(
      'Events from mobile apps: no TikTok App ID is set: events from mobile apps go to the Pixel as web events.'
    )
    await page.getByLabel('TikTok App ID', { exact: true }).fill(' 7301234567890123456 ')
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await page.getByText('Saved. Events now go to TikTok.').waitFor()
    expect(await page.locator('#app-events').innerText()).toBe(
      'Events from mobile apps: sent as app events to TikTok App ID 7301234567890123456.'
    )

    expect(await page.getByLabel('Access Token', { exact: true }).inputValue()).toBe('')
    expect(await page.locator('#mode').innerText()).toBe('Live: sending to TikTok')
    expect(test.runtime.settings).toEqual({ accessToken: token, pixelCode: 'CBROWSER01', appID: '7301234567890123456' })
    await page.reload()
    expect(await page.content()).not.toContain(token)
    expect(await page.getByText('An access token is saved (not shown).').count()).toBe(1)
    expect(await page.getByLabel('Pixel Code', { exact: true }).inputValue()).toBe('CBROWSER01')
    const state = await page.evaluate(() => fetch('/api/state').then((response) => response.text()))
    expect(state).not.toContain(token)
    expect(JSON.parse(state)).toEqual({
      mode: 'live',
      pixelCode: 'CBROWSER01',
      appID: '7301234567890123456',
      offlineEventSetID: '',
      accessTokenSet: true,
      appEvents: 'sent as app events to TikTok App ID 7301234567890123456',
      consentCategories: '',
      limitedDataUse: false,
      identityMemory: false,
      identityTtlDays: 28
    })

    // Consent and identity: their own form, saved the same way.
    await page.getByLabel('Consent categories', { exact: true }).fill('Advertising')
    await page.getByLabel('Identity memory', { exact: true }).check()
    await page.getByRole('button', { name: 'Save consent and identity' }).click()
    await expectVisible(page.locator('#privacy-status', { hasText: 'Saved.' }))
    const privacy = JSON.parse(await page.evaluate(() => fetch('/api/state').then((response) => response.text())))
    expect(privacy).toMatchObject({ consentCategories: 'Advertising', identityMemory: true, limitedDataUse: false })
  })

  it('tests the connection and shows TikTok’s verdict in words', async () => {
    await standIn.close()
    standIn = await startStandIn({
      script: () => ({ body: { code: 40001, message: 'No permission to operate pixel' } })
    })
    await test.runtime.close()
    test = await startTestRuntime({
      TIKTOK_API_URL: standIn.url,
      TIKTOK_ACCESS_TOKEN: 'tok-4f4f4f4f',
      TIKTOK_PIXEL_CODE: 'CPIX'
    })
    await logIn(page, test.runtime)
    await page.getByRole('button', { name: 'Test connection' }).click()
    await expectVisible(
      page.getByText('TikTok did not accept this Access Token for Pixel Code CPIX: No permission to operate pixel')
    )
  })

  it('previews an Order Completed event: CompletePayment, with the hash of the trimmed, lowercased email', async () => {
    await page.getByLabel('Sample event').selectOption('Complete Payment')
    const event = JSON.parse(await page.getByLabel('Segment event').inputValue())
    expect(event.event).toBe('Order Completed')
    await page.getByRole('button', { name: 'Preview' }).click()
    const result = page.locator('#tester-result')
    await result.locator('pre').waitFor()
    const text = await result.innerText()
    expect(text).toContain('TikTok event CompletePayment')
    const email = sampleEvents['Complete Payment'].context?.traits?.email as string
    expect(text).toContain(sha(email.trim().toLowerCase()))
    // The raw PII typed in the tester stays in its textbox.
    expect(text.toLowerCase()).not.toContain(email.trim().toLowerCase())
    expect(standIn.stats.requests).toBe(0)
  })

  it('shows a clear message for a malformed event, and field-level messages for bad fields', async () => {
    const preview = async (text: string) => {
      await page.getByLabel('Segment event').fill(text)
      await page.getByRole('button', { name: 'Preview' }).click()
    }
    const order = (properties: object) =>
      JSON.stringify({ type: 'track', event: 'Order Completed', userId: 'u1', timestamp: 'soon', properties })

    await preview('{ "type": "track", oops }')
    await expectVisible(page.getByText('The Segment event is not valid JSON (line 1, column 20).'))

    await preview(order({ currency: 'dollars', revenue: 'lots' }))
    await expectVisible(page.getByText('Value must be a number but it was a string.'))

    await preview(order({ currency: 'dollars' }))
    await expectVisible(page.getByText('What is wrong (nothing would be sent):'))
    await expectVisible(page.getByText(/Currency \(currency\) must be a three-letter ISO 4217 code/))
    await expectVisible(page.getByText(/Event Timestamp \(timestamp\) must be an ISO 8601 date-time/))
  })

  it('shows event data as text, never as markup', async () => {
    const hostile = '<img src=x onerror="window.__injected = true">'
    const event = { ...sampleEvents['View Content'], properties: { product_id: hostile, name: hostile, price: 1 } }
    await page.getByLabel('Segment event').fill(JSON.stringify(event))
    await page.getByRole('button', { name: 'Preview' }).click()
    await page.locator('#tester-result pre').waitFor()
    expect(await page.locator('#tester-result pre').innerText()).toContain(hostile.replace(/"/g, '\\"'))
    expect(await page.locator('#tester-result img').count()).toBe(0)
    expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined()
  })

  it('logs in with the key of the URL printed at start: the key goes into an HttpOnly cookie, out of the address bar', async () => {
    const context = await browser.newContext()
    const fresh = await context.newPage()
    try {
      const response = await fresh.goto(`${test.runtime.url}/?key=${test.runtime.config.adminKey}`)
      expect(response?.status()).toBe(200)
      expect(fresh.url()).toBe(`${test.runtime.url}/`)
      await expectVisible(fresh.getByLabel('Access Token', { exact: true }))
      expect(await fresh.evaluate(() => document.cookie)).toBe('')
      const cookies = await context.cookies()
      expect(cookies).toEqual([
        expect.objectContaining({
          name: `tiktok_runtime_key_${new URL(test.runtime.url).port}`,
          value: test.runtime.config.adminKey,
          httpOnly: true,
          sameSite: 'Strict',
          path: '/',
          expires: -1
        })
      ])
      expect(await fresh.evaluate(() => fetch('/api/state').then((answer) => answer.status))).toBe(200)
    } finally {
      await context.close()
    }
  })

  it('without the key, the page shows how to open it and nothing else, and its API answers 401', async () => {
    await test.runtime.updateSettings({ pixelCode: 'CSECRETPIXEL' })
    const context = await browser.newContext()
    const stranger = await context.newPage()
    try {
      for (const url of [`${test.runtime.url}/`, `${test.runtime.url}/?key=not-the-key-0123456789`]) {
        const response = await stranger.goto(url)
        expect(response?.status()).toBe(401)
        await expectVisible(stranger.getByRole('heading', { name: 'Open this page with its key' }))
        expect(await stranger.locator('form, input, table, textarea, button').count()).toBe(0)
        const html = await stranger.content()
        expect(html).not.toContain('CSECRETPIXEL')
        expect(html).not.toContain(test.runtime.config.adminKey)
      }
      await expectVisible(stranger.getByText("That key is not this runtime's."))
      expect(await context.cookies()).toEqual([])
      const statuses = await stranger.evaluate(async () => {
        const post = (path: string, body: object) =>
          fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
        return Promise.all([
          fetch('/api/state').then((answer) => answer.status),
          fetch('/deliveries').then((answer) => answer.status),
          post('/api/settings', { accessToken: 'stolen-token-1234', pixelCode: 'EVIL' }).then(
            (answer) => answer.status
          ),
          post('/api/test-connection', {}).then((answer) => answer.status),
          post('/api/preview', { event: '{}' }).then((answer) => answer.status),
          post('/api/send-test', { event: '{}', testEventCode: 'T' }).then((answer) => answer.status)
        ])
      })
      expect(statuses).toEqual([401, 401, 401, 401, 401, 401])
      expect(test.runtime.settings).toEqual({ accessToken: undefined, pixelCode: 'CSECRETPIXEL' })
    } finally {
      await context.close()
    }
  })

  it('says to open the printed URL again when its key is no longer good (a restart makes a new one)', async () => {
    await page.context().clearCookies()
    await page.getByLabel('Access Token', { exact: true }).fill('after-restart-token-1234')
    await page.getByLabel('Pixel Code', { exact: true }).fill('CPIX')
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await expectVisible(
      page.getByText('This page lost its admin key (did the runtime restart?): open the URL it printed at start.')
    )
    expect(test.runtime.settings).toEqual({ accessToken: undefined, pixelCode: undefined })
  })

  describe('from another origin', () => {
    let evil: Server
    let evilUrl: string
    beforeEach(async () => {
      evil = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' })
        res.end('<!doctype html><title>elsewhere</title>')
      })
      await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve))
      evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`
    })
    afterEach(async () => {
      await new Promise((resolve) => evil.close(resolve))
    })

    it('a POST that changes state is refused', async () => {
      await page.goto(evilUrl)
      const target = `${test.runtime.url}/api/settings`
      const outcome = await page.evaluate(async (url) => {
        const body = JSON.stringify({ accessToken: 'stolen', pixelCode: 'EVIL' })
        const simple = await fetch(url, {
          method: 'POST',
          mode: 'no-cors',
          body,
          headers: { 'content-type': 'text/plain' }
        })
          .then(() => 'sent')
          .catch(() => 'blocked')
        const json = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
          .then((response) => response.status)
          .catch(() => 'blocked')
        return { simple, json }
      }, target)
      expect(outcome.json).toBe('blocked')
      expect(test.runtime.settings).toEqual({ accessToken: undefined, pixelCode: undefined })
      const direct = await fetch(target, {
        method: 'POST',
        // With the key: the Origin check refuses it all the same.
        headers: { ...withKey(test.runtime), origin: evilUrl.replace(/\/$/, ''), 'content-type': 'application/json' },
        body: JSON.stringify({ accessToken: 'stolen', pixelCode: 'EVIL' })
      })
      expect(direct.status).toBe(403)
      expect(await direct.json()).toEqual({ message: 'Cross-origin requests are refused.' })
      expect(test.runtime.mode()).toBe('dry-run')
    })
  })
})

/** Opens the page the way the URL printed at start does: `/?key=…`, redirected to `/`. */
async function logIn(page: Page, runtime: Runtime) {
  await page.goto(`${runtime.url}/?key=${runtime.config.adminKey}`)
  expect(page.url()).toBe(`${runtime.url}/`)
}

async function expectVisible(locator: ReturnType<Page['locator']>) {
  await locator.first().waitFor({ state: 'visible', timeout: 5000 })
}
