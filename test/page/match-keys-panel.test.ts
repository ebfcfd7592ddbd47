/**
 * The Match keys panel in a real browser (headless Debian chromium via playwright-core): events sent
 * to the Tracking API of a dry-run runtime, then the shares and the sentence the panel shows.
 */
import type { Browser, Page } from 'playwright-core'
import type { Runtime } from '../../src/runtime'
import { orderCompleted, post, startTestRuntime, waitFor } from '../runtime/helpers'
import { browserSuite, launchChromium } from './browser'

const { describeInBrowser, executablePath } = browserSuite()

/** Order Completed events carrying every key but email, and email on those `withEmail` says. */
const orders = (from: number, withEmail: boolean[]) =>
  withEmail.map((email, k) => {
    const event = orderCompleted(from + k)
    const { email: address, ...properties } = event.properties
    return {
      ...event,
      properties: { ...properties, ...(email ? { email: address } : {}), ttclid: 'E.C.P.click', ttp: 'ttp-cookie' }
    }
  })

async function send(runtime: Runtime, events: object[]) {
  const before = runtime.pipeline.counts.delivered
  expect((await post(`${runtime.url}/v1/batch`, { batch: events })).status).toBe(200)
  await waitFor(() => runtime.pipeline.counts.delivered === before + events.length)
}

describeInBrowser('the Match keys panel', () => {
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    browser = await launchChromium(executablePath)
  })
  afterAll(async () => {
    await browser?.close()
  })
  afterEach(async () => {
    await page?.close()
  })

  it('shows, per mapping, the share of its delivered events that carried each key and the sentence for the weakest', async () => {
    const { runtime } = await startTestRuntime({ FLUSH_INTERVAL_MS: '20' })
    page = await browser.newPage()
    await page.goto(`${runtime.url}/?key=${runtime.config.adminKey}`)
    const panel = page.locator('#match-keys')
    await panel.getByText('No events yet', { exact: false }).waitFor({ timeout: 5000 })

    // Four orders, one with an email: after Refresh, 25% carry an email, the weakest key.
    await send(runtime, orders(0, [true, false, false, false]))
    await page.getByRole('button', { name: 'Refresh' }).click()
    const payments = panel.locator('.match-keys', { has: page.getByRole('heading', { name: 'Complete Payment' }) })
    await payments.getByText('Out of 4 delivered events.').waitFor({ timeout: 5000 })
    expect(await payments.locator('th').allInnerTexts()).toEqual([
      'Email',
      'Phone',
      'External ID',
      'TikTok Click ID',
      'TikTok Cookie ID',
      'IP + User Agent'
    ])
    expect(await payments.locator('td').allInnerTexts()).toEqual([
      '25% (1 of 4)',
      '100% (4 of 4)',
      '100% (4 of 4)',
      '100% (4 of 4)',
      '100% (4 of 4)',
      '100% (4 of 4)'
    ])
    expect(await payments.locator('.advice').innerText()).toBe(
      'Only 25% of Complete Payment events carry an email: map Email to where your events keep it.'
    )
    expect(await panel.locator('h3').allInnerTexts()).toEqual(['Complete Payment'])

    // Four more, all with an email, then a Preview: the panel refreshes after it, and the Preview
    // itself (of a sample with an email) does not count.
    await send(runtime, orders(4, [true, true, true, true]))
    await page.getByRole('button', { name: 'Preview' }).click()
    await payments.getByText('Out of 8 delivered events.').waitFor({ timeout: 5000 })
    expect(await payments.locator('td').first().innerText()).toBe('63% (5 of 8)')
    expect(await payments.locator('.advice').innerText()).toBe(
      'Only 63% of Complete Payment events carry an email: map Email to where your events keep it.'
    )

    // Shown when the page loads too; no address sent is on it.
    await page.reload()
    await payments.getByText('Out of 8 delivered events.').waitFor({ timeout: 5000 })
    const html = await page.content()
    for (let i = 0; i < 8; i++) expect(html.toLowerCase()).not.toContain(`buyer${i}@example.com`)
  })
})
