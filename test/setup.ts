import nock from 'nock'

// No test reaches the network: TikTok is mocked with nock. Loopback stays open for the tests that
// start a local stand-in server.
nock.disableNetConnect()
nock.enableNetConnect((host) => host.startsWith('127.0.0.1') || host.startsWith('localhost'))

afterEach(() => {
  nock.cleanAll()
})
