/**
 * The `tiktok-conversions` command line (src/cli.ts): `--help` prints what it can do, and an argument
 * it does not know is refused, never read as "start the runtime". Every command (the runtime,
 * `replay FILE`, `replay --redis`) answers --help and --version, and refuses what it does not take
 * with exit code 2 and its usage, before doing anything.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const ROOT = join(__dirname, '..')
const cliWith = (env: Record<string, string>, ...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    // A port that would be taken if it started: it must not get that far.
    env: { ...process.env, PORT: '1', DATA_DIR: join(ROOT, '.runtime-cli-test-never-created'), ...env },
    timeout: 30_000
  })
const cli = (...args: string[]) => cliWith({}, ...args)

type Failed = { code: number; stdout: string; stderr: string }

it.each(['--help', '-h', 'help'])('prints its usage for %s on stdout and exits 0 without starting', async (flag) => {
  const { stdout, stderr } = await cli(flag)
  expect(stdout).toMatch(/^Usage:\n {2}tiktok-conversions {2,}the local runtime/)
  expect(stdout).toContain('tiktok-conversions replay FILE [--url U]')
  expect(stdout).toContain('tiktok-conversions replay --redis')
  expect(stderr).toBe('')
})

it('refuses an unknown option with exit code 2 and the usage, without starting', async () => {
  const failed = await cli('--port', '8080').catch((error: { code: number; stdout: string; stderr: string }) => error)
  expect(failed).toMatchObject({ code: 2, stdout: '' })
  const { stderr } = failed as { stderr: string }
  expect(stderr).toMatch(/^tiktok-conversions: unknown command or option "--port"\n\nUsage:/)
  expect(stderr).not.toContain('listening')
})

const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string

it.each([[['--version']], [['replay', '--version']], [['replay', '--redis', '--version']]])(
  'prints the package version for %j on stdout and exits 0',
  async (args) => {
    const { stdout, stderr } = await cli(...args)
    expect(stdout).toBe(`${VERSION}\n`)
    expect(stderr).toBe('')
  }
)

it.each([[['replay', '--help']], [['replay', '-h']], [['replay', '--redis', '--help']], [['help', 'replay']]])(
  "prints replay's usage for %j on stdout and exits 0",
  async (args) => {
    const { stdout, stderr } = await cli(...args)
    expect(stdout).toMatch(/^Usage:\n {2}tiktok-conversions replay FILE \[--url U\] {2}a dead-letter file/)
    expect(stdout).toContain(
      '  tiktok-conversions replay --redis [--url U] [--write-key KEY] [--mapping NAME] [--keep]'
    )
    expect(stdout).not.toContain('the local runtime')
    expect(stderr).toBe('')
  }
)

describe('a replay it cannot do as asked', () => {
  // A dead-letter file: a refused command leaves it where it is (a replay would rename it first).
  const file = join(mkdtempSync(join(tmpdir(), 'cli-replay-')), 'dead-letter.jsonl')
  writeFileSync(file, JSON.stringify({ event: { type: 'track', event: 'Order Completed', messageId: 'm-1' } }) + '\n')
  let usage = ''
  beforeAll(async () => {
    usage = (await cli('replay', '--help')).stdout
  })

  it.each([
    ['replay FILE --bogus', 'unknown option "--bogus"'],
    ['replay --redis --bogus', 'unknown option "--bogus"'],
    ['replay FILE --keep', '--keep is for replay --redis only'],
    ['replay FILE another.jsonl', 'unexpected argument "another.jsonl"'],
    ['replay FILE --url', '--url needs a value'],
    ['replay --redis FILE', `replay --redis reads the Redis stream, not a FILE (got "${file}")`],
    ['replay', 'FILE is missing: the dead-letter file to replay'],
    ['replay --url http://127.0.0.1:1', 'FILE is missing: the dead-letter file to replay']
  ])('`%s` is refused with exit code 2, the reason and the usage on stderr', async (command, reason) => {
    const args = command.split(' ').map((arg) => (arg === 'FILE' ? file : arg))
    const failed = (await cliWith({ REDIS_URL: 'redis://127.0.0.1:1' }, ...args).catch((error) => error)) as Failed
    expect(failed).toMatchObject({ code: 2, stdout: '' })
    expect(failed.stderr).toBe(`tiktok-conversions replay: ${reason}\n\n${usage}`)
    expect(existsSync(file)).toBe(true)
  })

  it('replay --redis without REDIS_URL is refused the same way, naming the variable', async () => {
    const failed = (await cliWith({ REDIS_URL: '' }, 'replay', '--redis').catch((error) => error)) as Failed
    expect(failed).toMatchObject({ code: 2, stdout: '' })
    expect(failed.stderr).toMatch(
      /^tiktok-conversions replay: REDIS_URL is not set: it names the Redis that holds the dead-letter stream\n\nUsage:\n/
    )
  })
})

it('refuses a command it does not know, with the usage of every command', async () => {
  const failed = (await cli('frobnicate').catch((error) => error)) as Failed
  expect(failed).toMatchObject({ code: 2, stdout: '' })
  expect(failed.stderr).toBe(
    `tiktok-conversions: unknown command or option "frobnicate"\n\n${(await cli('--help')).stdout}`
  )
})
