/**
 * Invalid UTF-8 in a Tracking API request is refused by name, never replaced silently: a body that is
 * valid UTF-8 (nearly all of them; checked natively) is read as it is. Else each invalid byte is
 * replaced by a mark that valid UTF-8 can never decode to (a lone surrogate), the body is parsed twice
 * with two different marks, and a message that differs between the two parses held invalid bytes: where
 * it differs names the field. (A mark alone would not do: JSON may write a lone surrogate as an escape.)
 */
import { isUtf8 } from 'node:buffer'

const MARKS = ['\udfff', '\udffe'] as const

const inRange = (byte: number | undefined, low: number, high: number) =>
  byte !== undefined && byte >= low && byte <= high

/** How many bytes the UTF-8 sequence at `i` takes, or 0 when it is not valid UTF-8 (RFC 3629). */
function sequenceLength(bytes: Buffer, i: number): number {
  const lead = bytes[i]
  if (lead < 0x80) return 1
  const next = bytes[i + 1]
  const tail = (from: number, count: number) => {
    for (let k = 0; k < count; k++) if (!inRange(bytes[from + k], 0x80, 0xbf)) return false
    return true
  }
  if (inRange(lead, 0xc2, 0xdf)) return tail(i + 1, 1) ? 2 : 0
  if (lead === 0xe0) return inRange(next, 0xa0, 0xbf) && tail(i + 2, 1) ? 3 : 0
  if (lead === 0xed) return inRange(next, 0x80, 0x9f) && tail(i + 2, 1) ? 3 : 0 // no surrogates
  if (inRange(lead, 0xe1, 0xef)) return tail(i + 1, 2) ? 3 : 0
  if (lead === 0xf0) return inRange(next, 0x90, 0xbf) && tail(i + 2, 2) ? 4 : 0
  if (inRange(lead, 0xf1, 0xf3)) return tail(i + 1, 3) ? 4 : 0
  if (lead === 0xf4) return inRange(next, 0x80, 0x8f) && tail(i + 2, 2) ? 4 : 0 // up to U+10FFFF
  return 0
}

/** The text of `bytes` with `mark` for each byte that is not part of a valid UTF-8 sequence. */
export function decodeMarked(bytes: Buffer, mark: string): string {
  let text = ''
  let run = 0
  for (let i = 0; i < bytes.length;) {
    const length = sequenceLength(bytes, i)
    if (length > 0) {
      i += length
      continue
    }
    text += bytes.toString('utf8', run, i) + mark
    run = ++i
  }
  return text + bytes.toString('utf8', run)
}

/** A request body: its text, or for one that is not valid UTF-8, the text twice with different marks. */
export type BodyText = { text: string; marked?: undefined } | { text?: undefined; marked: readonly [string, string] }

export function bodyText(bytes: Buffer): BodyText {
  if (isUtf8(bytes)) return { text: bytes.toString('utf8') }
  return { marked: [decodeMarked(bytes, MARKS[0]), decodeMarked(bytes, MARKS[1])] }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

interface Pair {
  a: unknown
  b: unknown
  /** The field's name in its parent (`name`, `[2]`), and its parent's pair. */
  key?: string
  parent?: Pair
}

/** A key as the reason shows it: marks as U+FFFD, cut at 40 characters. */
const shown = (key: string) => {
  const text = key.replace(/[\udffe\udfff]/g, '\ufffd')
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}

const pathOf = (pair: Pair): string => {
  const keys: string[] = []
  for (let at: Pair | undefined = pair; at?.key !== undefined; at = at.parent) keys.unshift(at.key)
  return keys.map((key, i) => (key.startsWith('[') || i === 0 ? key : `.${key}`)).join('') || '(the message)'
}

/**
 * Where the two parses of one message differ (a field's path such as `properties.products[0].name`):
 * the first field whose name or text held invalid UTF-8; undefined when none did. Walks without
 * recursion, so that no nesting depth can overflow it.
 */
export function invalidUtf8Field(a: unknown, b: unknown): string | undefined {
  const stack: Pair[] = [{ a, b }]
  while (stack.length) {
    const pair = stack.pop()!
    if (typeof pair.a === 'string') {
      if (pair.a !== pair.b) return pathOf(pair)
      continue
    }
    if (!isObject(pair.a) || !isObject(pair.b)) continue
    const children: Pair[] = []
    if (Array.isArray(pair.a)) {
      const other = pair.b as unknown as unknown[]
      pair.a.forEach((value, i) => children.push({ a: value, b: other[i], key: `[${i}]`, parent: pair }))
    } else {
      const keysA = Object.keys(pair.a)
      const keysB = Object.keys(pair.b)
      for (let i = 0; i < keysA.length; i++) {
        const key = { key: shown(keysA[i]), parent: pair }
        if (keysA[i] !== keysB[i]) return pathOf({ a: undefined, b: undefined, ...key })
        children.push({ a: pair.a[keysA[i]], b: (pair.b as Record<string, unknown>)[keysB[i]], ...key })
      }
    }
    // In order: the first field of the message that held invalid bytes is the one named.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i])
  }
  return undefined
}
