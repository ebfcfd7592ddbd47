import { getCountries } from 'libphonenumber-js'
import { getAlpha3Codes } from 'i18n-iso-countries'
import {
  asciiDigits,
  hashAdvertisingId,
  clean,
  hashName,
  hashZip,
  hashEmail,
  hashExternalId,
  hashPhone,
  isSha256,
  plainLocation,
  toE164
} from '../../../src/destination/shared/normalize'
import { ALPHA2, ALPHA3, toCountryCode } from '../../../src/destination/reportWebEvent/country'
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
  it('is trimmed and lowercased before hashing, as Segment hashes it', () => {
    expect(hashExternalId('  User-42 ')).toBe(sha('user-42'))
  })
})

describe('first name, last name, zip code', () => {
  it('lose every whitespace and are lowercased before hashing', () => {
    expect(hashName(' Mary Ann ')).toBe(sha('maryann'))
    expect(hashZip('SW1A 1AA')).toBe(sha('sw1a1aa'))
    expect(hashName(' \t ')).toBeUndefined()
    expect(hashZip(' \t ')).toBeUndefined()
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
    expect(hashName(digest)).toBe(digest)
    expect(hashZip(digest)).toBe(digest)
    expect(hashAdvertisingId(digest, 'ios')).toBe(digest)
    expect(hashAdvertisingId(digest.toUpperCase(), 'android')).toBe(digest)
  })

  it('are lowercased when written in upper case hex', () => {
    expect(hashEmail(digest.toUpperCase())).toBe(digest)
  })
})

/** The exact hashes of the normalized values the harder inputs below must give. */
const HASH = {
  '+14155550100': '40d3f4e02db27d66cf4cfdda506c2c945f115a7955cc8491dda98ce5beabcda0',
  '+971501234567': '5cd602a57e6a0414e38023888d6275b31208be50ab5cf4c1e7f197138da7fed1',
  '+989123456789': 'c77b80f145ea25a19e1ca97f5fc1f2ea3b205de55b24904e47331da8151e9d9c',
  '+919876543210': 'f3a47ce5ce3d4ca8ad15225a245b2759022f79489f5c62719b8c9490f7aab90e',
  '+442079460958': 'f0bf0228144d9fe2bdf1da2d8ca698f17bf1410ee688b075c27062e47b6f0b6d',
  'alice@example.com': 'ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976',
  oneil: '67a42a846e98e3c1a96cd6ba14883a5ea05990cd93964ce8b832aa9497ca785c',
  maryann: '16b3f07f0ec2f9dd127b71dc2e6c791b7d93116a1c3bc99d057eaa7a8a077e73',
  josé: 'd994e1d001886fe5b45b1267bd1fa2b752ac50742579bd3dad7b2a2aa0ed6866',
  王小明: 'acf979cc584e1cf9c18c65bffae9e53cbc18634f90042072cc116bd5b7375bed',
  'abc-123': '5942d94f524882e0f29bf0a1e5a6dcc952eea1c0c21dd3588a3fc7db9716db0c',
  '94107': 'c884a209ebe08750a7d13db63bd02233b375bd79786cbe329ab11586cc35dead'
}

