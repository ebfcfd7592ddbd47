/**
 * `tiktok-conversions forget ID`: identity memory forgets the person of a userId or anonymousId, with
 * every device seen with them, in the store the runtime of these variables uses: Redis (REDIS_URL,
 * REDIS_PREFIX) or DATA_DIR's identities.db (read while the runtime runs, too). The log says how many
 * records went, never the id. Exit 0 once forgotten (also when nothing was kept), 1 when the store cannot be read.
 */
import { eitherKey } from '../runtime/identity/facts'
import { openKeptStore } from '../runtime/identity/open'
import { forgetPerson, type IdentityStore } from '../runtime/identity/store'
import { redisPrefixFromEnv } from '../runtime/ops/config'
import { createLog } from '../runtime/ops/log'
import type { Command, CommandArgs } from './parse'

const openStore = (env: NodeJS.ProcessEnv) =>
  openKeptStore({
    redisUrl: env.REDIS_URL?.trim() || undefined,
    redisPrefix: redisPrefixFromEnv(env),
    dataDir: env.DATA_DIR || '.runtime'
  })

async function forget({ positionals, env }: CommandArgs) {
  const log = createLog()
  let store: IdentityStore | undefined
  try {
    store = await openStore(env)
  } catch (error) {
    log.error('forget failed', { reason: `cannot open identity memory (${(error as Error).message})` })
    process.exit(1)
  }
  if (!store) return log.info('forgotten', { records: 0, why: 'identity memory has kept nothing in DATA_DIR' })
  try {
    const records = await forgetPerson(store, eitherKey(positionals[0].trim()))
    log.info('forgotten', { records, store: store.where })
  } finally {
    await store.close()
  }
}

export const forgetCommand: Command = {
  words: ['forget'],
  usage: [
    {
      synopsis: 'ID',
      about: [
        'identity memory forgets the person of a userId or anonymousId and every id linked',
        'to them (in REDIS_URL, else DATA_DIR/identities.db), at once'
      ]
    }
  ],
  options: {},
  positionals: ['ID'],
  refuse: ({ positionals }) =>
    positionals[0]?.trim() ? undefined : 'ID is missing: the userId or anonymousId to forget',
  run: forget
}
