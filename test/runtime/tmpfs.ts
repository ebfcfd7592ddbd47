/**
 * A small tmpfs mounted for a test, to fill for real: a full disk as the runtime meets it (ENOSPC,
 * SQLITE_FULL). Grown (remount) to give room back; unmounted after the test. Needs root
 * (test/support/tmpfs-choice.js): without it the suites that use it are skipped, with a warning.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chooseTmpfs } from '../support/tmpfs-choice'

/** `describe` when a tmpfs can be mounted, else `describe.skip`. */
export const describeWithTmpfs = 'mount' in chooseTmpfs() ? describe : describe.skip

export interface Tmpfs {
  dir: string
  /** Remounts it with this size (MB): more gives room back at once. */
  resize(megabytes: number): void
}

const mounted: string[] = []
afterEach(() => {
  for (const dir of mounted.splice(0)) {
    execFileSync('umount', ['-l', dir])
    rmSync(dir, { recursive: true, force: true })
  }
})

/** A tmpfs of `megabytes` MB on a new folder, unmounted after the test. */
export function mountTmpfs(megabytes: number): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), 'tiktok-tmpfs-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m,mode=0700`, 'tmpfs', dir])
  mounted.push(dir)
  return {
    dir,
    resize: (size) => execFileSync('mount', ['-o', `remount,size=${size}m`, dir])
  }
}
