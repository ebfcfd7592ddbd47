import { Destination, type JSONObject } from '@segment/actions-core'
import nock from 'nock'
import destination from '../../src/destination'
import { CONNECTION_TEST_CODE, CONNECTION_TEST_EVENT } from '../../src/destination/tiktok/api'
import { mockTikTok, presetMapping, SETTINGS, sha, TIKTOK, TRACK_PATH } from '../helpers'

describe('the destination definition', () => {
  it('is Tiktok Conversions, a cloud destination', () => {
    expect(destination).toMatchObject({ name: 'Tiktok Conversions', slug: 'tiktok-conversions', mode: 'cloud' })
    expect(Object.keys(destination.actions)).toEqual(['reportWebEvent', 'reportAppEvent', 'reportOfflineEvent'])
  })

  it('is what plain CommonJS require() gives, and its .default', () => {
    const required = require('../../src')
    expect(required.name).toBe('Tiktok Conversions')
    expect(required.default).toBe(required)
    expect(Object.keys(JSON.parse(JSON.stringify(required)))).not.toContain('default')
  })

  it('has the two required settings of the product page, then the optional App ID and offline event set', () => {
    expect(destination.authentication?.scheme).toBe('custom')
    const fields = destination.authentication?.fields ?? {}
    expect(Object.keys(fields)).toEqual(['accessToken', 'pixelCode', 'appID', 'offlineEventSetID'])
    expect(fields.appID).toMatchObject({ label: 'TikTok App ID', type: 'string' })
    expect(fields.offlineEventSetID).toMatchObject({ label: 'Offline Event Set ID', type: 'string' })
    expect(fields.appID.required).toBeFalsy()
    expect(fields.offlineEventSetID.required).toBeFalsy()
    expect(fields.accessToken).toMatchObject({ label: 'Access Token', type: 'password', required: true })
    expect(fields.pixelCode).toMatchObject({ label: 'Pixel Code', type: 'string', required: true })
    expect(fields.accessToken.description).toMatch(/^Your TikTok Access Token\. Please see TikTok’s \[Events API/)
    expect(fields.pixelCode.description).toMatch(/^Your TikTok Pixel ID\. Please see TikTok’s \[Events API/)
  })

  it('sends the access token header and a JSON content type on every request', () => {
    const options = destination.extendRequest?.({ settings: SETTINGS, payload: undefined })
    expect(options?.headers).toEqual({ 'Access-Token': SETTINGS.accessToken, 'Content-Type': 'application/json' })
  })

  // The product page's field table: label and type of every row.
  const FIELD_TABLE: [string, string, boolean][] = [
    ['Event Source', 'string', false],
    ['Additional Fields', 'string', false],
    ['Event Name', 'string', true],
    ['Event ID', 'string', false],
    ['Event Timestamp', 'string', false],
    ['Phone Number', 'string', false],
    ['Email', 'string', false],
    ['First Name', 'string', false],
    ['Last Name', 'string', false],
    ['Address', 'object', false],
    ['Order ID', 'string', false],
    ['Shop ID', 'string', false],
    ['External ID', 'string', false],
    ['TikTok Click ID', 'string', false],
    ['TikTok Cookie ID', 'string', false],
    ['Locale', 'string', false],
    ['Page URL', 'string', false],
    ['Page Referrer', 'string', false],
    ['IP Address', 'string', false],
    ['User Agent', 'string', false],
    ['Contents', 'object', false],
    ['Content IDs', 'string', false],
    ['Number of Items', 'number', false],
    ['Content Type', 'string', false],
    ['Currency', 'string', false],
    ['Value', 'number', false],
    ['Description', 'string', false],
    ['Query', 'string', false],
    ['Limited Data Use', 'boolean', false],
    ['Test Event Code', 'string', false],
    ['Delivery Category', 'string', false],
    ['Prediected Lifetime Value', 'number', false],
    ['Search String', 'string', false],
    ['CRM Fields', 'object', false],
    ['Vehicle Fields', 'object', false],
    ['Travel Fields', 'object', false]
  ]

  it.each(FIELD_TABLE)('Report Web Event has the field %s (%s)', (label, type, required) => {
    const fields = Object.values(destination.actions.reportWebEvent.fields)
    const field = fields.find((candidate) => candidate.label === label)
    expect(field).toMatchObject({ type })
    expect(field?.required === true).toBe(required)
  })

  it('accepts a single value or an array where the page says so', () => {
    const { fields } = destination.actions.reportWebEvent
    for (const key of ['phone_number', 'email', 'external_id', 'content_ids', 'contents']) {
      expect(fields[key].multiple).toBe(true)
    }
  })
})

describe('testAuthentication', () => {
  const runtime = new Destination(destination)

  it('passes when TikTok accepts token and pixel, and sends only a test-marked custom event', async () => {
    const { captured } = mockTikTok()
    await expect(runtime.testAuthentication(SETTINGS)).resolves.toBeUndefined()
    expect(captured.headers[0]['access-token']).toBe(SETTINGS.accessToken)
    expect(captured.bodies[0]).toMatchObject({
      event_source: 'web',
      event_source_id: SETTINGS.pixelCode,
      test_event_code: CONNECTION_TEST_CODE,
      data: [{ event: CONNECTION_TEST_EVENT }]
    })
    expect(captured.bodies[0].data).toHaveLength(1)
  })

  it('says in words that the token is refused (code 40001 with HTTP 200)', async () => {
    nock(TIKTOK).post(TRACK_PATH).reply(200, { code: 40001, message: 'No permission to operate pixel' })
    const error = await runtime.testAuthentication(SETTINGS).catch((e) => e)
    expect(error.message).toContain(`TikTok did not accept this Access Token for Pixel Code ${SETTINGS.pixelCode}`)
    expect(error.message).toContain('No permission to operate pixel')
    expect(error.message).not.toContain(SETTINGS.accessToken)
  })

  it("refuses a token too short without asking TikTok, and never words the refusal as TikTok's", async () => {
    const error = await runtime.testAuthentication({ ...SETTINGS, accessToken: 'short12' }).catch((e) => e)
    // actions-core puts "Credentials are invalid:" before it (the page takes that off).
    expect(error.message).toMatch(
      /^Credentials are invalid: +Access Token \(accessToken\) must be at least 8 characters; paste the whole token from TikTok\.$/
    )
    expect(nock.pendingMocks()).toEqual([])
    expect(nock.isDone()).toBe(true)
  })

  it("ends each sentence of a refusal with one period, whatever TikTok's message ends with", async () => {
    nock(TIKTOK).post(TRACK_PATH).reply(200, { code: 40001, message: 'Access token is invalid.' })
    const error = await runtime.testAuthentication(SETTINGS).catch((e) => e)
    expect(error.message).toContain('Access token is invalid. Generate a new token')
    expect(error.message).not.toContain('..')
  })

  it('says in words that the pixel is refused (code 40002)', async () => {
    nock(TIKTOK).post(TRACK_PATH).reply(200, { code: 40002, message: 'Invalid pixel code' })
    await expect(runtime.testAuthentication(SETTINGS)).rejects.toThrow(
      `TikTok did not accept Pixel Code ${SETTINGS.pixelCode}: Invalid pixel code`
    )
  })

  it('says that TikTok could not check when it is busy', async () => {
    nock(TIKTOK).post(TRACK_PATH).reply(503, 'busy')
    await expect(runtime.testAuthentication(SETTINGS)).rejects.toThrow(/could not check the settings right now/)
  })

  it('refuses missing settings without calling TikTok', async () => {
    await expect(runtime.testAuthentication({ accessToken: SETTINGS.accessToken } as never)).rejects.toThrow(
      /pixelCode/
    )
  })
})

describe('schema keys with a space in the destination name, whatever fast-uri resolves', () => {
  // actions-core caches schemas under "Tiktok Conversions:Report Web Event"; fast-uri 3.1.6 and later
  // (4.x too) refuse "Tiktok Conversions" as a URI scheme. Each case loads a fresh actions-core whose
  // ajv requires the given fast-uri, as an installer's npm would resolve it.
  const FAST_URI: [string, string][] = [
    ['the one npm resolves for actions-core today', 'fast-uri'],
    ['4.x', 'fast-uri-4']
  ]

  /** A fresh module registry whose `fast-uri` is `which`. */
  function withFastUri<T>(which: string, load: () => T): T {
    let loaded!: T
    jest.isolateModules(() => {
      const real = jest.requireActual(which)
      jest.doMock('fast-uri', () => real)
      loaded = load()
    })
    return loaded
  }
  const versionOf = (which: string) => jest.requireActual(`${which}/package.json`).version as string

  it.each(FAST_URI)('the tests run against a fast-uri that has the bug: %s', (_label, which) => {
    expect(versionOf(which).localeCompare('3.1.6', undefined, { numeric: true })).toBeGreaterThanOrEqual(0)
    // Without this destination's fix, actions-core fails on any destination named with a space.
    const core = withFastUri(which, () => jest.requireActual('@segment/actions-core'))
    const bare = new core.Destination({
      name: 'Tiktok Conversions',
      mode: 'cloud',
      actions: {
        a: {
          title: 'Report Web Event',
          description: '',
          fields: { x: { label: 'X', type: 'string' } },
          perform: () => 'sent'
        }
      }
    })
    return expect(
      bare.onEvent(
        { type: 'track' },
        { subscription: { partnerAction: 'a', subscribe: 'type = "track"', mapping: {} } }
      )
    ).rejects.toThrow('URI scheme is malformed.')
  })

  it.each(FAST_URI)(
    'delivers an event and validates its payload and settings with fast-uri %s',
    async (_label, which) => {
      const { core, definition } = withFastUri(which, () => ({
        core: jest.requireActual('@segment/actions-core') as typeof import('@segment/actions-core'),
        definition: jest.requireActual('../../src/destination').default as typeof destination
      }))
      const { captured } = mockTikTok()
      const subscription = {
        partnerAction: 'reportWebEvent',
        subscribe: 'event = "Signed Up"',
        mapping: { ...presetMapping('Complete Registration') }
      }
      const target = new core.Destination(definition)
      await target.onEvent(
        {
          type: 'track',
          event: 'Signed Up',
          userId: 'u-1',
          properties: { email: 'A@Example.com', value: '12.5', currency: 'usd' }
        },
        { ...SETTINGS, subscription } as unknown as JSONObject
      )
      expect(captured.bodies).toHaveLength(1)
      // actions-core's own validation ran: the string "12.5" was coerced to the number its schema says.
      expect(captured.bodies[0].data[0].properties).toMatchObject({ value: 12.5, currency: 'USD' })
      expect(captured.bodies[0].data[0].user?.email).toEqual([sha('a@example.com')])
      // And it still refuses what is invalid, naming the field, for the payload and for the settings.
      await expect(
        target.onEvent({ type: 'track', event: 'Signed Up', userId: 'u-1', properties: { value: 'lots' } }, {
          ...SETTINGS,
          subscription: {
            ...subscription,
            mapping: { ...subscription.mapping, value: { '@path': '$.properties.value' } }
          }
        } as unknown as JSONObject)
      ).rejects.toThrow('Value must be a number but it was a string.')
      await expect(
        target.onEvent({ type: 'track', event: 'Signed Up', userId: 'u-1' }, {
          pixelCode: 'P',
          subscription
        } as unknown as JSONObject)
      ).rejects.toThrow(/accessToken/)
    }
  )
})
