/**
 * The runtime's log: one line per fact (a batch, a start, a stop), `time level message key=value…`,
 * on stderr; stdout is kept for the dry-run bodies. Values are what the runtime passes: counts,
 * statuses, mapping names and error messages, which never carry the access token or raw PII.
 */
export type LogFields = Record<string, string | number | boolean | undefined>

export interface Log {
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
}

/** An error's message, for a log field (anything thrown that is not an Error, as text). */
export const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error))

const quote = (value: string) => (/^[\w.:/@+-]+$/.test(value) ? value : JSON.stringify(value))

export function formatLine(level: string, message: string, fields: LogFields = {}): string {
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? quote(value) : value}`)
  return [new Date().toISOString(), level, message, ...pairs].join(' ')
}

/** A log writing lines to `write` (stderr by default). */
export function createLog(write: (line: string) => void = (line) => process.stderr.write(line + '\n')): Log {
  return {
    info: (message, fields) => write(formatLine('info', message, fields)),
    warn: (message, fields) => write(formatLine('warn', message, fields)),
    error: (message, fields) => write(formatLine('error', message, fields))
  }
}
