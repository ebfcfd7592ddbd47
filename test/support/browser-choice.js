// Which browser the browser tests use, decided in one place for the tests (test/page/browser.ts)
// and for the reporter that says why they were skipped (test/support/reporter.js).
'use strict'
const { chooseTool, NONE } = require('./tool-choice')

/** `CHROMIUM_PATH=none`: run without a browser on purpose. */
const NO_BROWSER = NONE
const DEBIAN_CHROMIUM = '/usr/bin/chromium'

/**
 * - `CHROMIUM_PATH=<file>`: that browser; the browser tests fail if it is not there (CI sets it).
 * - `CHROMIUM_PATH=none`: no browser on purpose; the browser tests are skipped.
 * - unset: Debian's chromium when installed, else the browser tests are skipped with a warning.
 * @returns {{ path: string } | { skip: string, deliberate: boolean }}
 */
function chooseBrowser(env = process.env) {
  return chooseTool({
    variable: 'CHROMIUM_PATH',
    debianPath: DEBIAN_CHROMIUM,
    debianPackage: 'chromium',
    binary: 'chromium',
    kind: 'browser',
    tests: 'browser tests',
    env
  })
}

module.exports = { chooseBrowser, NO_BROWSER }
