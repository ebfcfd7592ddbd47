import { createTestIntegration, PayloadValidationError } from '@segment/actions-core'
import type { JSONObject } from '@segment/actions-core'
import destination from '../../../src/destination'
import { sampleEvents } from '../../../src/page/samples'
import { mockTikTok, presetMapping, SETTINGS, sendingAt, sha } from '../../helpers'

sendingAt()

const testDestination = createTestIntegration(destination)

const run = (event: object, mapping: JSONObject = {}, settings = SETTINGS) =>
  testDestination.testAction('reportWebEvent', {
    event,
    mapping: { event: 'Lead', ...mapping },
    settings,
    useDefaultMappings: true
  })

describe('Report Web Event', () => {
  it('posts one event to Events API 2.0 with the access token header and a JSON body', async () => {
    const { scope, captured } = mockTikTok()
    const responses = await run({ event: 'Signed Up', messageId: 'm-1', timestamp: '2026-11-02T10:15:30Z' })
    expect(scope.isDone()).toBe(true)
    expect(responses[0].status).toBe(200)
    expect(captured.headers[0]['access-token']).toBe(SETTINGS.accessToken)
    expect(captured.headers[0]['content-type']).toBe('application/json')
    expect(captured.bodies[0]).toMatchObject({
      event_source: 'web',
      event_source_id: SETTINGS.pixelCode,
      partner_name: 'Segment',
      data: [{ event: 'Lead', event_time: 1793614530, event_id: 'm-1' }]
    })
    expect(captured.bodies[0]).not.toHaveProperty('test_event_code')
  })

  it('puts the test event code at the top level only', async () => {
    const { captured } = mockTikTok()
    await run({}, { test_event_code: 'TEST42' })
    expect(captured.bodies[0].test_event_code).toBe('TEST42')
    expect(captured.bodies[0].data[0]).not.toHaveProperty('test_event_code')
  })

  it('reads ttclid and ttp from the TikTok Conversions integrations object', async () => {
    const { captured } = mockTikTok()
    await run({ integrations: { 'TikTok Conversions': { ttclid: 'CLICK-9', ttp: 'TTP-9' } } })
    expect(captured.bodies[0].data[0].user).toMatchObject({ ttclid: 'CLICK-9', ttp: 'TTP-9' })
  })

  it('takes value from revenue when there is no value', async () => {
    const { captured } = mockTikTok()
    await run({ properties: { revenue: 42.5, currency: 'eur' } })
    expect(captured.bodies[0].data[0].properties).toMatchObject({ value: 42.5, currency: 'EUR' })
  })

  it('uses userId as external id, else anonymousId', async () => {
    const { captured } = mockTikTok(undefined, 2)
    await run({ userId: 'u-1', anonymousId: 'a-1' })
    await run({ userId: null, anonymousId: 'a-1' })
    expect(captured.bodies.map((body) => body.data[0].user?.external_id)).toEqual([[sha('u-1')], [sha('a-1')]])
  })

  it('sends a crm event to its CRM Event Set with the lead', async () => {
    const { captured } = mockTikTok()
    await run(
      { properties: { lead_id: 'lead-1', lead_event_source: 'Salesforce', email: 'lead@example.com' } },
      { event_source: 'crm', crm_event_set_id: 'CRMSET9' }
    )
    expect(captured.bodies[0]).toMatchObject({ event_source: 'crm', event_source_id: 'CRMSET9' })
    expect(captured.bodies[0].data[0].lead).toEqual({ lead_id: 'lead-1', lead_event_source: 'Salesforce' })
  })

  it('sends the mapped travel properties for a web event that asks for them', async () => {
    const { captured } = mockTikTok()
    await run(
      { properties: { city: 'Lisbon', checkin_date: '2026-12-01', num_adults: 2, destination_ids: 'd1' } },
      {
        event_spec_type: 'travel_fields',
        travel_fields: {
          city: { '@path': '$.properties.city' },
          checkin_date: { '@path': '$.properties.checkin_date' },
          num_adults: { '@path': '$.properties.num_adults' },
          destination_ids: { '@path': '$.properties.destination_ids' }
        }
      }
    )
    expect(captured.bodies[0].data[0].properties).toMatchObject({
      city: 'Lisbon',
      checkin_date: '2026-12-01',
      num_adults: 2,
      destination_ids: ['d1']
    })
  })

  it('sends the mapped vehicle properties for a web event that asks for them', async () => {
    const { captured } = mockTikTok()
    await run(
      { properties: { make: 'Volvo', year: 2024, mileage_value: 10, mileage_unit: 'MI' } },
      {
        event_spec_type: 'vehicle_fields',
        vehicle_fields: {
          make: { '@path': '$.properties.make' },
          year: { '@path': '$.properties.year' },
          mileage_value: { '@path': '$.properties.mileage_value' },
          mileage_unit: { '@path': '$.properties.mileage_unit' }
        }
      }
    )
    expect(captured.bodies[0].data[0].properties).toMatchObject({
      make: 'Volvo',
      year: 2024,
      mileage: { value: 10, unit: 'MI' }
    })
  })

  describe('bad input', () => {
    it('an event without an event name is refused, naming the field', async () => {
      const { scope } = mockTikTok()
      await expect(run({}, { event: '' })).rejects.toThrow(/event/)
      await expect(run({}, { event: '   ' })).rejects.toThrow(
        new PayloadValidationError('Event Name (event) is required.')
      )
      expect(scope.isDone()).toBe(false)
    })

    it('an unparseable timestamp is a PayloadValidationError, and nothing is sent', async () => {
      const { scope } = mockTikTok()
      const error = await run({ timestamp: 'last tuesday' }).catch((e) => e)
      expect(error).toBeInstanceOf(PayloadValidationError)
      expect(error.message).toMatch(/Event Timestamp \(timestamp\)/)
      expect(scope.isDone()).toBe(false)
    })

    it('a non-numeric value is refused, naming the field', async () => {
      const { scope } = mockTikTok()
      await expect(run({ properties: { value: 'a lot' } })).rejects.toThrow(
        'Value must be a number but it was a string.'
      )
      expect(scope.isDone()).toBe(false)
    })

    it('a malformed page URL is not fatal: the event goes out without a ttclid from it', async () => {
      const { captured } = mockTikTok()
      await run({ context: { page: { url: 'http://[broken?ttclid=X' } } })
      expect(captured.bodies[0].data[0].page).toEqual({ url: 'http://[broken?ttclid=X' })
      expect(captured.bodies[0].data[0].user).not.toHaveProperty('ttclid')
    })

    it('empty arrays and empty strings send nothing for their key', async () => {
      const { captured } = mockTikTok()
      await run({ userId: '', anonymousId: '', context: {}, properties: { email: [], phone: ['', ' '] } })
      expect(captured.bodies[0].data[0]).not.toHaveProperty('user')
    })

    it('a mixed array with an object in it is refused, naming the field', async () => {
      const { scope } = mockTikTok()
      await expect(run({ properties: { email: ['a@example.com', { nested: true }] } })).rejects.toThrow(/email/)
      expect(scope.isDone()).toBe(false)
    })

    it('a crm event without a CRM Event Set ID is refused, naming the field', async () => {
      const { scope } = mockTikTok()
      await expect(run({}, { event_source: 'crm' })).rejects.toThrow(/crm_event_set_id/)
      expect(scope.isDone()).toBe(false)
    })

    it('missing settings are refused before anything is sent', async () => {
      const { scope } = mockTikTok()
      await expect(run({}, {}, { accessToken: '', pixelCode: SETTINGS.pixelCode })).rejects.toThrow(/Access Token/)
      await expect(run({}, {}, { accessToken: SETTINGS.accessToken, pixelCode: '' })).rejects.toThrow(/Pixel Code/)
      expect(scope.isDone()).toBe(false)
    })
  })

  it('never puts the access token or raw PII in a body', async () => {
    const { captured } = mockTikTok(undefined, Object.keys(sampleEvents).length)
    for (const [name, event] of Object.entries(sampleEvents)) {
      await testDestination.testAction('reportWebEvent', {
        event,
        mapping: presetMapping(name),
        settings: SETTINGS
      })
    }
    const sent = JSON.stringify(captured.bodies).toLowerCase()
    const traits = sampleEvents['Complete Payment'].context?.traits as Record<string, string>
    const raw = [
      SETTINGS.accessToken,
      traits.email.trim(),
      '555-0100',
      '4155550100',
      traits.first_name,
      traits.last_name,
      '94107',
      sampleEvents['Complete Payment'].userId as string,
      sampleEvents['Complete Payment'].anonymousId as string
    ]
    expect(captured.bodies).toHaveLength(Object.keys(sampleEvents).length)
    for (const value of raw) expect(sent).not.toContain(value.toLowerCase())
  })
})
