/**
 * `npm run screenshot`: docs/settings-page.png, the settings and event tester page of a dry-run
 * runtime after a Preview of the Complete Payment sample, taken with Debian's chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, startRuntime } from '../src/runtime'
import { createLog } from '../src/runtime/ops/log'
import { pageRoutes } from '../src/page/routes'
import { sampleEvents } from '../src/page/samples'
import { launchChromium } from '../test/page/browser'
import { chooseBrowser } from '../test/support/browser-choice'

async function main() {
  const choice = chooseBrowser()
  if (!('path' in choice)) throw new Error(choice.skip)
  const executablePath = choice.path
  const dataDir = mkdtempSync(join(tmpdir(), 'tiktok-screenshot-'))
  const runtime = await startRuntime(
    loadConfig({ PORT: '0', TIKTOK_PIXEL_CODE: 'C4EXAMPLEPIXEL', DATA_DIR: dataDir }),
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
    await page.getByRole('button', { name: 'Preview' }).click()
    await page.locator('#tester-result pre').waitFor()
    const file = join(__dirname, '..', 'docs', 'settings-page.png')
    await page.screenshot({ path: file, fullPage: true })
    console.log(`wrote ${file}`)
  } finally {
    await browser.close()
    await runtime.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
