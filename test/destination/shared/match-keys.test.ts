import { MATCH_KEYS, matchKeysOf, type MatchKey } from '../../../src/destination/shared/match-keys'
import { prepareEvent } from '../../../src/destination/reportWebEvent/prepare'
import type { Payload } from '../../../src/destination/reportWebEvent/generated-types'
import type { TikTokUser } from '../../../src/destination/tiktok/types'
import { SETTINGS } from '../../helpers'

const NOW = 1_790_000_000

/** One value per field that fills a match key. */
const FIELDS: Partial<Payload> = {
  email: [' Ann@Example.com '],
  phone_number: ['+14155550100'],
  external_id: ['u-1'],
  ttclid: 'E.C.P.click',
  ttp: 'ttp-cookie',
  ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0'
}
const NAMES = Object.keys(FIELDS) as (keyof Payload)[]

/** What a user with these fields filled carries, written out independently of matchKeysOf. */
function expected(filled: Set<keyof Payload>): MatchKey[] {
  const keys: MatchKey[] = []
  if (filled.has('email')) keys.push('email')
  if (filled.has('phone_number')) keys.push('phone')
  if (filled.has('external_id')) keys.push('external_id')
  if (filled.has('ttclid')) keys.push('ttclid')
  if (filled.has('ttp')) keys.push('ttp')
  if (filled.has('ip') && filled.has('user_agent')) keys.push('ip_user_agent')
  return keys
}

describe('matchKeysOf', () => {
  it('names the six web keys, then the three app ones, in the order the page shows them', () => {
    expect(MATCH_KEYS).toEqual([
      'email',
      'phone',
      'external_id',
      'ttclid',
      'ttp',
      'ip_user_agent',
      'idfa',
      'gaid',
      'idfv'
    ])
  })

  it.each<[TikTokUser | undefined, MatchKey[]]>([
    [undefined, []],
    [{}, []],
    [{ email: ['h'] }, ['email']],
    [{ phone: ['h'] }, ['phone']],
    [{ external_id: ['h', 'i'] }, ['external_id']],
    [{ ttclid: 'c' }, ['ttclid']],
    [{ ttp: 't' }, ['ttp']],
    [{ ip: '203.0.113.7' }, []],
    [{ user_agent: 'Mozilla/5.0' }, []],
    [{ ip: '203.0.113.7', user_agent: 'Mozilla/5.0' }, ['ip_user_agent']],
    [{ idfa: 'h' }, ['idfa']],
    [{ gaid: 'h' }, ['gaid']],
    [{ idfv: 'v' }, ['idfv']],
    [{ idfa: 'h', idfv: 'v', att_status: 'AUTHORIZED' }, ['idfa', 'idfv']],
    [{ att_status: 'NOT_APPLICABLE', lead_id: 'l' }, []],
    [{ email: [], phone: [], ttclid: '', ttp: '', ip: '', user_agent: 'Mozilla/5.0' }, []],
    [{ first_name: 'h', last_name: 'h', city: 'x', country: 'US', zip_code: 'h', locale: 'en-US' }, []]
  ])('of %j is %j', (user, keys) => {
    expect(matchKeysOf(user)).toEqual(keys)
  })

  it('agrees, for every combination of the seven fields built into a web event, with the fields and with the "no identifier" warning', () => {
    // The keys of the event built, and the warning of prepareEvent (its hasMatchKey), checked together.
    const disagreements: string[] = []
    for (let bits = 0; bits < 2 ** NAMES.length; bits++) {
      const filled = NAMES.filter((_name, i) => bits & (1 << i))
      const payload = { event: 'Purchase', ...Object.fromEntries(filled.map((name) => [name, FIELDS[name]])) }
      const prepared = prepareEvent(payload as Payload, SETTINGS, NOW)
      if (!prepared.ok) throw new Error(`not built: ${filled.join(', ')}`)
      const keys = matchKeysOf(prepared.event.user)
      const warned = prepared.warnings.some((warning) => warning.field === 'user')
      const want = expected(new Set(filled))
      if (JSON.stringify(keys) !== JSON.stringify(want) || warned !== (want.length === 0)) {
        disagreements.push(`${filled.join(', ') || 'nothing'}: keys ${keys.join(', ')}, warned ${warned}`)
      }
    }
    expect(disagreements).toEqual([])
  })
})
