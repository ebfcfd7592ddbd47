/**
 * `tiktok-conversions` (and `npm start`): the local runtime on 127.0.0.1:$PORT (default 3000), until
 * SIGTERM or SIGINT. Dry-run until it has a TikTok access token and pixel code; a signal stops intake,
 * delivers what it can by SHUTDOWN_TIMEOUT_MS and exits 0 (the rest stays queued for the next start).
 * It runs in a child process given its heap limit (heap-limit.ts): the runtime is loaded only there.
 */
import { getHeapStatistics } from 'node:v8'
import { describeMemory } from '../runtime/ops/memory'
import type { Runtime } from '../runtime'
import type { Command } from './parse'
import { relaunchedWithHeapLimit } from './heap-limit'

/** Starts the runtime with the configuration of `env`, says where it listens, and stops it on a signal. */
async function serveUntilStopped(env: NodeJS.ProcessEnv) {
  const [{ pageRoutes }, { loadConfig, startRuntime }, { ConfigError }, { createLog }, { MappingsError }] =
    await Promise.all([
      import('../page/routes'),
      import('../runtime'),
      import('../runtime/ops/config'),
      import('../runtime/ops/log'),
      import('../runtime/routing/subscriptions')
    ])
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
    runtime = await startRuntime(loadConfig(env), { log, routes: [pageRoutes] })
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
    app_id: runtime.settings.appID,
    offline_event_set_id: runtime.settings.offlineEventSetID,
    queue: runtime.storage.store.description,
    dead_letter: runtime.storage.deadLetter.where,
    memory: describeMemory(runtime.memory, config.workers, getHeapStatistics().heap_size_limit / 2 ** 20)
  })
  // The one line that carries the admin key (a key set with ADMIN_KEY is not repeated, as Jupyter does).
  log.info('settings page', { url: `${runtime.url}/?key=${config.adminKeyFromEnv ? '<ADMIN_KEY>' : config.adminKey}` })
  for (const line of routingNotes(runtime)) log.info(line)
  if (mode === 'dry-run') {
    log.info('dry-run: set TIKTOK_ACCESS_TOKEN and TIKTOK_PIXEL_CODE to send to TikTok; nothing leaves this machine')
  } else if (!config.writeKey) {
    log.warn('live without SEGMENT_WRITE_KEY: any client that reaches this port can send events to your pixel')
  }
}

/** What the runtime's subscriptions cannot do with the settings it has: app mappings without an App ID, offline ones without an event set. */
function routingNotes(runtime: Runtime): string[] {
  const actions = new Set(runtime.subscriptions.map((subscription) => subscription.action))
  const notes: string[] = []
  if (actions.has('reportAppEvent') && !runtime.appEvents()) {
    notes.push(
      'no TikTok App ID: events from mobile apps go to the Pixel as web events (set TIKTOK_APP_ID, or save it on the settings page, to report them as app events)'
    )
  }
  if (actions.has('reportOfflineEvent') && !runtime.settings.offlineEventSetID) {
    notes.push(
      'no Offline Event Set ID: live, offline events are refused (dead-lettered) until TIKTOK_OFFLINE_EVENT_SET_ID is set or saved on the settings page'
    )
  }
  return notes
}

export const serveCommand: Command = {
  words: [],
  usage: [
    {
      synopsis: '',
      about: [
        'the local runtime (settings from the environment: see docs/configuration.md;',
        'dry-run until TIKTOK_ACCESS_TOKEN and TIKTOK_PIXEL_CODE)'
      ]
    }
  ],
  options: {},
  positionals: [],
  run: async ({ env }) => {
    if (!relaunchedWithHeapLimit(env)) await serveUntilStopped(env)
  }
}
