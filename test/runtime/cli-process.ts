/**
 * The runtime as `npm start` runs it (src/cli.ts), in a child process, for tests that stop it for
 * real: SIGTERM, or kill -9. `child` is the process started (the launcher, which starts the runtime
 * again with its heap limit and passes signals on); `pid` is the runtime's own, from its first log
 * line. Every child still running after a test is killed (SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..')

export interface CliProcess {
  child: ChildProcess
  /** The runtime's own process, as its first log line gives it. */
  pid: number
  url: string
  /** Every stderr line so far (logs). */
  stderr: string[]
  /** Resolves with the exit code (null when killed by a signal). */
  exit: Promise<number | null>
}

const running = new Map<ChildProcess, number | undefined>()
afterEach(() => {
  for (const [child, pid] of running) {
    if (pid !== undefined) killQuietly(pid)
    child.kill('SIGKILL')
  }
  running.clear()
})

const killQuietly = (pid: number) => {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // gone already
  }
}

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
  running.set(child, undefined)
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child)
      resolve(code)
    })
  )
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr.push(...chunk.toString().split('\n').filter(Boolean))
      const listening = stderr.join('\n').match(/ listening url=(\S+) pid=(\d+)/)
      if (!listening) return
      const pid = Number(listening[2])
      if (running.has(child)) running.set(child, pid)
      resolve({ child, pid, url: listening[1], stderr, exit })
    })
    void exit.then((code) => reject(new Error(`runtime exited with ${code}: ${stderr.join('\n')}`)))
  })
}

/** kill -9 of the runtime's process, resolved once the process started (the launcher, ended with it) is gone. */
export async function kill(cli: CliProcess) {
  process.kill(cli.pid, 'SIGKILL')
  await cli.exit
}
