import { getCountries, type CountryCode } from 'libphonenumber-js'

const CODES = new Set<string>(getCountries())

/** Common names that are not the English display name of their region. */
const ALIASES: Record<string, CountryCode> = {
  usa: 'US',
  unitedstatesofamerica: 'US',
  america: 'US',
  uk: 'GB',
  greatbritain: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  northernireland: 'GB',
  southkorea: 'KR',
  korea: 'KR',
  republicofkorea: 'KR',
  russia: 'RU',
  czechia: 'CZ',
  czechrepublic: 'CZ',
  holland: 'NL',
  thenetherlands: 'NL',
  uae: 'AE',
  vietnam: 'VN',
  turkey: 'TR',
  turkiye: 'TR'
}

const nameKey = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^\p{L}\p{N}]/gu, '')
    .toLowerCase()

let byName: Map<string, CountryCode> | undefined

function countriesByName(): Map<string, CountryCode> {
  if (byName) return byName
  byName = new Map(Object.entries(ALIASES))
  const english = new Intl.DisplayNames(['en'], { type: 'region' })
  for (const code of getCountries()) {
    const name = english.of(code)
    if (name && name !== code) byName.set(nameKey(name), code)
  }
  return byName
}

/**
 * The ISO 3166-1 alpha-2 code of a country given as a code ("us", "US") or an English name
 * ("United States", "united states of america"); undefined when it is neither.
 */
export function toCountryCode(country: string | undefined): CountryCode | undefined {
  if (!country) return undefined
  const trimmed = country.trim()
  if (trimmed.length === 2 && CODES.has(trimmed.toUpperCase())) return trimmed.toUpperCase() as CountryCode
  return countriesByName().get(nameKey(trimmed))
}
