// Which browser the browser tests use, decided in one place for the tests (test/page/browser.ts)
// and for the reporter that says why they were skipped (test/support/reporter.js).
'use strict'
const { existsSync } = require('node:fs')

/** `CHROMIUM_PATH=none`: run without a browser on purpose. */
const NO_BROWSER = 'none'
const DEBIAN_CHROMIUM = '/usr/bin/chromium'

/**
 * - `CHROMIUM_PATH=<file>`: that browser; the browser tests fail if it is not there (CI sets it).
 * - `CHROMIUM_PATH=none`: no browser on purpose; the browser tests are skipped.
 * - unset: Debian's chromium when installed, else the browser tests are skipped with a warning.
 * @returns {{ path: string } | { skip: string, deliberate: boolean }}
 */
function chooseBrowser(env = process.env) {
  const configured = env.CHROMIUM_PATH
  if (configured === NO_BROWSER) {
    return { skip: 'CHROMIUM_PATH=none: the browser tests were skipped on purpose.', deliberate: true }
  }
  if (configured) {
    if (!existsSync(configured)) {
      throw new Error(`CHROMIUM_PATH=${configured}: no browser there (apt-get install chromium, or CHROMIUM_PATH=none)`)
    }
    return { path: configured }
  }
  if (existsSync(DEBIAN_CHROMIUM)) return { path: DEBIAN_CHROMIUM }
  return {
    skip: `No chromium at ${DEBIAN_CHROMIUM} and CHROMIUM_PATH is not set: the browser tests were SKIPPED. Install it (apt-get install chromium) or point CHROMIUM_PATH at a chromium to run them.`,
    deliberate: false
  }
}

module.exports = { chooseBrowser, NO_BROWSER }
