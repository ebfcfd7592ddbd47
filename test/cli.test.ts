/**
 * The `tiktok-conversions` command line (src/cli.ts): `--help` prints what it can do, and an argument
 * it does not know is refused, never read as "start the runtime".
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

const ROOT = join(__dirname, '..')
const cli = (...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    // A port that would be taken if it started: it must not get that far.
    env: { ...process.env, PORT: '1', DATA_DIR: join(ROOT, '.runtime-cli-test-never-created') },
    timeout: 30_000
  })

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
