// Which redis-server the Redis tests start, decided in one place for the tests
// (test/runtime/redis-server.ts) and for the reporter that says why they were skipped
// (test/support/reporter.js). The same decision as browser-choice.js (tool-choice.js).
'use strict'
const { chooseTool, NONE } = require('./tool-choice')

/** `REDIS_SERVER=none`: run without Redis on purpose. */
const NO_REDIS = NONE
const DEBIAN_REDIS = '/usr/bin/redis-server'

/**
 * - `REDIS_SERVER=<file>`: that redis-server; the Redis tests fail if it is not there (CI sets it).
 * - `REDIS_SERVER=none`: no Redis on purpose; the Redis tests are skipped.
 * - unset: Debian's redis-server when installed, else the Redis tests are skipped with a warning.
 * @returns {{ path: string } | { skip: string, deliberate: boolean }}
 */
function chooseRedis(env = process.env) {
  return chooseTool({
    variable: 'REDIS_SERVER',
    debianPath: DEBIAN_REDIS,
    debianPackage: 'redis-server',
    binary: 'redis-server',
    kind: 'redis-server',
    tests: 'Redis tests',
    env
  })
}

module.exports = { chooseRedis, NO_REDIS }
