import { PayloadValidationError } from '@segment/actions-core'
import { buildEnvelope, buildEvent } from '../../../src/destination/reportWebEvent/build'
import { eventTime } from '../../../src/destination/shared/time'
import type { Payload } from '../../../src/destination/reportWebEvent/generated-types'
import { SETTINGS, sha } from '../../helpers'

/** An hour after the fixtures' Event Timestamp (2026-11-02T10:15:30Z): within TikTok's window. */
const NOW = 1_793_618_130

/** What `run` throws. */
function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('nothing was thrown')
}

const full: Payload = {
  event_source: 'web',
  event: 'CompletePayment',
  event_id: 'msg-1',
  timestamp: '2026-11-02T10:15:30.000Z',
  email: [' Alice.Doe@Example.com '],
  phone_number: ['(415) 555-0100'],
  external_id: ['user-8431'],
  first_name: ' Alice ',
  last_name: 'Van Doe',
  address: { city: 'San Francisco', state: 'CA', country: 'United States', zip_code: '94107 ' },
  ttp: 'ttp-cookie',
  ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0',
  locale: 'en-US',
  url: 'https://shop.example.com/?ttclid=CLICK-1',
  referrer: 'https://www.tiktok.com/',
  contents: [
    { content_id: 'sku-1', content_name: 'Shoe', content_category: 'Shoes', brand: 'NW', price: 89.5, quantity: 1 }
  ],
  content_type: 'product',
  currency: 'usd',
  value: 89.5,
  order_id: 'order-1',
  limited_data_use: false
}

