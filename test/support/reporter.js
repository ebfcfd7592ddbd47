// Says, after jest's summary where a person sees it, when the browser tests or the Redis tests did
// not run and why, and which shuffled order the run used (test/support/sequencer.js).
'use strict'
const { chooseBrowser } = require('./browser-choice')
const { chooseRedis } = require('./redis-choice')

class RunNotesReporter {
  onRunComplete() {
    const notes = []
    let choice
    try {
      choice = chooseBrowser()
    } catch {
      choice = undefined // a wrong CHROMIUM_PATH fails the browser tests themselves, loudly
    }
    if (choice && 'skip' in choice) notes.push(`${choice.deliberate ? 'note' : 'WARNING'}: ${choice.skip}`)
    let redis
    try {
      redis = chooseRedis()
    } catch {
      redis = undefined // a wrong REDIS_SERVER fails the Redis tests themselves, loudly
    }
    if (redis && 'skip' in redis) notes.push(`${redis.deliberate ? 'note' : 'WARNING'}: ${redis.skip}`)
    if (process.env.TEST_SEED) notes.push(`note: test files ran in the order of TEST_SEED=${process.env.TEST_SEED}`)
    for (const note of notes) process.stderr.write(`\n${note}\n`)
  }
}

module.exports = RunNotesReporter
