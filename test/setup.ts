import nock from 'nock'

// No test reaches the network: TikTok is mocked with nock. Loopback stays open for the tests that
// start a local stand-in server.
nock.disableNetConnect()
nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host.startsWith('localhost'))

afterEach(() => {
  nock.cleanAll()
})

// Each test file loads its own nock, but nock's HTTP interception is process-global: release it when
// the file ends so that the next file in the same worker intercepts with its own nock.
afterAll(() => {
  nock.restore()
})
