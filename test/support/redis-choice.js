// Which redis-server the Redis tests start, decided in one place for the tests
// (test/runtime/redis-server.ts) and for the reporter that says why they were skipped
// (test/support/reporter.js). Mirrors browser-choice.js.
'use strict'
const { existsSync } = require('node:fs')

/** `REDIS_SERVER=none`: run without Redis on purpose. */
const NO_REDIS = 'none'
const DEBIAN_REDIS = '/usr/bin/redis-server'

/**
 * - `REDIS_SERVER=<file>`: that redis-server; the Redis tests fail if it is not there (CI sets it).
 * - `REDIS_SERVER=none`: no Redis on purpose; the Redis tests are skipped.
 * - unset: Debian's redis-server when installed, else the Redis tests are skipped with a warning.
 * @returns {{ path: string } | { skip: string, deliberate: boolean }}
 */
function chooseRedis(env = process.env) {
  const configured = env.REDIS_SERVER
  if (configured === NO_REDIS) {
    return { skip: 'REDIS_SERVER=none: the Redis tests were skipped on purpose.', deliberate: true }
  }
  if (configured) {
    if (!existsSync(configured)) {
      throw new Error(
        `REDIS_SERVER=${configured}: no redis-server there (apt-get install redis-server, or REDIS_SERVER=none)`
      )
    }
    return { path: configured }
  }
  if (existsSync(DEBIAN_REDIS)) return { path: DEBIAN_REDIS }
  return {
    skip: `No redis-server at ${DEBIAN_REDIS} and REDIS_SERVER is not set: the Redis tests were SKIPPED. Install it (apt-get install redis-server) or point REDIS_SERVER at a redis-server to run them.`,
    deliberate: false
  }
}

module.exports = { chooseRedis, NO_REDIS }
