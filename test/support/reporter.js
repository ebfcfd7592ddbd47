// Says, after jest's summary where a person sees it, when the browser tests, the Redis tests or the
// disk-full tests did not run and why, and which shuffled order the run used (test/support/sequencer.js).
'use strict'
const { chooseBrowser } = require('./browser-choice')
const { chooseRedis } = require('./redis-choice')
const { chooseTmpfs } = require('./tmpfs-choice')

class RunNotesReporter {
  onRunComplete() {
    const notes = []
    for (const choose of [chooseBrowser, chooseRedis, chooseTmpfs]) {
      let choice
      try {
        choice = choose()
      } catch {
        choice = undefined // a wrong CHROMIUM_PATH or REDIS_SERVER fails those tests themselves, loudly
      }
      if (choice && 'skip' in choice) notes.push(`${choice.deliberate ? 'note' : 'WARNING'}: ${choice.skip}`)
    }
    if (process.env.TEST_SEED) notes.push(`note: test files ran in the order of TEST_SEED=${process.env.TEST_SEED}`)
    for (const note of notes) process.stderr.write(`\n${note}\n`)
  }
}

module.exports = RunNotesReporter
