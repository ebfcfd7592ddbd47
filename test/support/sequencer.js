// With TEST_SEED set, test files run in an order shuffled by that seed (printed, so that a failing
// order can be run again); without it, jest's own order. No file may depend on another running first.
'use strict'
const Sequencer = require('@jest/test-sequencer').default

/** A small deterministic generator (mulberry32). */
function random(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

class SeededSequencer extends Sequencer {
  sort(tests) {
    const raw = process.env.TEST_SEED
    if (!raw) return super.sort(tests)
    const seed = Number.parseInt(raw, 10)
    if (!Number.isFinite(seed)) throw new Error(`TEST_SEED must be a whole number; got "${raw}"`)
    const next = random(seed)
    const shuffled = [...tests].sort((a, b) => (a.path < b.path ? -1 : 1))
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1))
      ;[shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]]
    }
    process.stderr.write(`TEST_SEED=${seed}: ${shuffled.length} test files in this order:\n`)
    for (const test of shuffled) process.stderr.write(`  ${test.path.replace(process.cwd() + '/', '')}\n`)
    return shuffled
  }
}

module.exports = SeededSequencer
