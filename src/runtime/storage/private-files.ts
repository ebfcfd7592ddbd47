/**
 * DATA_DIR and the files in it hold events with their PII: the directory is made 0700 and the
 * files 0600, whatever mode they had.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs'

export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
}

export function privateFile(path: string): void {
  closeSync(openSync(path, 'a', 0o600))
  chmodSync(path, 0o600)
}
