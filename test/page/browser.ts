import { chromium, type Browser } from 'playwright-core'
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
