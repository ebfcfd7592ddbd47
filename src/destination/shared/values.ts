/**
 * Reading mapped values as TikTok takes them, for every action: text trimmed, numbers finite, lists
 * of one or many, hashed identifiers each once, and objects without anything empty in them. Pure.
 */
import { clean } from './normalize'

type Plain = Record<string, unknown>

/** Drops undefined, empty strings, empty arrays and empty objects; undefined when nothing is left. */
export function withoutEmpty<T extends object>(object: T): T | undefined {
  const out: Plain = {}
  let kept = false
  for (const key in object) {
    const value: unknown = object[key]
    if (value === undefined || value === null || value === '') continue
    if (Array.isArray(value) ? value.length === 0 : typeof value === 'object' && isEmptyObject(value as Plain)) continue
    out[key] = value
    kept = true
  }
  return kept ? (out as T) : undefined
}

function isEmptyObject(object: Plain): boolean {
  for (const key in object) if (Object.prototype.hasOwnProperty.call(object, key)) return false
  return true
}

/** Text trimmed (a finite number as its digits); undefined when empty or anything else. */
export const text = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value.trim() || undefined
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

/** A plain identifier (ttclid, ttp, IP…): text in NFC without invisible characters at its ends. */
export const identifier = (value: unknown): string | undefined =>
  typeof value === 'string' ? clean(value) || undefined : text(value)

export const finite = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined

/** A single value or an array, as the fields marked "single value or array" accept. */
export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value])

/** Each entry normalized and hashed by `hash`; empties and duplicates left out. */
export function hashAll(value: unknown, hash: (entry: string) => string | undefined): string[] | undefined {
  const hashes = new Set<string>()
  for (const entry of list(value)) {
    const hashed = typeof entry === 'string' ? hash(entry) : undefined
    if (hashed) hashes.add(hashed)
  }
  return hashes.size ? [...hashes] : undefined
}

/** The text entries of a single value or a list, each once. */
export const texts = (value: unknown): string[] | undefined => {
  const out = new Set(
    list(value)
      .map(text)
      .filter((entry): entry is string => entry !== undefined)
  )
  return out.size ? [...out] : undefined
}

/** `fn` of the value as text, when it is text. */
export const onText = (value: unknown, fn: (value: string) => string | undefined) => {
  const t = text(value)
  return t === undefined ? undefined : fn(t)
}

/** The ttclid query parameter of the page URL; a malformed URL is ignored. */
export function ttclidFromUrl(url: string | undefined): string | undefined {
  // Parsing a URL costs more than the rest of the user block: only parse one that can name ttclid
  // (spelled out, or percent-encoded).
  if (!url || (!url.includes('ttclid') && !url.includes('%'))) return undefined
  try {
    return identifier(new URL(url).searchParams.get('ttclid'))
  } catch {
    return undefined
  }
}
