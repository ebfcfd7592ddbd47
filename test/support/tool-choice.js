// Which binary a group of tests uses, or why they are skipped: the one decision behind
// browser-choice.js (chromium) and redis-choice.js (redis-server).
'use strict'
const { existsSync } = require('node:fs')

/** `<variable>=none`: run without the tool on purpose. */
const NONE = 'none'

/**
 * - `<variable>=<file>`: that binary; the tests fail if it is not there (CI sets it).
 * - `<variable>=none`: no binary on purpose; the tests are skipped.
 * - unset: Debian's binary when installed, else the tests are skipped with a warning.
 * @param {object} tool
 * @param {string} tool.variable the environment variable that names the binary (`CHROMIUM_PATH`)
 * @param {string} tool.debianPath where Debian's package installs it (`/usr/bin/chromium`)
 * @param {string} tool.debianPackage the package that installs it (`chromium`)
 * @param {string} tool.binary what the binary is called in the messages (`chromium`)
 * @param {string} tool.kind what the variable must name (`browser`: "no browser there")
 * @param {string} tool.tests the tests that need it (`browser tests`)
 * @param {Record<string, string | undefined>} tool.env the environment to read the variable from
 * @returns {{ path: string } | { skip: string, deliberate: boolean }}
 */
function chooseTool({ variable, debianPath, debianPackage, binary, kind, tests, env }) {
  const configured = env[variable]
  if (configured === NONE) {
    return { skip: `${variable}=${NONE}: the ${tests} were skipped on purpose.`, deliberate: true }
  }
  if (configured) {
    if (!existsSync(configured)) {
      throw new Error(
        `${variable}=${configured}: no ${kind} there (apt-get install ${debianPackage}, or ${variable}=${NONE})`
      )
    }
    return { path: configured }
  }
  if (existsSync(debianPath)) return { path: debianPath }
  return {
    skip: `No ${binary} at ${debianPath} and ${variable} is not set: the ${tests} were SKIPPED. Install it (apt-get install ${debianPackage}) or point ${variable} at a ${binary} to run them.`,
    deliberate: false
  }
}

module.exports = { chooseTool, NONE }
