// Whether the disk-full tests can mount a small tmpfs to fill for real (they need root, as CI has), decided
// in one place for the tests (test/runtime/tmpfs.ts) and for the reporter that says why they were skipped
// (test/support/reporter.js).
'use strict'

/** `TMPFS=none`: run without the disk-full tests on purpose. */
const NO_TMPFS = 'none'

/**
 * - run as root: the disk-full tests mount their tmpfs (and fail if the mount fails);
 * - `TMPFS=none`: skipped on purpose;
 * - not root: skipped with a warning.
 * @returns {{ mount: true } | { skip: string, deliberate: boolean }}
 */
function chooseTmpfs(env = process.env) {
  if (env.TMPFS === NO_TMPFS) {
    return { skip: `TMPFS=${NO_TMPFS}: the disk-full tests were skipped on purpose.`, deliberate: true }
  }
  if (typeof process.getuid === 'function' && process.getuid() === 0) return { mount: true }
  return {
    skip: 'Not root: the disk-full tests, which mount a small tmpfs to fill, were SKIPPED. Run the tests as root (CI does) to run them.',
    deliberate: false
  }
}

module.exports = { chooseTmpfs, NO_TMPFS }
