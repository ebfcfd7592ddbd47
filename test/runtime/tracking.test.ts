import { endpointOf, parseTrackingRequest, toEvent, TrackingError, writeKeyOf } from '../../src/runtime/tracking'

const NOW = '2026-11-26T10:00:00.000Z'

describe('the Tracking API endpoints', () => {
  it.each([
    ['/v1/track', 'track'],
    ['/v1/page', 'page'],
    ['/v1/screen', 'screen'],
    ['/v1/identify', 'identify'],
    ['/v1/group', 'group'],
    ['/v1/alias', 'alias'],
    ['/v1/batch', 'batch'],
    ['/v1/t', 'track'],
    ['/v1/b', 'batch']
  ])('%s is %s', (path, type) => {
    expect(endpointOf(path)).toBe(type)
  })

  it('knows no other path', () => {
    expect(endpointOf('/v1/nope')).toBeUndefined()
    expect(endpointOf('/v2/track')).toBeUndefined()
  })
})

describe('the write key', () => {
  it('is the HTTP Basic user (analytics-node)', () => {
    expect(writeKeyOf(`Basic ${Buffer.from('wk-123:').toString('base64')}`, {})).toBe('wk-123')
  })

  it('else the writeKey of the body (analytics.js)', () => {
    expect(writeKeyOf(undefined, { writeKey: 'wk-9' })).toBe('wk-9')
    expect(writeKeyOf(undefined, {})).toBeUndefined()
  })
})

describe('a message', () => {
  it('gets its type from the endpoint, a receivedAt, and a timestamp when it has none', () => {
    expect(toEvent({ userId: 'u1', event: 'Signed Up' }, 'track', NOW)).toMatchObject({
      type: 'track',
      userId: 'u1',
      event: 'Signed Up',
      receivedAt: NOW,
      timestamp: NOW,
      messageId: expect.stringMatching(/^api-/)
    })
  })

  it('keeps its own messageId and timestamp', () => {
    const event = toEvent(
      { userId: 'u1', event: 'A', messageId: 'm1', timestamp: '2026-01-01T00:00:00Z' },
      'track',
      NOW
    )
    expect(event).toMatchObject({ messageId: 'm1', timestamp: '2026-01-01T00:00:00Z' })
  })

  it('loses envelope objects that are not objects, which actions-core cannot take', () => {
    const event = toEvent(
      { userId: 'u1', type: 'page', context: null, properties: 'x', traits: [1], integrations: 5 },
      undefined,
      NOW
    )
    expect(event).not.toHaveProperty('context')
    expect(event).not.toHaveProperty('properties')
    expect(event).not.toHaveProperty('traits')
    expect(event).not.toHaveProperty('integrations')
  })

  it.each([
    [[1, 2], undefined, 'a message must be a JSON object'],
    [{ userId: 'u' }, undefined, '"type" must be one of'],
    [{ userId: 'u', type: 'delete' }, undefined, '"type" must be one of'],
    [{ userId: 'u' }, 'track', 'a track call needs an "event" name'],
    [{ event: 'A' }, 'track', 'a message needs a "userId" or an "anonymousId"']
  ] as const)('is refused when invalid: %j', (message, type, reason) => {
    expect(toEvent(message, type, NOW)).toEqual(expect.stringContaining(reason))
  })
})

describe('a request', () => {
  it('takes the valid messages of a batch and names the refused ones', () => {
    const parsed = parseTrackingRequest(
      'batch',
      JSON.stringify({
        batch: [
          { type: 'track', userId: 'u', event: 'A' },
          { type: 'track', userId: 'u' }
        ]
      }),
      undefined,
      NOW
    )
    expect(parsed.events).toHaveLength(1)
    expect(parsed.rejected).toEqual([{ index: 1, reason: 'a track call needs an "event" name' }])
  })

  it.each([
    ['not JSON', 'track', '{"userId": ', 'The body is not valid JSON.'],
    ['an array', 'track', '[]', 'The body must be a JSON object.'],
    ['a batch without a list', 'batch', '{"batch": {}}', 'A batch call needs "batch": a list of messages.'],
    ['a batch of invalid messages', 'batch', '{"batch": [{"type": "track"}]}', 'No valid message in the batch'],
    [
      'an invalid single call',
      'track',
      '{"anonymousId": "a"}',
      'Invalid track call: a track call needs an "event" name.'
    ]
  ] as const)('is refused with 400 when it is %s', (_name, endpoint, raw, message) => {
    let error: unknown
    try {
      parseTrackingRequest(endpoint, raw, undefined, NOW)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(TrackingError)
    expect(error).toMatchObject({ status: 400, message: expect.stringContaining(message) })
  })
})
