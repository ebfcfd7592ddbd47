/**
 * `tiktok-conversions mappings export [--out FILE]`: the mappings in force (saved on the page, else
 * MAPPINGS, else the presets: tools/export-mappings.ts) written as a mappings file, to FILE or stdout.
 * A list that cannot be read exits 1 with the reason.
 */
import { writeFileSync } from 'node:fs'
import { createLog } from '../runtime/ops/log'
import type { Command, CommandArgs } from './parse'

async function exportList({ values, env }: CommandArgs) {
  const [{ exportMappings }, { ConfigError }, { MappingsError }] = await Promise.all([
    import('../runtime/tools/export-mappings'),
    import('../runtime/ops/config'),
    import('../runtime/routing/subscriptions')
  ])
  const log = createLog()
  let exported
  try {
    exported = await exportMappings(env, log)
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof MappingsError)) throw error
    log.error('mappings export failed', { reason: error.message })
    process.exit(1)
  }
  const out = values.out as string | undefined
  if (out === undefined) process.stdout.write(exported.text)
  else writeFileSync(out, exported.text)
  log.info('mappings exported', {
    from: exported.source,
    out: out ?? 'stdout',
    next_step: out ? `MAPPINGS=${out} uses it (once the list saved on the page is deleted)` : undefined
  })
}

export const mappingsExportCommand: Command = {
  words: ['mappings', 'export'],
  usage: [
    {
      synopsis: '[--out FILE]',
      about: [
        'the mappings in force (saved on the page, else MAPPINGS, else the presets)',
        'as a mappings file, to FILE or stdout'
      ]
    }
  ],
  options: { out: { type: 'string' } },
  positionals: [],
  run: exportList
}
