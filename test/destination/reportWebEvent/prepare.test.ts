import { prepareEvent } from '../../../src/destination/reportWebEvent/prepare'
import type { Payload } from '../../../src/destination/reportWebEvent/generated-types'
import { SETTINGS } from '../../helpers'

const NOW = 1_790_000_000
const prepare = (payload: Partial<Payload>) =>
  prepareEvent({ event: 'Purchase', external_id: ['u-1'], ...payload } as Payload, SETTINGS, NOW)
const errors = (payload: Partial<Payload>) => {
  const prepared = prepare(payload)
  return prepared.ok ? [] : prepared.errors
}

describe('input checks', () => {
  it.each(['Purchase', 'PageView', 'My_custom-event1', 'a'.repeat(50)])('accept the event name %p', (event) => {
    expect(prepare({ event }).ok).toBe(true)
  })

  it.each(['Test Event', '1stVisit', '_hidden', 'a'.repeat(51), 'café', 'Order Completed!'])(
    'refuse the event name %p, naming the field',
    (event) => {
      expect(errors({ event })).toEqual([{ field: 'event', message: expect.stringMatching(/^Event Name \(event\) "/) }])
    }
  )

  it('refuse a missing event name', () => {
    expect(errors({ event: '' })).toEqual([{ field: 'event', message: 'Event Name (event) is required.' }])
  })

  it('refuse an invalid timestamp', () => {
    expect(errors({ timestamp: '2026-02-30T00:00:00Z' })).toEqual([
      { field: 'timestamp', message: expect.stringMatching(/^Event Timestamp \(timestamp\) must be an ISO 8601/) }
    ])
  })

  it.each([Infinity, -Infinity, NaN, '12' as unknown as number])('refuse the value %p', (value) => {
    expect(errors({ value })).toEqual([{ field: 'value', message: 'Value (value) must be a finite number.' }])
  })

  it.each(['US', 'dollars', 'U$D', '€'])('refuse the currency %p', (currency) => {
    expect(errors({ currency })).toEqual([
      { field: 'currency', message: expect.stringMatching(/^Currency \(currency\)/) }
    ])
  })

  it('accept a three-letter currency in any case, sent uppercased', () => {
    const prepared = prepare({ currency: 'eur', value: 3 })
    expect(prepared.ok && prepared.event.properties).toEqual({ currency: 'EUR', value: 3 })
  })

  it('report every problem at once', () => {
    expect(errors({ event: 'Bad Name', currency: 'x', timestamp: 'never' }).map((issue) => issue.field)).toEqual([
      'event',
      'currency',
      'timestamp'
    ])
  })

  describe('match keys', () => {
    const warnings = (payload: Partial<Payload>) => prepare(payload).warnings.map((warning) => warning.field)

    it('warn, without refusing, when a web event has nothing TikTok can match', () => {
      const prepared = prepare({ external_id: [], ip: '203.0.113.7' })
      expect(prepared.ok).toBe(true)
      expect(prepared.warnings.map((warning) => warning.field)).toEqual(['user'])
    })

    it.each<[string, Partial<Payload>]>([
      ['email', { email: ['a@example.com'] }],
      ['phone', { phone_number: ['+14155550100'] }],
      ['external id', { external_id: ['u-1'] }],
      ['ttclid', { ttclid: 'CLICK' }],
      ['ttclid of the page URL', { url: 'https://a.example/?ttclid=CLICK' }],
      ['ttp', { ttp: 'TTP' }],
      ['ip and user agent', { ip: '203.0.113.7', user_agent: 'Mozilla/5.0' }]
    ])('are satisfied by %s', (_name, payload) => {
      expect(warnings({ external_id: [], ...payload })).toEqual([])
    })

    it('are satisfied by a lead id for a crm event', () => {
      expect(
        warnings({ external_id: [], event_source: 'crm', crm_event_set_id: 'S', lead_fields: { lead_id: 'L1' } })
      ).toEqual([])
    })
  })

  it('warn when a value has no currency', () => {
    expect(prepare({ value: 10 }).warnings).toEqual([
      { field: 'currency', message: 'Value (value) is sent without a Currency (currency): TikTok cannot use it.' }
    ])
  })

  it('warn when a content type TikTok does not know is replaced by product, only when it is sent', () => {
    const contents = [{ content_id: 'sku-1' }]
    expect(prepare({ contents, content_type: 'Shoes' }).warnings).toEqual([
      {
        field: 'content_type',
        message: 'Content Type (content_type) "Shoes" is neither product nor product_group: product is sent.'
      }
    ])
    expect(prepare({ contents, content_type: 'Product_Group' }).warnings).toEqual([])
    expect(prepare({ content_type: 'Shoes' }).warnings).toEqual([])
  })

  it('warn when the timestamp is more than 5 minutes after the time of sending (sent as the time of sending)', () => {
    const at = (seconds: number) => new Date(seconds * 1000).toISOString()
    const ahead = prepare({ timestamp: at(NOW + 301) })
    expect(ahead).toMatchObject({ ok: true, event: { event_time: NOW } })
    expect(ahead.warnings).toEqual([
      {
        field: 'timestamp',
        message:
          'Event Timestamp (timestamp) is more than 5 minutes after the time of sending (a clock ahead): sent as the time of sending.'
      }
    ])
    // Clocks a few minutes apart are common: sent as now, nothing said.
    expect(prepare({ timestamp: at(NOW + 300) })).toMatchObject({ ok: true, event: { event_time: NOW }, warnings: [] })
    expect(prepare({ timestamp: at(NOW) }).warnings).toEqual([])
  })
})
