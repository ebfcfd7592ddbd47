/**
 * The settings file (SETTINGS_FILE): where saved settings go when no shared place (Redis) holds them.
 * It holds the access token, so it is private (mode 0600) and never written through a link.
 */
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { ConfigError, type RuntimeSettings } from '../ops/config'

/**
 * The settings file's text, read at start after making the file private (mode 0600, whatever it was:
 * it holds the access token); undefined when there is no file yet. Errors never quote the text.
 */
export function readSettingsFile(file: string): string | undefined {
  try {
    const fd = openSync(file, 'r')
    try {
      fchmodSync(fd, 0o600)
      return readFileSync(fd, 'utf8')
    } finally {
      closeSync(fd)
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new ConfigError(`SETTINGS_FILE ${file}: cannot read it and make it private (${(error as Error).message})`)
  }
}

/** Replaces the settings file atomically, never writing through a link (writePrivateFile). */
export function writeSettingsFile(file: string, settings: RuntimeSettings): void {
  writePrivateFile(file, JSON.stringify(settings, null, 2) + '\n')
}

/**
 * Replaces a private file atomically, never writing through a link: a new file with a random name
 * in the same directory, created exclusively (O_EXCL fails on anything already there, a symlink
 * included), mode 0600, synced, then renamed over the file.
 */
export function writePrivateFile(file: string, text: string): void {
  const temporary = `${file}.${randomBytes(8).toString('hex')}.tmp`
  const fd = openSync(
    temporary,
    constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW,
    0o600
  )
  let renamed = false
  try {
    try {
      fchmodSync(fd, 0o600)
      writeFileSync(fd, text)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, file)
    renamed = true
  } finally {
    if (!renamed) rmSync(temporary, { force: true })
  }
}
