import { clean } from '../shared/normalize'

/**
 * ISO 3166-1: each alpha-2 code with its alpha-3 code, the 249 assigned ones, then Kosovo's
 * user-assigned codes (libphonenumber knows XK; registries write XKX or XKK for it).
 */
const ISO_3166_1 = `
AD AND  AE ARE  AF AFG  AG ATG  AI AIA  AL ALB  AM ARM  AO AGO  AQ ATA  AR ARG  AS ASM  AT AUT
AU AUS  AW ABW  AX ALA  AZ AZE  BA BIH  BB BRB  BD BGD  BE BEL  BF BFA  BG BGR  BH BHR  BI BDI
BJ BEN  BL BLM  BM BMU  BN BRN  BO BOL  BQ BES  BR BRA  BS BHS  BT BTN  BV BVT  BW BWA  BY BLR
BZ BLZ  CA CAN  CC CCK  CD COD  CF CAF  CG COG  CH CHE  CI CIV  CK COK  CL CHL  CM CMR  CN CHN
CO COL  CR CRI  CU CUB  CV CPV  CW CUW  CX CXR  CY CYP  CZ CZE  DE DEU  DJ DJI  DK DNK  DM DMA
DO DOM  DZ DZA  EC ECU  EE EST  EG EGY  EH ESH  ER ERI  ES ESP  ET ETH  FI FIN  FJ FJI  FK FLK
FM FSM  FO FRO  FR FRA  GA GAB  GB GBR  GD GRD  GE GEO  GF GUF  GG GGY  GH GHA  GI GIB  GL GRL
GM GMB  GN GIN  GP GLP  GQ GNQ  GR GRC  GS SGS  GT GTM  GU GUM  GW GNB  GY GUY  HK HKG  HM HMD
HN HND  HR HRV  HT HTI  HU HUN  ID IDN  IE IRL  IL ISR  IM IMN  IN IND  IO IOT  IQ IRQ  IR IRN
IS ISL  IT ITA  JE JEY  JM JAM  JO JOR  JP JPN  KE KEN  KG KGZ  KH KHM  KI KIR  KM COM  KN KNA
KP PRK  KR KOR  KW KWT  KY CYM  KZ KAZ  LA LAO  LB LBN  LC LCA  LI LIE  LK LKA  LR LBR  LS LSO
LT LTU  LU LUX  LV LVA  LY LBY  MA MAR  MC MCO  MD MDA  ME MNE  MF MAF  MG MDG  MH MHL  MK MKD
ML MLI  MM MMR  MN MNG  MO MAC  MP MNP  MQ MTQ  MR MRT  MS MSR  MT MLT  MU MUS  MV MDV  MW MWI
MX MEX  MY MYS  MZ MOZ  NA NAM  NC NCL  NE NER  NF NFK  NG NGA  NI NIC  NL NLD  NO NOR  NP NPL
NR NRU  NU NIU  NZ NZL  OM OMN  PA PAN  PE PER  PF PYF  PG PNG  PH PHL  PK PAK  PL POL  PM SPM
PN PCN  PR PRI  PS PSE  PT PRT  PW PLW  PY PRY  QA QAT  RE REU  RO ROU  RS SRB  RU RUS  RW RWA
SA SAU  SB SLB  SC SYC  SD SDN  SE SWE  SG SGP  SH SHN  SI SVN  SJ SJM  SK SVK  SL SLE  SM SMR
SN SEN  SO SOM  SR SUR  SS SSD  ST STP  SV SLV  SX SXM  SY SYR  SZ SWZ  TC TCA  TD TCD  TF ATF
TG TGO  TH THA  TJ TJK  TK TKL  TL TLS  TM TKM  TN TUN  TO TON  TR TUR  TT TTO  TV TUV  TW TWN
TZ TZA  UA UKR  UG UGA  UM UMI  US USA  UY URY  UZ UZB  VA VAT  VC VCT  VE VEN  VG VGB  VI VIR
VN VNM  VU VUT  WF WLF  WS WSM  YE YEM  YT MYT  ZA ZAF  ZM ZMB  ZW ZWE
XK XKX  XK XKK`

/** Alpha-3 code → alpha-2 code. */
export const ALPHA3: ReadonlyMap<string, string> = new Map(
  ISO_3166_1.trim()
    .split(/\s+/)
    .flatMap((code, i, codes) => (i % 2 === 1 ? [[code, codes[i - 1]] as const] : []))
)
/** The alpha-2 codes. */
export const ALPHA2: ReadonlySet<string> = new Set(ALPHA3.values())

/** Common names that are not the English display name of their region. */
const ALIASES: Record<string, string> = {
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

/**
 * English name (as nameKey writes it) → alpha-2 code, the aliases first. Built once, as the module
 * loads: 20–40 ms on a 2-core VM, nearly all of it ICU loading its region names for the first
 * Intl.DisplayNames; the 250 lookups and their keys take about 5 ms.
 */
const BY_NAME: ReadonlyMap<string, string> = (() => {
  const english = new Intl.DisplayNames(['en'], { type: 'region' })
  const names = new Map(Object.entries(ALIASES))
  for (const code of ALPHA2) {
    const name = english.of(code)
    if (name && name !== code) names.set(nameKey(name), code)
  }
  return names
})()

/**
 * The ISO 3166-1 alpha-2 code, in capitals, of a country given as an alpha-2 code ("us", "US"), an
 * alpha-3 code ("GBR") or an English name ("United States", "united states of america"); undefined
 * when it is none of these.
 */
export function toCountryCode(country: string | undefined): string | undefined {
  if (!country) return undefined
  const given = clean(country)
  const upper = given.toUpperCase()
  if (upper.length === 2 && ALPHA2.has(upper)) return upper
  if (upper.length === 3 && ALPHA3.has(upper)) return ALPHA3.get(upper)
  return BY_NAME.get(nameKey(given))
}
