const CUT = '[cut: nested too deep]'
const MAX_DEPTH = 64

/**
 * JSON text of a value that JSON.stringify may not manage: nested deeper than MAX_DEPTH (a poison
 * event nested 5,000 levels deep overflows JSON.stringify's stack), with the deeper parts cut and
 * marked. Never throws: what cannot be written becomes a marker string.
 */
export function safeJson(value: unknown): string {
  try {
    return write(value, MAX_DEPTH)
  } catch (error) {
    return JSON.stringify(`[could not be written: ${(error as Error).message}]`)
  }
}

function write(value: unknown, depth: number): string {
  if (value === null || typeof value === 'boolean') return String(value)
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null'
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value !== 'object') return 'null'
  if (depth <= 0) return JSON.stringify(CUT)
  if (Array.isArray(value)) return `[${value.map((item) => write(item, depth - 1)).join(',')}]`
  const fields: string[] = []
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (item === undefined || typeof item === 'function') continue
    fields.push(`${JSON.stringify(key)}:${write(item, depth - 1)}`)
  }
  return `{${fields.join(',')}}`
}
