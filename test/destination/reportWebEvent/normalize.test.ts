import {
  hashCompact,
  hashEmail,
  hashExternalId,
  hashPhone,
  isSha256,
  plainLocation,
  toE164
} from '../../../src/destination/reportWebEvent/normalize'
import { toCountryCode } from '../../../src/destination/reportWebEvent/country'
import { sha } from '../../helpers'

describe('email', () => {
  it('is trimmed and lowercased before hashing (API facts example)', () => {
    expect(hashEmail(' ALICE_abc@gmail.com ')).toBe('848a771458438fc2ec420560d769fb9b9b86851ee338ec56517baabd79d3bb4f')
  })

  it('is left out when empty or blank, never hashed as ""', () => {
    expect(hashEmail('')).toBeUndefined()
    expect(hashEmail('   ')).toBeUndefined()
  })
})

describe('phone', () => {
  it('keeps a country code written in the number (API facts example)', () => {
    expect(toE164('(+1)2133734253', undefined)).toBe('+12133734253')
    expect(hashPhone('(+1)2133734253', undefined)).toBe(
      '9f7ec22d72092cd3c0b58726ed9c2d91b92e51a3f29837508fb2948bb22dd2fd'
    )
  })

  it('takes the country of the event when the number has no country code', () => {
    expect(toE164('(415) 555-0100', 'US')).toBe('+14155550100')
    expect(toE164('030 1234567', 'DE')).toBe('+49301234567')
    expect(toE164('0044 20 7946 0958', 'DE')).toBe('+442079460958')
    expect(hashPhone('(415) 555-0100', 'US')).toBe(sha('+14155550100'))
  })

  it('prefers the country code written in the number over the country given', () => {
    expect(toE164('+44 20 7946 0958', 'US')).toBe('+442079460958')
  })

  it('is reduced to digits with a leading + only when no country is known', () => {
    expect(toE164('(415) 555-0100', undefined)).toBe('+4155550100')
  })

  it('is left out when it cannot be a number of the known country, or has no digits', () => {
    expect(toE164('12', 'US')).toBeUndefined()
    expect(toE164('call me', 'US')).toBeUndefined()
    expect(hashPhone('', undefined)).toBeUndefined()
  })
})

describe('country of a phone number', () => {
  it('accepts ISO codes and English names', () => {
    expect(toCountryCode('US')).toBe('US')
    expect(toCountryCode(' de ')).toBe('DE')
    expect(toCountryCode('United States')).toBe('US')
    expect(toCountryCode('united kingdom')).toBe('GB')
    expect(toCountryCode('USA')).toBe('US')
    expect(toCountryCode('Côte d’Ivoire')).toBe('CI')
  })

  it('is unknown for anything else', () => {
    expect(toCountryCode('Atlantis')).toBeUndefined()
    expect(toCountryCode('XX')).toBeUndefined()
    expect(toCountryCode(undefined)).toBeUndefined()
  })
})

describe('external id', () => {
  it('is trimmed and hashed, keeping its case', () => {
    expect(hashExternalId('  User-42 ')).toBe(sha('User-42'))
  })
})

describe('first name, last name, zip code', () => {
  it('lose every whitespace and are lowercased before hashing', () => {
    expect(hashCompact(' Mary Ann ')).toBe(sha('maryann'))
    expect(hashCompact('SW1A 1AA')).toBe(sha('sw1a1aa'))
    expect(hashCompact(' \t ')).toBeUndefined()
  })
})

describe('city, state, country', () => {
  it('keep letters and digits only, lowercased, not hashed', () => {
    expect(plainLocation('San Francisco')).toBe('sanfrancisco')
    expect(plainLocation("St. John's")).toBe('stjohns')
    expect(plainLocation('São Paulo')).toBe('sãopaulo')
    expect(plainLocation('U.S.')).toBe('us')
    expect(plainLocation(' - ')).toBeUndefined()
  })
})

describe('values already hashed', () => {
  const digest = sha('alice@example.com')

  it('pass unchanged, never hashed twice', () => {
    expect(isSha256(digest)).toBe(true)
    expect(hashEmail(digest)).toBe(digest)
    expect(hashPhone(digest, 'US')).toBe(digest)
    expect(hashExternalId(digest)).toBe(digest)
    expect(hashCompact(digest)).toBe(digest)
  })

  it('are lowercased when written in upper case hex', () => {
    expect(hashEmail(digest.toUpperCase())).toBe(digest)
  })
})
