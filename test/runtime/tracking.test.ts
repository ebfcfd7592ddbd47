import {
  endpointOf,
  MAX_REJECTED_LISTED,
  parseTrackingRequest,
  toEvent,
  TrackingError,
  writeKeyOf
} from '../../src/runtime/http/tracking-request'

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

  it("gets the connection's IP as context.ip when it has none, and keeps an IP the client sent", () => {
    const ipOf = (message: object) =>
      (
        toEvent({ userId: 'u1', event: 'A', ...message }, 'track', NOW, '198.51.100.4') as {
          context?: { ip?: unknown }
        }
      ).context?.ip
    expect(ipOf({})).toBe('198.51.100.4')
    expect(ipOf({ context: { ip: null, userAgent: 'UA' } })).toBe('198.51.100.4')
    expect(ipOf({ context: { ip: '' } })).toBe('198.51.100.4')
    expect(ipOf({ context: { ip: '203.0.113.9' } })).toBe('203.0.113.9')
    expect(ipOf({ context: { ip: '2001:db8::7' } })).toBe('2001:db8::7')
    expect(
      toEvent({ userId: 'u1', event: 'A', context: { locale: 'en' } }, 'track', NOW, '198.51.100.4')
    ).toMatchObject({
      context: { locale: 'en', ip: '198.51.100.4' }
    })
    expect(toEvent({ userId: 'u1', event: 'A' }, 'track', NOW)).not.toHaveProperty('context')
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
      { receivedAt: NOW }
    )
    expect(parsed.events).toHaveLength(1)
    expect(parsed.rejected).toEqual([{ index: 1, reason: 'a track call needs an "event" name' }])
    expect(parsed.rejectedCount).toBe(1)
  })

  it('names only the first refused messages of a batch and counts the rest', () => {
    const batch = [{ type: 'track', userId: 'u', event: 'A' }, ...Array.from({ length: 600_000 }, () => ({}))]
    const parsed = parseTrackingRequest('batch', JSON.stringify({ batch }), { receivedAt: NOW })
    expect(parsed.events).toHaveLength(1)
    expect(parsed.rejectedCount).toBe(600_000)
    expect(parsed.rejected).toHaveLength(MAX_REJECTED_LISTED)
    expect(parsed.rejected[0]).toEqual({ index: 1, reason: expect.stringContaining('"type" must be one of') })
    expect(parsed.rejected[MAX_REJECTED_LISTED - 1].index).toBe(MAX_REJECTED_LISTED)
  })

  it('sets the IP on every message of a batch that has none', () => {
    const parsed = parseTrackingRequest(
      'batch',
      JSON.stringify({
        batch: [
          { type: 'track', userId: 'u', event: 'A' },
          { type: 'track', userId: 'u', event: 'B', context: { ip: '203.0.113.9' } }
        ]
      }),
      { receivedAt: NOW, ip: '127.0.0.1' }
    )
    expect(parsed.events.map((event) => event.context?.ip)).toEqual(['127.0.0.1', '203.0.113.9'])
  })

  it('checks the write key before it looks at any message', () => {
    const calls: (string | undefined)[] = []
    const refuse = (key: string | undefined) => (calls.push(key), false)
    expect(() =>
      parseTrackingRequest('batch', '{"writeKey": "wk-1", "batch": [{}]}', { acceptWriteKey: refuse })
    ).toThrow(expect.objectContaining({ status: 401, code: 'invalid_write_key', message: 'Invalid write key.' }))
    expect(() => parseTrackingRequest('track', '{}', { acceptWriteKey: refuse })).toThrow(
      expect.objectContaining({ status: 401, code: 'invalid_write_key', message: 'A write key is required.' })
    )
    expect(calls).toEqual(['wk-1', undefined])
  })

  it.each([
    ['not JSON', 'track', '{"userId": ', 'invalid_json', 'The body is not valid JSON.'],
    ['an array', 'track', '[]', 'invalid_request', 'The body must be a JSON object.'],
    [
      'a batch without a list',
      'batch',
      '{"batch": {}}',
      'invalid_request',
      'A batch call needs "batch": a list of messages.'
    ],
    [
      'a batch of invalid messages',
      'batch',
      '{"batch": [{"type": "track"}]}',
      'invalid_message',
      'No valid message in the batch'
    ],
    [
      'an invalid single call',
      'track',
      '{"anonymousId": "a"}',
      'invalid_message',
      'Invalid track call: a track call needs an "event" name.'
    ]
  ] as const)('is refused with 400 when it is %s', (_name, endpoint, raw, code, message) => {
    let error: unknown
    try {
      parseTrackingRequest(endpoint, raw, { receivedAt: NOW })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(TrackingError)
    expect(error).toMatchObject({ status: 400, code, message: expect.stringContaining(message) })
  })
})

