#!/usr/bin/env node
/**
 * `npm start`: the local runtime on 127.0.0.1:$PORT (default 3000). Dry-run until it has a TikTok
 * access token and pixel code; SIGTERM and SIGINT stop intake, deliver what is pending and exit 0.
 *
 * `tiktok-conversions replay --redis`: posts the Redis dead-letter stream back to a running runtime.
 */
import { configFromEnv, ConfigError } from './runtime/config'
import { pageRoutes } from './page/routes'
import { startRuntime } from './runtime'
import { createLog } from './runtime/log'
import { MappingsError } from './runtime/subscriptions'

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
    runtime = await startRuntime(configFromEnv(), { log, routes: [pageRoutes] })
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
    subscriptions: `${config.subscriptions.length} from ${config.subscriptionSource}`,
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

async function replay(args: string[]) {
  if (!args.includes('--redis')) {
    process.stderr.write(
      'usage: tiktok-conversions replay --redis [--url URL] [--write-key KEY] [--mapping NAME] [--keep]\n'
    )
    process.exit(2)
  }
  // Loaded only for it: `npm start` without REDIS_URL loads nothing of Redis.
  const { replayOptions, replayRedis } = await import('./redis-replay')
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

const run = process.argv[2] === 'replay' ? replay(process.argv.slice(3)) : main()
run.catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`)
  process.exit(1)
})
