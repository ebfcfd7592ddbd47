/**
 * Runs in every test file before its tests. No test reaches the network: TikTok is mocked with nock
 * (loopback stays open for the local stand-ins and runtimes).
 *
 * Each test file has its own nock, but nock intercepts by patching Node's http module, which every
 * file run in one jest worker shares. A file whose hooks never run (every test skipped) would leave
 * its nock patched in, and the next file's nock would intercept nothing. So the file that starts
 * first takes out whatever nock the file before it left active, then activates its own: this file
 * never depends on what ran before it.
 */
import http from 'node:http'

type Nock = typeof import('nock')
const ACTIVE = Symbol.for('tiktok-conversions.tests.active-nock')
const shared = http as unknown as Record<symbol, Nock | undefined>

shared[ACTIVE]?.restore()
// Required (not imported) so that it loads after the previous file's nock is out.
const nock: Nock = require('nock')
if (!nock.isActive()) nock.activate()
shared[ACTIVE] = nock

nock.disableNetConnect()
nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host.startsWith('localhost'))

afterEach(() => {
  nock.cleanAll()
})

afterAll(() => {
  nock.restore()
  if (shared[ACTIVE] === nock) shared[ACTIVE] = undefined
})
