/**
 * `npm run screenshot`: docs/settings-page.png, the settings and event tester page of a dry-run
 * runtime after a Preview of the Complete Payment sample, and docs/mappings-editor.png, its mappings
 * editor as a marketer leaves it before saving (Page View off, Complete Payment open with a new
 * trigger and a fixed Description), taken with Debian's chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, startRuntime } from '../src/runtime'
import { createLog } from '../src/runtime/ops/log'
import { pageRoutes } from '../src/page/routes'
import { sampleEvents } from '../src/page/samples'
import type { Page } from 'playwright-core'
import { launchChromium } from '../test/page/browser'
import { chooseBrowser } from '../test/support/browser-choice'

async function main() {
  const choice = chooseBrowser()
  if (!('path' in choice)) throw new Error(choice.skip)
  const executablePath = choice.path
  // In a temporary folder, with DATA_DIR's default (.runtime) as the page then shows it; delivery in this thread
  // (the delivery threads load TypeScript through tsx, found from the working folder).
  const dataDir = mkdtempSync(join(tmpdir(), 'tiktok-screenshot-'))
  process.chdir(dataDir)
  const runtime = await startRuntime(
    loadConfig({ PORT: '0', TIKTOK_PIXEL_CODE: 'C4EXAMPLEPIXEL', DATA_DIR: '.runtime', WORKERS: '0' }),
    { log: createLog(() => undefined), printBody: () => undefined, routes: [pageRoutes] }
  )
  // A little traffic for the Match keys panel: ten orders, four with an email, one with a phone.
  const orders = Array.from({ length: 10 }, (_, i) => {
    const sample = sampleEvents['Complete Payment'] as unknown as { context: { traits: Record<string, unknown> } }
    const { email, phone, ...traits } = sample.context.traits
    return {
      ...sample,
      messageId: `screenshot-${i}`,
      context: { ...sample.context, traits: { ...traits, ...(i < 4 ? { email } : {}), ...(i === 0 ? { phone } : {}) } }
    }
  })
  await fetch(`${runtime.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ batch: orders })
  })
  while (runtime.pipeline.counts.delivered < orders.length) await new Promise((resolve) => setTimeout(resolve, 50))
  const browser = await launchChromium(executablePath)
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
    // As the URL printed at start: the key becomes a cookie and the page redirects to /.
    await page.goto(`${runtime.url}/?key=${runtime.config.adminKey}`)
    await page.getByLabel('Sample event').selectOption('Complete Payment')
    await page.getByRole('button', { name: 'Preview', exact: true }).click()
    await page.locator('#tester-result pre').waitFor()
    const file = join(__dirname, '..', 'docs', 'settings-page.png')
    await page.screenshot({ path: file, fullPage: true })
    console.log(`wrote ${file}`)
    console.log(`wrote ${await editorShot(page)}`)
  } finally {
    await browser.close()
    await runtime.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** The mappings editor, with what a marketer changes in it, from its heading down. */
async function editorShot(page: Page): Promise<string> {
  await page.getByRole('switch', { name: 'Page View: on' }).uncheck()
  const item = page.getByRole('listitem', { name: 'Complete Payment', exact: true })
  await item.getByText('Edit Complete Payment').click()
  await item.getByLabel('Trigger', { exact: true }).fill('')
  await item.getByLabel('Condition value').fill('Purchase Done')
  await item.getByRole('button', { name: 'Add condition' }).click()
  const description = item.locator('.mapping-field[data-field="description"]')
  await description.getByLabel('Description: set as').selectOption('value')
  await description.getByLabel('Description', { exact: true }).fill('Paid on the web shop')
  await item.getByLabel('Event ID: set as').selectOption('path')
  await item.getByLabel('Event ID', { exact: true }).fill('$.properties.order_id')
  // Where each is on the page (not in the viewport, which scrolled to Complete Payment).
  const onPage = (selector: string) =>
    page
      .locator(selector)
      .first()
      .evaluate((node) => {
        const box = node.getBoundingClientRect()
        return { x: box.x + window.scrollX, y: box.y + window.scrollY, width: box.width }
      })
  const section = await onPage('#mappings-section')
  const payment = await onPage('#mappings > li[aria-label="Complete Payment"]')
  // From the section's heading to Complete Payment's first fields: the list, the switch, the trigger.
  const clip = { x: section.x, y: section.y, width: section.width, height: payment.y - section.y + 1250 }
  const file = join(__dirname, '..', 'docs', 'mappings-editor.png')
  await page.screenshot({ path: file, clip, fullPage: true })
  return file
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
