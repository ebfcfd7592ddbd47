/**
 * The runtime as `npm start` runs it (src/cli.ts), in a child process, for tests that stop it for
 * real: SIGTERM, or kill -9.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..')

export interface CliProcess {
  child: ChildProcess
  url: string
  pid: number
  /** Every stderr line so far (logs). */
  stderr: string[]
  /** Every stdout line so far (dry-run bodies). */
  stdout: string[]
  /** Resolves with the exit code (null when killed by a signal). */
  exit: Promise<number | null>
}

const running = new Set<ChildProcess>()
afterEach(() => {
  for (const child of running) child.kill('SIGKILL')
  running.clear()
})

/** Starts the CLI with these variables (PORT 0 unless given); resolves once it listens. */
export function startCli(env: Record<string, string>): Promise<CliProcess> {
  const stderr: string[] = []
  const stdout: string[] = []
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  running.add(child)
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      running.delete(child)
      resolve(code)
    })
  )
  const lines = (into: string[]) => (chunk: Buffer) => into.push(...chunk.toString().split('\n').filter(Boolean))
  child.stdout!.on('data', lines(stdout))
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      lines(stderr)(chunk)
      const match = stderr.join('\n').match(/ listening url=(\S+) pid=(\d+)/)
      if (match) resolve({ child, url: match[1], pid: Number(match[2]), stderr, stdout, exit })
    })
    void exit.then((code) => reject(new Error(`runtime exited with ${code}: ${stderr.join('\n')}`)))
  })
}
