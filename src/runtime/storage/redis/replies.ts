/** Reading Redis's answers, and sizing what is sent in one command. */

/** Ids per command (XACK, XDEL, a hand-back). */
const CHUNK = 1_000

/** Fails with the first error of a MULTI's or pipeline's replies; else their values. */
export function replies(results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new Error('the Redis transaction was aborted')
  for (const [error] of results) if (error) throw error
  return results.map(([, value]) => value)
}

/** A flat field/value list (a stream entry's fields, CONFIG GET's answer) as an object. */
export function fieldsOf(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]] = fields[i + 1]
  return out
}

/** `items` in slices small enough for one command each. */
export const chunks = <T>(items: T[], size = CHUNK): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))