describe('hard identifiers', () => {
  it('the expected hashes are SHA-256 of the normalized values', () => {
    for (const [normalized, hash] of Object.entries(HASH)) expect(sha(normalized)).toBe(hash)
  })

  describe('digits of any script in phone numbers', () => {
    it.each<[string, string, string | undefined]>([
      ['fullwidth, with its country code', '＋１ ４１５ ５５５ ０１００', undefined],
      ['fullwidth, with a known country', '（４１５）５５５－０１００', 'US']
    ])('%s', (_name, phone, country) => {
      expect(toE164(phone, country as never)).toBe('+14155550100')
      expect(hashPhone(phone, country as never)).toBe(HASH['+14155550100'])
    })

    it.each<[string, string, string | undefined, keyof typeof HASH]>([
      ['Arabic-Indic, with a known country', '٠٥٠١٢٣٤٥٦٧', 'AE', '+971501234567'],
      ['Arabic-Indic, with its country code', '+٩٧١ ٥٠ ١٢٣ ٤٥٦٧', undefined, '+971501234567'],
      ['Arabic-Indic between right-to-left marks', '\u200F٠٥٠ ١٢٣ ٤٥٦٧\u200F', 'AE', '+971501234567'],
      ['Extended Arabic-Indic (Persian)', '۰۹۱۲ ۳۴۵ ۶۷۸۹', 'IR', '+989123456789'],
      ['Devanagari', '०९८७६५४३२१०', 'IN', '+919876543210']
    ])('%s', (_name, phone, country, e164) => {
      expect(toE164(phone, country as never)).toBe(e164)
      expect(hashPhone(phone, country as never)).toBe(HASH[e164])
    })

    it('reads every decimal digit Intl writes, in every numbering system, as its ASCII digit', () => {
      let systems = 0
      for (const system of Intl.supportedValuesOf('numberingSystem')) {
        const digits = [
          ...new Intl.NumberFormat('en', { numberingSystem: system, useGrouping: false }).format(1234567890)
        ]
        if (!digits.every((digit) => /\p{Nd}/u.test(digit))) continue // not written with decimal digits
        systems++
        expect(asciiDigits(digits.join(''))).toBe('1234567890')
      }
      expect(systems).toBeGreaterThan(50)
    })
  })

  describe('invisible characters', () => {
    it.each([
      ['a zero-width space before', '\u200Balice@example.com'],
      ['a BOM and a no-break space before, a word joiner after', '\uFEFF\u00A0Alice@Example.com\u2060 '],
      ['a narrow no-break space after', 'alice@example.com\u202F'],
      ['a zero-width joiner inside', 'ali\u200Dce@example.com'],
      ['a soft hyphen inside', 'alice@exam\u00ADple.com']
    ])('an email with %s', (_name, email) => {
      expect(hashEmail(email)).toBe(HASH['alice@example.com'])
    })

    it('a phone with a zero-width space and no-break spaces', () => {
      expect(hashPhone('\u200B+1\u00A0415\u00A0555\u00A00100', undefined)).toBe(HASH['+14155550100'])
    })

    it('an external id, a name and a zip code with them at their ends', () => {
      expect(hashExternalId('\u200B AbC-123 \u00A0')).toBe(HASH['abc-123'])
      expect(hashName('\uFEFFO\u2019Neil\u200B')).toBe(HASH.oneil)
      expect(hashZip('\u2060 94107\u200B')).toBe(HASH['94107'])
    })

    it('are cleaned from the ends of every identifier, nothing else', () => {
      expect(clean('\u200B\u200C\u200D\u2060\uFEFF\u00A0\u202F ttp-1 \u200E\u200F')).toBe('ttp-1')
      expect(clean('a\u200Db')).toBe('a\u200Db')
      expect(clean('\u200B\u00A0')).toBe('')
    })
  })

  describe('names', () => {
    it.each<[string, keyof typeof HASH]>([
      ["O'Neil", 'oneil'],
      ['O’Neil', 'oneil'],
      ['o neil', 'oneil'],
      ['Mary-Ann', 'maryann'],
      ['MARY ANN', 'maryann'],
      ['Mary\u2010Ann', 'maryann'],
      ['Jose\u0301', 'josé'],
      ['José', 'josé'],
      ['JOSÉ', 'josé'],
      [' 王 小明 ', '王小明']
    ])('%p hashes as %p', (name, normalized) => {
      expect(hashName(name)).toBe(HASH[normalized])
    })

    it('keep the zero-width non-joiner a Persian name needs inside, not at its ends', () => {
      expect(hashName('\u200Cمی\u200Cرا\u200B')).toBe(sha('می\u200Cرا'))
    })

    it('keep letters of any script and their accents', () => {
      expect(hashName('Zoë')).toBe(sha('zoë'))
      expect(hashName('Ørsted-Ødegård')).toBe(sha('ørstedødegård'))
      expect(hashName('Müller')).toBe(hashName('Mu\u0308ller'))
    })
  })

  describe('countries', () => {
    it.each([
      ['GBR', 'GB'],
      ['gbr', 'GB'],
      ['DEU', 'DE'],
      ['USA', 'US'],
      ['\u200BFRA ', 'FR'],
      ['XKX', 'XK'],
      ['ATA', 'AQ']
    ])('alpha-3 %p is %p', (alpha3, alpha2) => {
      expect(toCountryCode(alpha3)).toBe(alpha2)
    })

    it('decomposed accents in city and state are composed first', () => {
      expect(plainLocation('Mu\u0308nchen')).toBe('münchen')
      expect(plainLocation('\u200BZu\u0308rich\u00A0')).toBe('zürich')
    })

    it('an alpha-3 country gives the phone its country', () => {
      expect(toE164('020 7946 0958', toCountryCode('GBR') as never)).toBe('+442079460958')
    })
  })
})

describe('the ISO 3166-1 alpha-3 table', () => {
  it('has every region libphonenumber knows, but the two ISO gives no alpha-3', () => {
    const missing = getCountries().filter((code) => !ALPHA2.has(code))
    expect(missing).toEqual(['AC', 'TA']) // Ascension and Tristan da Cunha: parts of SH (SHN) in ISO 3166-1
  })

  it('names regions that exist, each by one alpha-2 code', () => {
    const english = new Intl.DisplayNames(['en'], { type: 'region' })
    for (const alpha2 of ALPHA2) expect([alpha2, english.of(alpha2)]).not.toEqual([alpha2, alpha2])
    expect(ALPHA3.size).toBe(251) // 249 assigned, and Kosovo's XKX and XKK
    expect(ALPHA2.size).toBe(250)
  })

  it('agrees with i18n-iso-countries on every code', () => {
    const theirs = getAlpha3Codes()
    const ours = Object.fromEntries([...ALPHA3].filter(([alpha3]) => alpha3 !== 'XKX'))
    expect(ours).toEqual(theirs)
  })
})
