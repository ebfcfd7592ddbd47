/**
 * analytics.js (`@segment/analytics-next`'s UMD bundle from npm, unchanged) in headless chromium, on a
 * page served by this test from another loopback port than the runtime's: every post is cross-origin,
 * with a CORS preflight. Nothing comes from Segment's CDN: the settings are inline, or the runtime's own.
 * What counts is what TikTok receives (the dry-run bodies the runtime prints).
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { sha } from '../../helpers'
import { browserSuite, launchChromium } from '../../page/browser'
import { printedEvents, startTestRuntime, waitFor, type PrintedEvent } from '../helpers'

const { describeInBrowser, executablePath } = browserSuite()

const BUNDLE = readFileSync(
  join(dirname(require.resolve('@segment/analytics-next/package.json')), 'dist', 'umd', 'index.js'),
  'utf8'
)
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Shop</title><script src="/analytics.js"></script></head>
<body><h1>Checkout</h1></body></html>`
const TTCLID = 'E.C.P.browser-click-7'
const WRITE_KEY = 'site-write-key'

/** What the page's analytics.js does, run in the page: load with these arguments, then track `orders`. */
async function loadAndTrack(page: Page, load: { settings: object; options?: object }, orders: number[]) {
  await page.evaluate(
    ({ load, orders }) => {
      const { AnalyticsBrowser } = (window as unknown as { AnalyticsNext: { AnalyticsBrowser: AnyAnalytics } })
        .AnalyticsNext
      const analytics = AnalyticsBrowser.load(load.settings, load.options)
      for (const i of orders) {
        void analytics.track('Order Completed', {
          order_id: `order-${i}`,
          revenue: 20 + i,
          currency: 'usd',
          email: ` Buyer${i}@Example.com `,
          products: [{ product_id: `sku-${i}`, price: 20 + i, quantity: 1 }]
        })
      }
      interface AnyAnalytics {
        load(settings: object, options?: object): { track(event: string, properties: object): Promise<unknown> }
      }
    },
    { load, orders }
  )
}

/** Inline settings as Segment's CDN would give them, with the runtime as the API host. */
const inline = (runtime: string, options: object = {}) => ({
  settings: { writeKey: WRITE_KEY, cdnSettings: { integrations: { 'Segment.io': { apiKey: WRITE_KEY } } } },
  options: {
    integrations: { 'Segment.io': { apiHost: `${new URL(runtime).host}/v1`, protocol: 'http', ...options } }
  }
})

describeInBrowser('analytics.js against the runtime', () => {
  let browser: Browser
  let site: Server
  let siteUrl: string
  let context: BrowserContext
  let page: Page
  /** Every request the page made, and the X-Retry-Count of those that carried one. */
  let requests: { url: string; method: string; retryCount?: string }[]

  beforeAll(async () => {
    browser = await launchChromium(executablePath)
    site = createServer((req, res) => {
      const script = req.url === '/analytics.js'
      res.writeHead(script || req.url?.startsWith('/?') ? 200 : 404, {
        'content-type': script ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8'
      })
      res.end(script ? BUNDLE : PAGE)
    })
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => site?.close(resolve))
  })
  beforeEach(async () => {
    context = await browser.newContext()
    page = await context.newPage()
    requests = []
    page.on('request', (request) =>
      requests.push({ url: request.url(), method: request.method(), retryCount: request.headers()['x-retry-count'] })
    )
  })
  afterEach(async () => {
    await context?.close()
    // Nothing left loopback: no CDN, no Segment API, no metrics elsewhere.
    expect(requests.filter(({ url }) => new URL(url).hostname !== '127.0.0.1')).toEqual([])
  })

  /** The TikTok event of order `i`, as a browser's analytics.js sends it: IP, user agent and ttclid. */
  async function expectFromBrowser(event: PrintedEvent | undefined, i: number) {
    expect(event).toMatchObject({
      event: 'CompletePayment',
      user: {
        email: [sha(`buyer${i}@example.com`)],
        ip: '127.0.0.1',
        user_agent: await page.evaluate(() => navigator.userAgent),
        ttclid: TTCLID
      },
      properties: { order_id: `order-${i}`, currency: 'USD', value: 20 + i },
      page: { url: `${siteUrl}/?ttclid=${TTCLID}` }
    })
  }

  it('delivers events with the IP, user agent and ttclid TikTok matches on', async () => {
    const test = await startTestRuntime({ FLUSH_INTERVAL_MS: '50' })
    await page.goto(`${siteUrl}/?ttclid=${TTCLID}`)
    await loadAndTrack(page, inline(test.runtime.url), [1, 2])
    await waitFor(() => printedEvents(test).length === 2, 15_000)
    const byOrder = (i: number) => printedEvents(test).find((event) => event.properties.order_id === `order-${i}`)
    await expectFromBrowser(byOrder(1), 1)
    await expectFromBrowser(byOrder(2), 2)
    expect(requests.filter(({ url }) => url.startsWith(`${test.runtime.url}/v1/t`))).toHaveLength(2)
  })

  it('delivers what it sent while the runtime was down, with its retries (X-Retry-Count)', async () => {
    // A port with no runtime behind it for now.
    const before = await startTestRuntime()
    const port = new URL(before.runtime.url).port
    await before.runtime.close()

    await page.goto(`${siteUrl}/?ttclid=${TTCLID}`)
    await loadAndTrack(page, inline(before.runtime.url), [1, 2])
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    const test = await startTestRuntime({ PORT: port, FLUSH_INTERVAL_MS: '50' })
    await waitFor(() => printedEvents(test).length === 2, 20_000)

    const byOrder = (i: number) => printedEvents(test).find((event) => event.properties.order_id === `order-${i}`)
    await expectFromBrowser(byOrder(1), 1)
    await expectFromBrowser(byOrder(2), 2)
    const posts = requests.filter(({ url, method }) => url.startsWith(`${test.runtime.url}/v1/t`) && method === 'POST')
    expect(posts.length).toBeGreaterThan(2)
    expect(posts.some(({ retryCount }) => Number(retryCount) >= 1)).toBe(true)
  })

  it('delivers with the batching delivery strategy (/v1/b)', async () => {
    const test = await startTestRuntime({ FLUSH_INTERVAL_MS: '50' })
    await page.goto(`${siteUrl}/?ttclid=${TTCLID}`)
    await loadAndTrack(
      page,
      inline(test.runtime.url, { deliveryStrategy: { strategy: 'batching', config: { size: 3, timeout: 200 } } }),
      [1, 2, 3]
    )
    await waitFor(() => printedEvents(test).length === 3, 15_000)
    for (const i of [1, 2, 3]) {
      await expectFromBrowser(
        printedEvents(test).find((event) => event.properties.order_id === `order-${i}`),
        i
      )
    }
    expect(requests.filter(({ url }) => url === `${test.runtime.url}/v1/b`)).toHaveLength(1)
  })

  it('needs nothing of Segment with cdnURL pointing at the runtime', async () => {
    const test = await startTestRuntime({ FLUSH_INTERVAL_MS: '50', SEGMENT_WRITE_KEY: WRITE_KEY })
    await page.goto(`${siteUrl}/?ttclid=${TTCLID}`)
    await loadAndTrack(page, { settings: { writeKey: WRITE_KEY, cdnURL: test.runtime.url } }, [4])
    await waitFor(() => printedEvents(test).length === 1, 15_000)
    await expectFromBrowser(printedEvents(test)[0], 4)
    expect(requests.map(({ url }) => url)).toContain(`${test.runtime.url}/v1/projects/${WRITE_KEY}/settings`)
  })
})
