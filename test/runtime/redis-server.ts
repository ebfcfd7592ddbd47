/**
 * A redis-server of the test's own: on a free loopback port, in a temporary folder, AOF on (the
 * settings docs/scaling-out.md asks for), killed or restarted on the same folder by the tests that need it.
 * Which binary: test/support/redis-choice.js (`REDIS_SERVER`); without one the Redis suites are skipped
 * and the reporter says so.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Redis from 'ioredis'
import { chooseRedis } from '../support/redis-choice'

/** `describe` when there is a redis-server to test with, else `describe.skip`; a wrong REDIS_SERVER fails here. */
export function redisSuite(): { describeWithRedis: jest.Describe; redisServer: string } {
  const choice = chooseRedis()
  if ('path' in choice) return { describeWithRedis: describe, redisServer: choice.path }
  return { describeWithRedis: describe.skip, redisServer: '' }
}

export interface RedisServer {
  url: string
  port: number
  /** Its working folder: the AOF files. */
  dir: string
  /** A client for the test's own looks (closed by stop()). */
  client(): Redis
  /** kill -9: no shutdown, no last write. */
  kill(): Promise<void>
  /** Starts it again on the same port and folder (it loads its AOF). */
  start(): Promise<void>
  /** Stops it for good and removes its folder. */
  stop(): Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export interface RedisServerOptions {
  /** AOF on (default): what docs/scaling-out.md asks for. Off: a restart comes back empty. */
  appendonly?: boolean
  /** More arguments for redis-server (`--maxmemory 20mb`, `--enable-debug-command local`). */
  args?: string[]
}

export async function startRedis(binary: string, options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tiktok-redis-'))
  const port = await freePort()
  let child: ChildProcess | undefined
  const clients: Redis[] = []

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no']
      args.push('--appendonly', options.appendonly === false ? 'no' : 'yes', '--appendfsync', 'everysec', '--save', '')
      args.push('--maxmemory-policy', 'noeviction', ...(options.args ?? []))
      args.push('--logfile', '', '--protected-mode', 'yes')
      const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
      child = proc
      let output = ''
      const timer = setTimeout(() => reject(new Error(`redis-server did not start in 10 s:\n${output}`)), 10_000)
      const onData = (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      }
      proc.stdout!.on('data', onData)
      proc.stderr!.on('data', onData)
      proc.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`redis-server exited with ${code}:\n${output}`))
      })
    })

  const exited = (proc: ChildProcess) =>
    proc.exitCode !== null || proc.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => proc.once('exit', () => resolve()))

  await start()
  const url = `redis://127.0.0.1:${port}`
  return {
    url,
    port,
    dir,
    client() {
      const client = new Redis(url, { maxRetriesPerRequest: 3 })
      client.on('error', () => undefined)
      clients.push(client)
      return client
    },
    async kill() {
      if (!child) return
      const proc = child
      proc.kill('SIGKILL')
      await exited(proc)
      child = undefined
    },
    start,
    async stop() {
      for (const client of clients.splice(0)) client.disconnect()
      if (child) {
        const proc = child
        proc.kill('SIGTERM')
        await exited(proc)
        child = undefined
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