describe('buildEvent', () => {
  it('builds the TikTok event with PII normalized and hashed', () => {
    expect(buildEvent(full, NOW)).toEqual({
      event: 'CompletePayment',
      event_time: 1793614530,
      event_id: 'msg-1',
      user: {
        email: [sha('alice.doe@example.com')],
        phone: [sha('+14155550100')],
        external_id: [sha('user-8431')],
        ttclid: 'CLICK-1',
        ttp: 'ttp-cookie',
        ip: '203.0.113.7',
        user_agent: 'Mozilla/5.0',
        locale: 'en-US',
        first_name: sha('alice'),
        last_name: sha('vandoe'),
        city: 'sanfrancisco',
        state: 'ca',
        country: 'us',
        zip_code: sha('94107')
      },
      properties: {
        contents: [
          {
            price: 89.5,
            quantity: 1,
            content_id: 'sku-1',
            content_category: 'Shoes',
            content_name: 'Shoe',
            brand: 'NW'
          }
        ],
        content_type: 'product',
        currency: 'USD',
        value: 89.5,
        order_id: 'order-1'
      },
      page: { url: 'https://shop.example.com/?ttclid=CLICK-1', referrer: 'https://www.tiktok.com/' },
      limited_data_use: false
    })
  })

  it('leaves out empty values: no "", no hash of "", no empty object or array', () => {
    const event = buildEvent(
      {
        event: 'Contact',
        email: ['', '  '],
        phone_number: [],
        external_id: [' '],
        first_name: '',
        last_name: '   ',
        address: { city: '', state: ' ', country: '', zip_code: '' },
        contents: [{}, { content_id: ' ' }],
        content_ids: [],
        url: '',
        referrer: ''
      },
      NOW
    )
    expect(event).toEqual({ event: 'Contact', event_time: NOW })
  })

  it('accepts a single value or an array, and sends each distinct value once', () => {
    const one = buildEvent({ event: 'Lead', email: 'a@example.com' as unknown as string[] }, NOW)
    expect(one.user?.email).toEqual([sha('a@example.com')])
    const many = buildEvent({ event: 'Lead', email: ['a@example.com', ' A@example.com', 'b@example.com'] }, NOW)
    expect(many.user?.email).toEqual([sha('a@example.com'), sha('b@example.com')])
  })

  it('skips entries of a mixed array that are not text', () => {
    const event = buildEvent({ event: 'Lead', email: ['a@example.com', 5, null, {}] as unknown as string[] }, NOW)
    expect(event.user).toEqual({ email: [sha('a@example.com')] })
  })

  it('sends the country as its lowercased ISO code when known by code or name, else letters and digits', () => {
    const country = (name: string) => buildEvent({ event: 'Lead', address: { country: name } }, NOW).user?.country
    expect(country('US')).toBe('us')
    expect(country('Deutschland ')).toBe('deutschland')
    expect(country('Germany')).toBe('de')
    expect(country('United Kingdom')).toBe('gb')
  })

  it('sends each entry of a plain list once', () => {
    const event = buildEvent({ event: 'Lead', content_ids: ['sku-1', ' sku-1', 'sku-2'] }, NOW)
    expect(event.properties?.content_ids).toEqual(['sku-1', 'sku-2'])
  })

  describe('phone country', () => {
    it('comes from the address country, given as a code or a name', () => {
      const byName = buildEvent({ event: 'Lead', phone_number: ['030 1234567'], address: { country: 'Germany' } }, NOW)
      expect(byName.user?.phone).toEqual([sha('+49301234567')])
    })

    it('else from the Default Phone Country field', () => {
      const event = buildEvent({ event: 'Lead', phone_number: ['(415) 555-0100'], default_phone_country: 'US' }, NOW)
      expect(event.user?.phone).toEqual([sha('+14155550100')])
    })

    it('is not guessed when unknown: digits with a leading +', () => {
      const event = buildEvent({ event: 'Lead', phone_number: ['(415) 555-0100'] }, NOW)
      expect(event.user?.phone).toEqual([sha('+4155550100')])
    })
  })

  describe('ttclid', () => {
    it('is the mapped value first', () => {
      const event = buildEvent({ event: 'Lead', ttclid: 'MAPPED', url: 'https://a.example/?ttclid=FROM-URL' }, NOW)
      expect(event.user?.ttclid).toBe('MAPPED')
    })

    it('else the ttclid query parameter of the page URL', () => {
      const event = buildEvent({ event: 'Lead', url: 'https://a.example/p?utm=x&ttclid=FROM-URL' }, NOW)
      expect(event.user?.ttclid).toBe('FROM-URL')
    })

    it('reads the parameter percent-encoded too, and none from a URL without it', () => {
      const encoded = buildEvent({ event: 'Lead', url: 'https://a.example/p?ttcl%69d=FROM%20URL' }, NOW)
      expect(encoded.user?.ttclid).toBe('FROM URL')
      const without = buildEvent({ event: 'Lead', url: 'https://a.example/p?utm_source=tiktok&x=%41' }, NOW)
      expect(without.user).toBeUndefined()
    })

    it('ignores a malformed page URL, which is still sent as the page', () => {
      const event = buildEvent({ event: 'Lead', url: 'not a url ?ttclid=X' }, NOW)
      expect(event.user).toBeUndefined()
      expect(event.page).toEqual({ url: 'not a url ?ttclid=X' })
    })
  })

  describe('event_time', () => {
    it('is Unix seconds of the ISO 8601 timestamp, honouring its offset', () => {
      expect(eventTime('2026-11-02T10:15:30Z', NOW)).toBe(1793614530)
      expect(eventTime('2026-11-02T12:15:30.999+02:00', NOW)).toBe(1793614530)
      expect(eventTime('2026-11-02', NOW)).toBe(1793577600)
    })

    it('reads every ISO 8601 form: a comma fraction, offsets of hours only or without a colon, a lowercase t', () => {
      expect(eventTime('2026-11-02T12:15:30,5+02', NOW)).toBe(1793614530)
      expect(eventTime('2026-11-02T12:15:30+0200', NOW)).toBe(1793614530)
      expect(eventTime('2026-11-02t04:45:30-05:30', NOW)).toBe(1793614530)
      expect(eventTime('2026-11-02 10:15', NOW)).toBe(1793614500)
    })

    it('counts leap days, dates before 1970 and years before 100 like the calendar does', () => {
      expect(eventTime('2024-02-29T00:00:00Z', NOW)).toBe(Date.UTC(2024, 1, 29) / 1000)
      expect(eventTime('1969-12-31T23:59:59.5Z', NOW)).toBe(-1)
      expect(eventTime('2000-03-01', NOW)).toBe(951868800)
      expect(eventTime('0099-12-31T23:59:59Z', NOW)).toBe(Date.parse('0099-12-31T23:59:59Z') / 1000)
      expect(() => eventTime('2023-02-29', NOW)).toThrow(/Event Timestamp \(timestamp\)/)
      expect(() => eventTime('1900-02-29', NOW)).toThrow(/Event Timestamp \(timestamp\)/)
    })

    it('agrees with Date.parse on 5,000 date-times of every year, month, day and offset', () => {
      let seed = 7
      const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
      const pad = (n: number, width = 2) => String(n).padStart(width, '0')
      for (let i = 0; i < 5000; i++) {
        const year = next(10000)
        const month = 1 + next(12)
        const day = 1 + next(new Date(Date.UTC(2000, month, 0)).getUTCDate())
        if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) continue
        const offset = next(14 * 60 + 1) // up to 14:00 either way, the widest there is
        const zone = next(3) === 0 ? 'Z' : `${next(2) ? '+' : '-'}${pad(Math.floor(offset / 60))}:${pad(offset % 60)}`
        const iso = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(next(24))}:${pad(next(60))}:${pad(next(60))}${zone}`
        expect([iso, eventTime(iso, NOW)]).toEqual([iso, Math.floor(Date.parse(iso) / 1000)])
      }
    })

    it('reads epoch seconds or milliseconds written as digits', () => {
      expect(eventTime('1793614530', NOW)).toBe(1793614530)
      expect(eventTime('1793614530123', NOW)).toBe(1793614530)
    })

    it("is refused, naming the field, when older than TikTok's window (28 days before the time of sending)", () => {
      const day = 86_400
      const at = (seconds: number) => new Date(seconds * 1000).toISOString()
      expect(buildEvent({ event: 'Lead', timestamp: at(NOW - 28 * day) }, NOW).event_time).toBe(NOW - 28 * day)
      for (const timestamp of [at(NOW - 28 * day - 1), '1970-01-01T00:00:00Z']) {
        const build = () => buildEvent({ event: 'Lead', timestamp }, NOW)
        expect(build).toThrow(PayloadValidationError)
        expect(build).toThrow(
          `Event Timestamp (timestamp) is more than 28 days before the time of sending; got "${timestamp}". TikTok attributes and reports no event older than its longest attribution window: it is not sent.`
        )
        expect(thrown(build)).toMatchObject({ field: 'timestamp' })
      }
    })

    it('is the time of sending when the timestamp is after it (a clock ahead), by a second or by a year', () => {
      const at = (seconds: number) => new Date(seconds * 1000).toISOString()
      for (const ahead of [1, 300, 301, 365 * 86_400]) {
        expect(buildEvent({ event: 'Lead', timestamp: at(NOW + ahead) }, NOW).event_time).toBe(NOW)
      }
    })

    it('is now when the event has no timestamp', () => {
      expect(buildEvent({ event: 'Lead' }, NOW).event_time).toBe(NOW)
      expect(eventTime('  ', NOW)).toBe(NOW)
    })

    it.each([
      ['+14:00', '2026-11-03T00:15:30+14:00', 1793614530],
      ['-14:00', '2026-11-01T20:15:30-14:00', 1793614530],
      ['+1400 without a colon', '2026-11-03T00:15:30+1400', 1793614530],
      ['+13:59', '2026-11-03T00:14:30+13:59', 1793614530],
      ['-00:00', '2026-11-02T10:15:30-00:00', 1793614530],
      ['+05:45 (Nepal)', '2026-11-02T16:00:30+05:45', 1793614530],
      ['-09:30 (Marquesas)', '2026-11-02T00:45:30-09:30', 1793614530],
      ['+14 across a year end', '2027-01-01T13:59:59+14', Date.UTC(2026, 11, 31, 23, 59, 59) / 1000],
      ['-14 into a leap day', '2024-02-28T10:00:00-14:00', Date.UTC(2024, 1, 29) / 1000],
      ['+01:00 in year 0001', '0001-01-01T00:30:00+01:00', Date.parse('0000-12-31T23:30:00Z') / 1000]
    ])('takes the offset %s, up to ±14:00', (_offset, timestamp, seconds) => {
      expect(eventTime(timestamp, NOW)).toBe(seconds)
    })

    it.each([
      ['+25:00', '2026-11-02T10:15:30+25:00', 'UTC offset +25:00, beyond ±14:00'],
      ['+14:01', '2026-11-02T10:15:30+14:01', 'UTC offset +14:01, beyond ±14:00'],
      ['-14:30', '2026-11-02T10:15:30-14:30', 'UTC offset -14:30, beyond ±14:00'],
      ['+15 (hours only)', '2026-11-02T10:15:30+15', 'UTC offset +15, beyond ±14:00'],
      ['-2300 (no colon)', '2026-11-02T10:15:30-2300', 'UTC offset -2300, beyond ±14:00'],
      ['+05:99', '2026-11-02T10:15:30+05:99', 'UTC offset +05:99, whose minutes are beyond 59'],
      ['+00:60', '2026-11-02T10:15:30+00:60', 'UTC offset +00:60, whose minutes are beyond 59'],
      ['-0575 (no colon)', '2026-11-02T10:15-0575', 'UTC offset -0575, whose minutes are beyond 59']
    ])('refuses the offset %s with a PayloadValidationError naming the field and the offset', (_o, timestamp, why) => {
      const build = () => buildEvent({ event: 'Lead', timestamp }, NOW)
      expect(build).toThrow(PayloadValidationError)
      expect(build).toThrow(`Event Timestamp (timestamp) has ${why}`)
      expect(thrown(build)).toMatchObject({ field: 'timestamp' })
    })

    it.each(['yesterday', '2026-13-45T00:00:00Z', '2026-02-30', '2026-11-02T25:00:00Z', 'NaN'])(
      'rejects %p with a PayloadValidationError naming the field',
      (timestamp) => {
        expect(() => buildEvent({ event: 'Lead', timestamp }, NOW)).toThrow(PayloadValidationError)
        expect(() => buildEvent({ event: 'Lead', timestamp }, NOW)).toThrow(/Event Timestamp \(timestamp\)/)
      }
    )
  })

  it('requires an event name', () => {
    expect(() => buildEvent({ event: '  ' }, NOW)).toThrow(
      new PayloadValidationError('Event Name (event) is required.')
    )
  })

  it('sends travel fields under TikTok property names for web events', () => {
    const event = buildEvent(
      {
        event: 'ViewContent',
        event_spec_type: 'travel_fields',
        travel_fields: {
          city: 'Lisbon',
          country: 'PT',
          checkin_date: '2026-12-01',
          checkout_date: '2026-12-05',
          num_adults: 2,
          num_children: 0,
          suggested_hotels: 'hotel-1' as unknown as string[],
          destination_ids: ['d1', 'd2'],
          travel_class: 'eco',
          preferred_num_stops: 0,
          origin_airport: ' SFO ',
          destination_airport: ''
        },
        vehicle_fields: { make: 'ignored: not the chosen group' }
      },
      NOW
    )
    expect(event.properties).toEqual({
      city: 'Lisbon',
      country: 'PT',
      checkin_date: '2026-12-01',
      checkout_date: '2026-12-05',
      num_adults: 2,
      num_children: 0,
      suggested_hotels: ['hotel-1'],
      destination_ids: ['d1', 'd2'],
      travel_class: 'eco',
      preferred_num_stops: 0,
      origin_airport: 'SFO'
    })
  })

  it('sends vehicle fields with mileage and price range objects', () => {
    const event = buildEvent(
      {
        event: 'ViewContent',
        event_spec_type: 'vehicle_fields',
        vehicle_fields: {
          make: 'Volvo',
          model: 'XC40',
          year: 2024,
          state_of_vehicle: 'Used',
          mileage_value: 12000,
          mileage_unit: 'KM',
          preferred_price_range_min: 20000,
          preferred_price_range_max: 30000,
          vin: 'YV1XZ',
          viewcontent_type: 'inventory'
        }
      },
      NOW
    )
    expect(event.properties).toEqual({
      make: 'Volvo',
      model: 'XC40',
      year: 2024,
      state_of_vehicle: 'Used',
      vin: 'YV1XZ',
      viewcontent_type: 'inventory',
      mileage: { value: 12000, unit: 'KM' },
      preferred_price_range: [20000, 30000]
    })
  })

  it('sends a crm event with its lead, without web-only keys', () => {
    const event = buildEvent(
      {
        event_source: 'crm',
        event: 'Lead',
        crm_event_set_id: 'CRMSET1',
        lead_fields: { lead_id: 'lead-77', lead_event_source: 'HubSpot' },
        limited_data_use: true,
        event_spec_type: 'travel_fields',
        travel_fields: { city: 'Lisbon' },
        email: ['lead@example.com']
      },
      NOW
    )
    expect(event).toEqual({
      event: 'Lead',
      event_time: NOW,
      user: { email: [sha('lead@example.com')] },
      lead: { lead_id: 'lead-77', lead_event_source: 'HubSpot' }
    })
  })
})

describe('buildEnvelope', () => {
  it('addresses web events to the Pixel Code, with the test event code at the top level', () => {
    expect(buildEnvelope({ event: 'Lead', test_event_code: 'TEST123' }, SETTINGS)).toEqual({
      event_source: 'web',
      event_source_id: SETTINGS.pixelCode,
      partner_name: 'Segment',
      test_event_code: 'TEST123'
    })
  })

  it('addresses crm events to the CRM Event Set, never the Pixel Code', () => {
    expect(buildEnvelope({ event: 'Lead', event_source: 'crm', crm_event_set_id: 'CRMSET1' }, SETTINGS)).toEqual({
      event_source: 'crm',
      event_source_id: 'CRMSET1',
      partner_name: 'Segment'
    })
  })

  it('refuses a crm event without a CRM Event Set ID', () => {
    expect(() => buildEnvelope({ event: 'Lead', event_source: 'crm' }, SETTINGS)).toThrow(
      new PayloadValidationError('CRM Event Set ID (crm_event_set_id) is required when Event Source is crm.')
    )
  })

  it('refuses settings without a Pixel Code', () => {
    expect(() => buildEnvelope({ event: 'Lead' }, { accessToken: 'x', pixelCode: '' })).toThrow(/Pixel Code/)
  })
})

describe('identifiers already hashed (as identity memory adds them)', () => {
  it('passes every hashed key on once: none is hashed twice', () => {
    const digest = (text: string) => sha(text).toUpperCase()
    const event = buildEvent(
      {
        ...full,
        email: [digest('alice.doe@example.com')],
        phone_number: [digest('+14155550100')],
        external_id: [digest('user-8431')],
        first_name: digest('alice'),
        last_name: digest('vandoe'),
        address: { ...full.address, zip_code: digest('94107') }
      },
      NOW
    )
    expect(event.user).toMatchObject({
      email: [sha('alice.doe@example.com')],
      phone: [sha('+14155550100')],
      external_id: [sha('user-8431')],
      first_name: sha('alice'),
      last_name: sha('vandoe'),
      zip_code: sha('94107')
    })
  })
})
