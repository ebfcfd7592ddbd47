#!/usr/bin/env node
/**
 * `npm start` and the `tiktok-conversions` bin: the local runtime on 127.0.0.1:$PORT (default 3000).
 * Dry-run until it has a TikTok access token and pixel code; SIGTERM and SIGINT stop intake, deliver
 * what they can by SHUTDOWN_TIMEOUT_MS and exit 0 (the rest stays queued for the next start).
 *
 * `tiktok-conversions replay FILE [--url URL]`: sends a dead-letter file's events back through the
 * runtime at URL (default http://$HOST:$PORT), with SEGMENT_WRITE_KEY when it is set.
 *
 * `tiktok-conversions replay --redis [--url URL]`: the same for the Redis dead-letter stream (REDIS_URL).
 */
import { ConfigError, runtimeUrlFromEnv, writeKeyFromEnv } from './runtime/ops/config'
import { pageRoutes } from './page/routes'
import { loadConfig, startRuntime } from './runtime'
import { createLog } from './runtime/ops/log'
import { ReplayError, replayFile } from './runtime/tools/replay-file'
import { MappingsError } from './runtime/routing/subscriptions'

async function main() {
  const log = createLog()
  const refuse = (error: unknown) => {
    if (error instanceof ConfigError || error instanceof MappingsError) {
      log.error('cannot start', { reason: error.message })
      process.exit(2)
    }
    throw error
  }
  let runtime
  try {
    runtime = await startRuntime(loadConfig(), { log, routes: [pageRoutes] })
  } catch (error) {
    return refuse(error)
  }
  // Before the first line that says it is up: a SIGTERM right after it must drain, not kill.
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info('stopping', { signal, pending: runtime.pipeline.pending })
    runtime.close().then(
      () => process.exit(0),
      (error) => {
        log.error('stop failed', { reason: (error as Error).message })
        process.exit(1)
      }
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  const { config } = runtime
  const mode = runtime.mode()
  log.info('listening', {
    url: runtime.url,
    pid: process.pid,
    mode,
    tracking_api: `${runtime.url}/v1/batch`,
    subscriptions: `${runtime.subscriptions.length} from ${runtime.subscriptionSource}`,
    tiktok:
      mode === 'live' ? (config.apiUrl ?? 'https://business-api.tiktok.com') : 'none: bodies are printed on stdout',
    pixel_code: runtime.settings.pixelCode,
    queue: runtime.storage.store.description,
    dead_letter: runtime.storage.deadLetter.where
  })
  // The one line that carries the admin key (a key set with ADMIN_KEY is not repeated, as Jupyter does).
  log.info('settings page', { url: `${runtime.url}/?key=${config.adminKeyFromEnv ? '<ADMIN_KEY>' : config.adminKey}` })
  if (mode === 'dry-run') {
    log.info('dry-run: set TIKTOK_ACCESS_TOKEN and TIKTOK_PIXEL_CODE to send to TikTok; nothing leaves this machine')
  } else if (!config.writeKey) {
    log.warn('live without SEGMENT_WRITE_KEY: any client that reaches this port can send events to your pixel')
  }
}

/** `replay --redis`: the Redis dead-letter stream, loaded only for it (`npm start` loads nothing of Redis). */
async function replayRedisStream(args: string[]) {
  const { replayOptions, replayRedis } = await import('./runtime/tools/replay-redis')
  let options
  try {
    options = replayOptions(args, process.env)
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`)
    process.exit(2)
  }
  try {
    await replayRedis(options)
  } catch (error) {
    process.stderr.write(`replay stopped: ${(error as Error).message}\n`)
    process.exit(1)
  }
}

async function replay(args: string[]) {
  if (args.includes('--redis')) return replayRedisStream(args)
  const log = createLog()
  const at = args.indexOf('--url')
  const url = at >= 0 ? args[at + 1] : runtimeUrlFromEnv(process.env)
  const file = args.find((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--url')
  if (!file || !url) {
    log.error('usage: tiktok-conversions replay FILE [--url http://127.0.0.1:3000], or replay --redis [--url …]')
    process.exit(2)
  }
  const result = await replayFile(file, {
    url,
    writeKey: writeKeyFromEnv(process.env),
    say: (line, level) => (level === 'error' ? log.error(line) : log.info(line))
  })
  log.info('replay done', {
    replayed: result.replayed,
    duplicates: result.duplicates || undefined,
    not_replayable: result.notReplayable || undefined,
    left: result.left
  })
  process.exit(result.left ? 1 : 0)
}

const USAGE = `Usage:
  tiktok-conversions                        the local runtime (settings from the environment: see the README's
                                            Configuration; dry-run until TIKTOK_ACCESS_TOKEN and TIKTOK_PIXEL_CODE)
  tiktok-conversions replay FILE [--url U]  a dead-letter file back through the runtime at U
                                            (default http://$HOST:$PORT, with SEGMENT_WRITE_KEY when set)
  tiktok-conversions replay --redis [--url U] [--write-key KEY] [--mapping NAME] [--keep]
                                            the Redis dead-letter stream (REDIS_URL) back through the runtime
  tiktok-conversions --help                 this text
`

/** The command the arguments name; anything unknown is refused rather than read as "start". */
function run(args: string[]): Promise<void> {
  const [command, ...rest] = args
  if (command === undefined) return main()
  if (command === 'replay') return replay(rest)
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE)
    return Promise.resolve()
  }
  process.stderr.write(`tiktok-conversions: unknown command or option "${command}"\n\n${USAGE}`)
  process.exit(2)
}

run(process.argv.slice(2)).catch((error) => {
  if (error instanceof ReplayError) {
    createLog().error('replay failed', { reason: error.message })
    process.exit(1)
  }
  process.stderr.write(`${(error as Error).stack ?? error}\n`)
  process.exit(1)
})
