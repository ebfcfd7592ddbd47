/**
 * The command line's grammar, one for every command: a table of commands, each with the words that
 * name it, its options, its positional arguments and its usage, read with node:util's `parseArgs`
 * (strict). Every command answers --help (-h) and --version. Parsing is pure: it says what to print and
 * the exit code (0 for --help and --version, 2 for a mistake, with the usage on stderr), or which
 * command to run with which arguments.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'

export const BIN = 'tiktok-conversions'

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>

export interface CommandArgs {
  /** The options given, by name (`--write-key` is `values['write-key']`); unset ones are undefined. */
  values: Record<string, string | boolean | undefined>
  positionals: string[]
  env: NodeJS.ProcessEnv
}

export interface Command {
  /** The words after the bin that name it: none for the runtime; e.g. ['mappings', 'export']. */
  words: string[]
  /** Each way to call it, after its words, and what it does (lines): its usage. */
  usage: { synopsis: string; about: string[] }[]
  /** Its options, as parseArgs takes them; --help and --version are added to every command's. */
  options: OptionSpecs
  /** Names of its positional arguments: it takes at most these. */
  positionals: string[]
  /** What is wrong with arguments that parse but cannot run (a missing FILE, options that do not go together). */
  refuse?(args: CommandArgs): string | undefined
  run(args: CommandArgs): Promise<void>
}

export type Outcome =
  /** --help or --version: printed on stdout, exit 0. */
  | { exitCode: 0; stdout: string }
  /** A mistake: what it is and the command's usage on stderr, exit 2. */
  | { exitCode: 2; stderr: string }
  | { command: Command; args: CommandArgs }

const EVERY_COMMAND: OptionSpecs = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' }
}

/** Where a synopsis's description starts. */
const COLUMN = 44

const named = (command: Command, rest = '') => [BIN, ...command.words, rest].filter(Boolean).join(' ')

function usageLines(command: Command): string[] {
  return command.usage.flatMap(({ synopsis, about }) => {
    const head = `  ${named(command, synopsis)}`
    const indented = about.map((line) => ' '.repeat(COLUMN) + line)
    if (head.length + 2 > COLUMN) return [head, ...indented]
    return [head.padEnd(COLUMN) + about[0], ...indented.slice(1)]
  })
}

/** The usage of one command; the root's (the runtime, no words) lists every command. */
export function usage(commands: readonly Command[], command: Command): string {
  const root = command.words.length === 0
  const forms = [
    ...(root ? commands : [command]).flatMap(usageLines),
    `  ${named(command, '--help').padEnd(COLUMN - 2)}${root ? `this text (${BIN} COMMAND --help: that command's alone)` : 'this text'}`,
    `  ${named(command, '--version').padEnd(COLUMN - 2)}the package version`
  ]
  return `Usage:\n${forms.join('\n')}\n`
}

/** The command the first words name: the one with the most words that all match; else the root. */
function commandOf(commands: readonly Command[], argv: string[]): Command {
  let found: Command | undefined
  for (const command of commands) {
    if (command.words.every((word, i) => argv[i] === word) && command.words.length >= (found?.words.length ?? 0)) {
      found = command
    }
  }
  if (!found) throw new Error('the command table has no root command (one with no words)')
  return found
}

/**
 * Why strict parseArgs refused these arguments, said in our words: it is read again without strict,
 * token by token. Node's own message when nothing is found.
 */
function mistakeIn(args: string[], options: OptionSpecs, root: boolean, error: Error): string {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true })
  for (const token of tokens) {
    if (token.kind !== 'option') continue
    const spec = options[token.name]
    if (!spec) return `unknown ${root ? 'command or ' : ''}option "${token.rawName}"`
    if (spec.type === 'boolean' && token.value !== undefined) return `${token.rawName} takes no value`
    if (spec.type === 'string' && (token.value === undefined || (!token.inlineValue && token.value.startsWith('-')))) {
      return `${token.rawName} needs a value`
    }
  }
  return error.message
}

/**
 * What the command line `argv` (without node and the script) asks for. `help [COMMAND]` is --help of
 * the command named; `version` is read only when --version asks for it.
 */
export function parseCommandLine(
  commands: readonly Command[],
  argv: string[],
  { env, version }: { env: NodeJS.ProcessEnv; version: () => string }
): Outcome {
  const refusal = (command: Command, reason: string): Outcome => ({
    exitCode: 2,
    stderr: `${named(command)}: ${reason}\n\n${usage(commands, command)}`
  })
  if (argv[0] === 'help') {
    const asked = commandOf(commands, argv.slice(1))
    if (asked.words.length === argv.length - 1) return { exitCode: 0, stdout: usage(commands, asked) }
    return refusal(commandOf(commands, []), `unknown command "${argv.slice(1).join(' ')}"`)
  }
  const command = commandOf(commands, argv)
  const root = command.words.length === 0
  const refused = (reason: string) => refusal(command, reason)
  const rest = argv.slice(command.words.length)
  const options = { ...command.options, ...EVERY_COMMAND }
  let parsed
  try {
    parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: true })
  } catch (error) {
    return refused(mistakeIn(rest, options, root, error as Error))
  }
  const { help, version: wantsVersion, ...values } = parsed.values as CommandArgs['values']
  if (help) return { exitCode: 0, stdout: usage(commands, command) }
  if (wantsVersion) return { exitCode: 0, stdout: `${version()}\n` }
  const empty = Object.keys(values).find((name) => values[name] === '')
  if (empty !== undefined) return refused(`--${empty} needs a value`)
  const extra = parsed.positionals[command.positionals.length]
  if (extra !== undefined) {
    return refused(root ? `unknown command or option "${extra}"` : `unexpected argument "${extra}"`)
  }
  const args: CommandArgs = { values, positionals: parsed.positionals, env }
  const reason = command.refuse?.(args)
  if (reason !== undefined) return refused(reason)
  return { command, args }
}
