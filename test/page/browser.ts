import { chromium, type Browser, type Page } from 'playwright-core'
import { startTestRuntime, type TestRuntime } from '../runtime/helpers'
import { chooseBrowser } from '../support/browser-choice'

/**
 * `describe` when there is a browser to test in, else `describe.skip` (test/support/browser-choice.js
 * decides; the reporter says why at the end of the run). A CHROMIUM_PATH naming a missing browser
 * fails here, loudly.
 */
export function browserSuite(): { describeInBrowser: jest.Describe; executablePath: string } {
  const choice = chooseBrowser()
  if ('path' in choice) return { describeInBrowser: describe, executablePath: choice.path }
  return { describeInBrowser: describe.skip, executablePath: '' }
}

/** Headless Debian chromium with the flags a closed network needs (no background connections). */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run'
    ]
  })
}

/**
 * Inside a describe: one browser for it, and for each test a runtime started as `npm start` would be
 * and a page opened on it with its key (closed after the test). Read the fields in the tests.
 */
export function pageOnRuntime(executablePath: string) {
  const session = {} as { browser: Browser; test: TestRuntime; page: Page }
  beforeAll(async () => {
    session.browser = await launchChromium(executablePath)
  })
  afterAll(async () => {
    await session.browser?.close()
  })
  beforeEach(async () => {
    session.test = await startTestRuntime()
    session.page = await session.browser.newPage()
    session.page.setDefaultTimeout(10_000)
    await session.page.goto(`${session.test.runtime.url}/?key=${session.test.runtime.config.adminKey}`)
  })
  afterEach(async () => {
    await session.page?.close()
  })
  return session
}
