import fc from 'fast-check'
import { cannotCarry, redact, redactDeep, REDACTED, WITHHELD } from '../../../src/destination/tiktok/redact'

const TOKEN = 'tok3n-Abc/def+0123456789xyz'

/** Every character as a JSON \u escape, as TikTok's JSON encoder may write it. */
const jsonEscaped = (text: string) =>
  [...text].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')
const percentEncoded = (text: string) =>
  [...text].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('')
const base64 = (bytes: string, alphabet: 'base64' | 'base64url' = 'base64') => Buffer.from(bytes).toString(alphabet)

describe('redact', () => {
  it.each([
    ['as sent', `token ${TOKEN} is invalid`, `token ${REDACTED} is invalid`],
    ['in upper case', `token ${TOKEN.toUpperCase()} is invalid`, `token ${REDACTED} is invalid`],
    ['JSON-escaped', `token ${jsonEscaped(TOKEN)} is invalid`, `token ${REDACTED} is invalid`],
    [
      'partly JSON-escaped',
      `token ${jsonEscaped(TOKEN.slice(0, 4))}${TOKEN.slice(4, 9).replace('/', '\\/')}${TOKEN.slice(9)} is invalid`,
      `token ${REDACTED} is invalid`
    ],
    ['as \\u{…} and \\x escapes', `t=\\u{74}\\x6F${TOKEN.slice(2)};`, `t=${REDACTED};`],
    [
      'URL-encoded',
      `https://x.example/?access_token=${encodeURIComponent(TOKEN)}&a=1`,
      `https://x.example/?access_token=${REDACTED}&a=1`
    ],
    ['fully percent-encoded', `q=${percentEncoded(TOKEN)}`, `q=${REDACTED}`],
    [
      'as HTML character references',
      `<b>${[...TOKEN].map((c) => `&#${c.charCodeAt(0)};`).join('')}</b>`,
      `<b>${REDACTED}</b>`
    ],
    ['base64', `Basic ${base64(TOKEN)}`, `Basic ${REDACTED}`],
    ['twice', `${TOKEN} and ${TOKEN}${TOKEN}`, `${REDACTED} and ${REDACTED}${REDACTED}`]
  ])('replaces the token %s', (_form, text, expected) => {
    expect(redact(text, TOKEN)).toBe(expected)
  })

  it.each([0, 1, 2])('finds the token base64-encoded after %i other bytes, in both alphabets', (before) => {
    const prefix = 'ab'.slice(0, before)
    for (const alphabet of ['base64', 'base64url'] as const) {
      const encoded = base64(`${prefix}${TOKEN}!`, alphabet)
      const redacted = redact(`auth ${encoded} end`, TOKEN)
      expect(redacted).toContain(REDACTED)
      // What is left of the encoding around the marker is at most two characters each side: no token.
      const [left, right] = redacted.slice(5, -4).split(REDACTED)
      expect(left.length).toBeLessThanOrEqual(Math.ceil((8 * before) / 6))
      expect(right.length).toBeLessThanOrEqual(4)
    }
  })

  it('withholds a string whose token is encoded twice (percent-encoded JSON escapes)', () => {
    expect(redact(`token ${encodeURIComponent(jsonEscaped(TOKEN))}`, TOKEN)).toBe(WITHHELD)
    expect(redact(`token ${jsonEscaped(jsonEscaped(TOKEN))}`, TOKEN)).toBe(WITHHELD)
  })

  it('replaces a token that holds escape-like characters itself, as written and decoded', () => {
    const token = 'tok%41en\\x41&#65;-end'
    expect(redact(`a ${token} b`, token)).toBe(`a ${REDACTED} b`)
    expect(redact(`a ${encodeURIComponent(token)} b`, token)).toBe(`a ${REDACTED} b`)
  })

  it('leaves text without the token as it is, escapes included', () => {
    for (const text of ['No permission to operate pixel', 'a\\u0041%41&#65; tok3n-Abc', '', '100% sure & \\done']) {
      expect(redact(text, TOKEN)).toBe(text)
    }
  })

  it('never lets the token through, whatever surrounds it and however its characters are escaped', () => {
    const encodings = fc.constantFrom<(c: string) => string>(
      (c) => c,
      (c) => c.toUpperCase(),
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
      (c) => `&#x${c.charCodeAt(0).toString(16)};`
    )
    fc.assert(
      fc.property(
        fc.string(),
        fc.array(encodings, { minLength: TOKEN.length, maxLength: TOKEN.length }),
        fc.string(),
        (before, encoding, after) => {
          const written = [...TOKEN].map((c, i) => encoding[i](c)).join('')
          const redacted = redact(`${before}${written}${after}`, TOKEN)
          expect(redacted === WITHHELD || redacted.includes(REDACTED)).toBe(true)
          expect(unescapeAll(redacted).toLowerCase()).not.toContain(TOKEN.toLowerCase())
        }
      ),
      { seed: 11, numRuns: 300 }
    )
  })
})

describe('cannotCarry (the fast path of a usual answer)', () => {
  it("says so for TikTok's usual answer, and for nothing that holds the token in any form redact knows", () => {
    expect(cannotCarry('{"code":0,"message":"OK","request_id":"202611271041","data":{}}', TOKEN)).toBe(true)
    for (const form of [TOKEN, TOKEN.toUpperCase(), jsonEscaped(TOKEN), percentEncoded(TOKEN), base64(`x${TOKEN}`)]) {
      expect(cannotCarry(`{"message":"token ${form} is invalid"}`, TOKEN)).toBe(false)
    }
    // Whenever it says a text cannot hold the token, redact indeed leaves the text as it is.
    fc.assert(
      fc.property(
        fc.string(),
        fc.constantFrom('', TOKEN.slice(0, 9), base64(TOKEN).slice(2, 12)),
        fc.string(),
        (a, part, b) => {
          const text = `${a}${part}${b}`
          if (cannotCarry(text, TOKEN)) expect(redact(text, TOKEN)).toBe(text)
        }
      ),
      { seed: 12, numRuns: 300 }
    )
  })
})

/** An independent decoder for the check: each escape form, undone once. */
function unescapeAll(text: string): string {
  const char = (code: string, radix: number) => String.fromCharCode(parseInt(code, radix))
  return text
    .replace(/\\u([0-9a-f]{4})/gi, (_, hex) => char(hex, 16))
    .replace(/%([0-9a-f]{2})/gi, (_, hex) => char(hex, 16))
    .replace(/&#x([0-9a-f]+);/gi, (_, hex) => char(hex, 16))
}

describe('redactDeep', () => {
  it('redacts every string of a parsed answer, keys included, and leaves the rest', () => {
    const answer = JSON.parse(
      `{"code":40001,"message":"token ${jsonEscaped(TOKEN)} is invalid","request_id":"r-${TOKEN}","data":{"${TOKEN}":[true,null,2,"ok"]}}`
    )
    expect(redactDeep(answer, TOKEN)).toEqual({
      code: 40001,
      message: `token ${REDACTED} is invalid`,
      request_id: `r-${REDACTED}`,
      data: { [REDACTED]: [true, null, 2, 'ok'] }
    })
  })

  it('withholds a number that spells a numeric token', () => {
    expect(redactDeep({ echo: 1234567890123 }, '1234567890123')).toEqual({ echo: WITHHELD })
  })
})
