/**
 * Keeps the access token out of every string the TikTok wire lets go of (TikTok's message, the answer
 * kept for statuses, a network error), whatever form the token came back in:
 * - as sent, in any ASCII letter case;
 * - with some or all of its characters escaped as JSON or JavaScript does (`\u0074`, `\u{74}`, `\x74`,
 *   `\/`), percent-encoded as in a URL (`%74`), or as HTML character references (`&#116;`, `&#x74;`);
 * - base64-encoded, standard or URL-safe alphabet, at any alignment inside a longer base64 text.
 * Each such occurrence is replaced by `[access token]`. A string that still carries the token once
 * decoded again (an encoding nested in another, up to four deep) is withheld whole.
 */

/** Shorter tokens are refused: replacing a few common characters would mangle every message. */
export const MIN_ACCESS_TOKEN_LENGTH = 8
export const REDACTED = '[access token]'
export const WITHHELD = '[withheld: it held the access token]'

/** What one escape decodes to: \uXXXX, \u{X…}, \xXX, \/ \\ \" \', %XX, &#xX…; and &#N…; */
const ESCAPES =
  /\\u([0-9a-fA-F]{4})|\\u\{([0-9a-fA-F]{1,6})\}|\\x([0-9a-fA-F]{2})|\\([\\/"'])|%([0-9a-fA-F]{2})|&#[xX]([0-9a-fA-F]{1,6});?|&#(\d{1,7});?/g
const MAY_ESCAPE = /[\\%&]/
const NESTING = 4
const MAX_DEPTH = 64

/** Text as read after one round of unescaping, with where each of its characters was written. */
interface Decoded {
  text: string
  /** Start and end (exclusive) in the written text of the decoded character at each index. */
  from?: number[]
  to?: number[]
}

function decode(text: string): Decoded {
  if (!MAY_ESCAPE.test(text)) return { text }
  let out = ''
  const from: number[] = []
  const to: number[] = []
  const push = (chars: string, start: number, end: number) => {
    for (let i = 0; i < chars.length; i++) {
      from.push(start)
      to.push(end)
    }
    out += chars
  }
  let at = 0
  for (const match of text.matchAll(ESCAPES)) {
    const start = match.index
    for (; at < start; at++) push(text[at], at, at + 1)
    const hex = match[1] ?? match[2] ?? match[3] ?? match[5] ?? match[6]
    const code = hex !== undefined ? parseInt(hex, 16) : match[7] !== undefined ? Number(match[7]) : undefined
    const chars = code === undefined ? match[4] : code <= 0x10ffff ? String.fromCodePoint(code) : match[0]
    at = start + match[0].length
    push(chars, start, at)
  }
  for (; at < text.length; at++) push(text[at], at, at + 1)
  return { text: out, from, to }
}

const foldCase = (text: string) => (/[A-Z]/.test(text) ? text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase()) : text)
/** Base64 characters that the URL-safe alphabet writes otherwise. */
const URL_UNSAFE = /[+/]/

interface Needle {
  text: string
  /** Matched in any ASCII letter case (the token itself; base64 is case-sensitive). */
  folded: boolean
}

/** The base64 characters of the token that do not depend on its neighbours, at each of the 3 alignments. */
function base64Cores(secret: string): string[] {
  // The token after 2 zero bytes: from byte 2, 1 or 0 on, it is the token at each alignment.
  const padded = Buffer.from(`\0\0${secret}`, 'utf8')
  const length = padded.length - 2
  const cores: string[] = []
  for (let before = 0; before < 3; before++) {
    const encoded = padded.toString('base64', 2 - before)
    const core = encoded.slice(Math.ceil((8 * before) / 6), Math.floor((8 * (before + length)) / 6))
    if (core.length < MIN_ACCESS_TOKEN_LENGTH) continue
    cores.push(core)
    if (URL_UNSAFE.test(core)) cores.push(core.replace(/\+/g, '-').replace(/\//g, '_'))
  }
  return cores
}

/** What to look for: the token in any letter case, and its base64 cores. Worked out once per answer. */
function needlesOf(secret: string): Needle[] {
  return [{ text: foldCase(secret), folded: true }, ...base64Cores(secret).map((text) => ({ text, folded: false }))]
}

/** Where the needles occur in the decoded text, as [start, end) of the written text. */
function occurrences(decoded: Decoded, needles: Needle[]): [number, number][] {
  const spans: [number, number][] = []
  let folded: string | undefined
  for (const needle of needles) {
    const haystack = needle.folded ? (folded ??= foldCase(decoded.text)) : decoded.text
    for (let at = haystack.indexOf(needle.text); at >= 0; at = haystack.indexOf(needle.text, at + needle.text.length)) {
      const last = at + needle.text.length - 1
      spans.push(decoded.from ? [decoded.from[at], decoded.to![last]] : [at, last + 1])
    }
  }
  return spans
}

function replaceSpans(text: string, spans: [number, number][]): string {
  spans.sort((a, b) => a[0] - b[0])
  let out = ''
  let at = 0
  for (const [start, end] of spans) {
    if (end <= at) continue
    // An occurrence overlapping the previous one extends it; any other gets its own marker.
    if (start >= at) out += text.slice(at, start) + REDACTED
    at = end
  }
  return out + text.slice(at)
}

/** Whether the text, as written or decoded again up to NESTING times, still carries the token. */
function carries(text: string, needles: Needle[]): boolean {
  let current = text
  for (let round = 0; ; round++) {
    if (occurrences({ text: current }, needles).length > 0) return true
    if (round === NESTING) return false
    const next = decode(current).text
    if (next === current) return false
    current = next
  }
}

/**
 * Redaction of one token, for all the strings of one answer: what to look for is worked out once,
 * when first needed (a class, not closures: nothing is allocated per answer but the instance).
 */
export class Redaction {
  private found?: Needle[]

  constructor(private readonly secret: string) {}

  private get needles(): Needle[] {
    return (this.found ??= needlesOf(this.secret))
  }

  /**
   * True when the text cannot hold the token in any form redact() knows: no character that starts an
   * escape (`\\`, `%`, `&`) and no occurrence of the token (any case) or of its base64. Then neither the
   * text nor any string parsed out of it needs redacting: TikTok's usual answer costs one scan.
   */
  cannotCarry(text: string): boolean {
    if (!this.secret) return true
    if (MAY_ESCAPE.test(text)) return false
    return occurrences({ text }, this.needles).length === 0
  }

  /** The text with every occurrence of the token replaced by `[access token]`, or withheld whole. */
  redact(text: string): string {
    if (this.cannotCarry(text)) return text
    const needles = this.needles
    // As written too: a token that itself holds `%41` or `\\` reads otherwise once decoded.
    const spans = [...occurrences({ text }, needles), ...occurrences(decode(text), needles)]
    const out = spans.length > 0 ? replaceSpans(text, spans) : text
    return carries(out, needles) ? WITHHELD : out
  }

  /** A parsed JSON answer with every string (keys too) redacted; a number that spells the token is withheld. */
  redactDeep(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.redact(value)
    if (typeof value === 'number') return this.redact(String(value)) === String(value) ? value : WITHHELD
    if (typeof value !== 'object' || value === null) return value
    if (depth >= MAX_DEPTH) return '[nested too deep]'
    if (Array.isArray(value)) return value.map((item) => this.redactDeep(item, depth + 1))
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [this.redact(key), this.redactDeep(item, depth + 1)])
    )
  }
}

/** {@link Redaction.cannotCarry} of one text. */
export const cannotCarry = (text: string, secret: string): boolean => new Redaction(secret).cannotCarry(text)

/** {@link Redaction.redact} of one text. */
export const redact = (text: string, secret: string): string => new Redaction(secret).redact(text)

/** {@link Redaction.redactDeep} of one value. */
export const redactDeep = (value: unknown, secret: string): unknown => new Redaction(secret).redactDeep(value)
