/**
 * The local runtime: a Segment Tracking API that runs the destination's subscriptions through
 * actions-core and delivers to TikTok in batches; in dry-run (no credentials) the bodies go to an
 * embedded TikTok stand-in on loopback and are printed, so nothing leaves the machine. The stand-in
 * runs in dry-run only: it is closed when the runtime goes live.
 *
 * This module composes the parts (storage, runtime, HTTP surface, stand-in); it holds no logic of its own.
 */
import { configFromEnv, settingsFileFromEnv, type RuntimeConfig } from './ops/config'
import { createLog, type Log } from './ops/log'
import { machineMemoryMb } from './ops/memory'
import { newAdminKey } from './http/admin-key'
import { answerClientError } from './http/io'
import { handle } from './http/server'
import { startingRouting, type Routing } from './routing/in-force'
import { Runtime } from './runtime'
import { openIdentityMemory } from './identity/open'
import { openStorage } from './storage/open'
import { readSettingsFile } from './storage/settings-file'
import { startTikTokStandIn } from './tools/standin'
import type { Route } from './types'

export { Runtime } from './runtime'
export type { Delivery, Mode, Route } from './types'
export type { Storage } from './storage/store'

export interface RuntimeOptions {
  log?: Log
  /** Where dry-run bodies go, one JSON line each (stdout by default). */
  printBody?: (line: string) => void
  /** Routes of the floors above (the settings page), made for this runtime. */
  routes?: ((runtime: Runtime) => Route)[]
}

/**
 * The configuration at start: what `configFromEnv` parses, with what it needs read first, here: the
 * settings file (made private as it is read), a new random admin key (used when ADMIN_KEY is unset) and
 * the machine's memory (MEMORY_LIMIT_MB's default).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const settingsFile = settingsFileFromEnv(env)
  return configFromEnv(env, {
    settingsText: settingsFile === undefined ? undefined : readSettingsFile(settingsFile),
    generatedAdminKey: newAdminKey(),
    machineMemoryMb: machineMemoryMb()
  })
}

export async function startRuntime(config: RuntimeConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  const log = options.log ?? createLog()
  const printBody = options.printBody ?? ((line: string) => process.stdout.write(line + '\n'))
  const storage = await openStorage(config, log)
  let routing: Routing
  try {
    // What the shared place holds wins; the variables and SETTINGS_FILE only fill what it lacks.
    if (storage.settings) config = { ...config, settings: await storage.settings.load(config.settings) }
    routing = await startingRouting(config.mappingsFile, storage.mappings, log)
  } catch (error) {
    await storage.settings?.close()
    await storage.mappings?.close?.()
    await storage.store.close()
    throw error
  }
  let identity
  try {
    identity = await openIdentityMemory(config, log)
  } catch (error) {
    await storage.settings?.close()
    await storage.store.close()
    throw error
  }
  const runtime = new Runtime(
    config,
    log,
    // Dry-run bodies are printed and kept for the page (the stand-in starts once the runtime exists).
    (accessToken) =>
      startTikTokStandIn({
        keepBodies: false,
        accessToken,
        onRequest: ({ body }) => {
          printBody(JSON.stringify(body))
          runtime.remember({ at: new Date().toISOString(), body })
        }
      }),
    storage,
    routing,
    identity
  )
  for (const route of options.routes ?? []) runtime.routes.push(route(runtime))
  storage.settings?.watch((settings) => {
    runtime
      .applySharedSettings(settings)
      .catch((error) =>
        log.error('could not apply the settings saved by another runtime', { reason: (error as Error).message })
      )
  })
  storage.mappings?.watch?.((entries) => runtime.mappings.applyShared(entries))
  try {
    await runtime.standInFor(runtime.mode())
    await runtime.listen((req, res) => void handle(runtime, req, res), answerClientError)
    // Delivery starts once where it sends to is up: in dry-run, the stand-in.
    runtime.pipeline.start()
  } catch (error) {
    await runtime.close()
    throw error
  }
  return runtime
}
