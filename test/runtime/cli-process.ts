/**
 * The runtime as `npm start` runs it (src/cli.ts), in a child process, for tests that stop it for
 * real: SIGTERM, or kill -9. Every child still running after a test is killed (SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..')

export interface CliProcess {
  child: ChildProcess
  url: string
  /** Every stderr line so far (logs). */
  stderr: string[]
  /** Resolves with the exit code (null when killed by a signal). */
  exit: Promise<number | null>
}

const running = new Set<ChildProcess>()
afterEach(() => {
  for (const child of running) child.kill('SIGKILL')
  running.clear()
})

/**
 * Starts the CLI with these variables (PORT 0 and a new temporary DATA_DIR unless given); resolves
 * once it listens, rejects with its stderr when it exits first.
 */
export function startCli(env: Record<string, string>): Promise<CliProcess> {
  const stderr: string[] = []
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'tiktok-cli-')), ...env },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  running.add(child)
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child)
      resolve(code)
    })
  )
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr.push(...chunk.toString().split('\n').filter(Boolean))
      const url = stderr.join('\n').match(/ listening url=(\S+)/)?.[1]
      if (url) resolve({ child, url, stderr, exit })
    })
    void exit.then((code) => reject(new Error(`runtime exited with ${code}: ${stderr.join('\n')}`)))
  })
}

/** kill -9, resolved once the process is gone. */
export async function kill(cli: CliProcess) {
  cli.child.kill('SIGKILL')
  await cli.exit
}
