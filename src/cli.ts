#!/usr/bin/env node
/**
 * The `tiktok-conversions` bin (and `npm start`): the commands below, one parser for all of them
 * (cli/parse.ts). A command is added by adding its row here.
 *
 *   tiktok-conversions                          the local runtime (cli/serve.ts)
 *   tiktok-conversions replay FILE [--url URL]  a dead-letter file back through the runtime (cli/replay.ts)
 *   tiktok-conversions replay --redis [--url URL] [--write-key KEY] [--mapping NAME] [--keep]
 *   tiktok-conversions salvage FILE [--out OUT]  a damaged queue file read back for replay (cli/salvage.ts)
 *   tiktok-conversions forget ID                 identity memory forgets a person (cli/forget.ts)
 *   tiktok-conversions mappings export [--out FILE]  the mappings in force as a mappings file (cli/mappings.ts)
 *
 * Every command answers --help (its usage on stdout, exit 0) and --version (exit 0); an unknown
 * option or argument exits 2 with the usage on stderr.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { forgetCommand } from './cli/forget'
import { mappingsExportCommand } from './cli/mappings'
import { parseCommandLine, type Command } from './cli/parse'
import { replayCommand } from './cli/replay'
import { salvageCommand } from './cli/salvage'
import { serveCommand } from './cli/serve'
import { createLog } from './runtime/ops/log'
import { ReplayError } from './runtime/tools/replay-file'

const COMMANDS: readonly Command[] = [serveCommand, replayCommand, salvageCommand, forgetCommand, mappingsExportCommand]

/** The package's version, from its package.json (beside src/ and dist/). */
const packageVersion = () =>
  (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version

async function runCommandLine(argv: string[]): Promise<void> {
  const outcome = parseCommandLine(COMMANDS, argv, { env: process.env, version: packageVersion })
  if ('command' in outcome) return outcome.command.run(outcome.args)
  if (outcome.exitCode === 0) process.stdout.write(outcome.stdout)
  else process.stderr.write(outcome.stderr)
  process.exitCode = outcome.exitCode
}

runCommandLine(process.argv.slice(2)).catch((error) => {
  if (error instanceof ReplayError) {
    createLog().error('replay failed', { reason: error.message })
    process.exit(1)
  }
  process.stderr.write(`${(error as Error).stack ?? error}\n`)
  process.exit(1)
})