describe("Segment's limits (32 KB per event)", () => {
  const track = (i: number, more: object = {}) => ({ type: 'track', userId: `u${i}`, event: 'A', ...more })
  /** A track message whose JSON text is exactly `bytes` long. */
  const sized = (i: number, bytes: number) => {
    const base = JSON.stringify(track(i, { properties: { pad: '' } })).length
    return track(i, { properties: { pad: 'x'.repeat(bytes - base) } })
  }

  it('takes an event of 32 KB and refuses a larger one of a batch by name, taking the others', () => {
    const batch = [sized(0, 32 * 1024), sized(1, 32 * 1024 + 1), track(2)]
    const parsed = parseTrackingRequest('batch', JSON.stringify({ batch }), { maxEventBytes: 32 * 1024 })
    expect(parsed.events.map((event) => event.userId)).toEqual(['u0', 'u2'])
    expect(parsed.rejected).toEqual([
      { index: 1, reason: 'the message is 32,769 bytes, over the 32 KB an event may take (MAX_EVENT_KB)' }
    ])
  })

  it('refuses a single call larger than the limit with 400', () => {
    expect(() => parseTrackingRequest('track', JSON.stringify(sized(0, 2000)), { maxEventBytes: 1024 })).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'payload_too_large',
        message: 'Invalid track call: the message is 2,000 bytes, over the 1 KB an event may take (MAX_EVENT_KB).'
      })
    )
  })
})

describe('invalid UTF-8', () => {
  /** A batch body whose message `bad` holds the byte 0xff in the text `{"name": "caf?"}` of `field`. */
  const withBadByte = (where: (text: string) => string) => {
    const json = JSON.stringify({
      batch: [
        { type: 'track', userId: 'u0', event: 'A' },
        JSON.parse(where('"PLACE"')),
        // Not invalid: U+FFFD itself, and a lone surrogate written as an escape, are taken as they are.
        { type: 'track', userId: 'u2', event: 'A', properties: { text: '\ufffd', escaped: '\udfff' } }
      ]
    })
    const [before, after] = json.split('PLACE')
    return Buffer.concat([Buffer.from(before), Buffer.from('caf'), Buffer.from([0xff]), Buffer.from(after)])
  }

  it('refuses the message that holds it by name, with the field, and takes the others', () => {
    const body = withBadByte(
      (text) => `{"type": "track", "userId": "u1", "event": "A", "properties": {"products": [{"name": ${text}}]}}`
    )
    const parsed = parseTrackingRequest('batch', body)
    expect(parsed.events.map((event) => event.userId)).toEqual(['u0', 'u2'])
    expect(parsed.events[1].properties).toEqual({ text: '\ufffd', escaped: '\udfff' })
    expect(parsed.rejected).toEqual([
      { index: 1, reason: 'properties.products[0].name is not valid UTF-8 (send text as UTF-8)' }
    ])
  })

  it('names a field whose name holds it', () => {
    const body = withBadByte((text) => `{"type": "track", "userId": "u1", "event": "A", "properties": {${text}: 1}}`)
    expect(parseTrackingRequest('batch', body).rejected).toEqual([
      { index: 1, reason: 'properties.caf\ufffd is not valid UTF-8 (send text as UTF-8)' }
    ])
  })

  it('refuses a single call that holds it with 400, naming the field', () => {
    const body = Buffer.concat([
      Buffer.from('{"type": "track", "userId": "u", "event": "Caf'),
      Buffer.from([0xc3, 0x28]), // a lead byte whose continuation is not one
      Buffer.from('"}')
    ])
    expect(() => parseTrackingRequest('track', body)).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'invalid_message',
        message: 'Invalid track call: event is not valid UTF-8 (send text as UTF-8).'
      })
    )
  })

  it('outside any text is invalid JSON', () => {
    const body = Buffer.concat([Buffer.from('{"batch": []'), Buffer.from([0xfe]), Buffer.from('}')])
    expect(() => parseTrackingRequest('batch', body)).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'invalid_json',
        message: 'The body is not valid JSON (nor valid UTF-8).'
      })
    )
  })

  it.each([
    ['an overlong encoding', [0xc0, 0xaf]],
    ['a surrogate', [0xed, 0xa0, 0x80]],
    ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a sequence cut short', [0xe2, 0x82]]
  ])('is found in %s', (_name, bytes) => {
    const body = Buffer.concat([
      Buffer.from('{"type": "track", "userId": "u", "event": "A", "properties": {"x": "'),
      Buffer.from(bytes),
      Buffer.from('"}}')
    ])
    expect(() => parseTrackingRequest('track', body)).toThrow(/properties\.x is not valid UTF-8/)
  })

  it('is not found in valid text of every width', () => {
    const text = 'a é € 𝄞 \ufffd'
    const parsed = parseTrackingRequest('track', Buffer.from(JSON.stringify({ userId: 'u', event: text })))
    expect(parsed.events[0].event).toBe(text)
  })
})
