/**
 * `tiktok-conversions salvage FILE [--out OUT]`: a damaged queue file's deliveries, read back into a
 * dead-letter file (default `FILE.dead-letter.jsonl`) for `tiktok-conversions replay` (tools/salvage.ts).
 * Exit 0 once OUT is written, whatever could not be read (the counts say); 1 when nothing could be done.
 */
import { createLog } from '../runtime/ops/log'
import { salvage, SalvageError } from '../runtime/tools/salvage'
import type { Command, CommandArgs } from './parse'

async function salvageFile({ positionals, values }: CommandArgs) {
  const log = createLog()
  const file = positionals[0]
  try {
    const result = salvage(file, values.out as string | undefined)
    for (const note of result.notes) log.warn('salvage', { note })
    log.info('salvage done', {
      file,
      recovered: result.recovered,
      from_wal: result.fromWal || undefined,
      unreadable_rows: result.unreadableRows,
      unreadable_pages: result.unreadablePages,
      lost: result.unreadableRows || result.unreadablePages ? 'what those held' : 'nothing known',
      out: result.out,
      next_step: result.recovered ? `tiktok-conversions replay ${result.out}` : undefined
    })
  } catch (error) {
    if (!(error instanceof SalvageError)) throw error
    log.error('salvage failed', { reason: error.message })
    process.exit(1)
  }
}

export const salvageCommand: Command = {
  words: ['salvage'],
  usage: [
    {
      synopsis: 'FILE [--out OUT]',
      about: [
        'the deliveries a damaged queue file (queue.db.damaged-<time>) and its WAL still hold,',
        'into a dead-letter file for replay (default OUT: FILE.dead-letter.jsonl)'
      ]
    }
  ],
  options: { out: { type: 'string' } },
  positionals: ['FILE'],
  refuse: ({ positionals }) =>
    positionals.length ? undefined : 'FILE is missing: the damaged queue file to read (queue.db.damaged-<time>)',
  run: salvageFile
}
