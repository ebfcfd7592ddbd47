/**
 * The runtime's configuration, from environment variables (and an optional settings file). Without
 * both an access token and a pixel code it runs in dry-run: nothing leaves the machine.
 */
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import type { Settings } from '../destination/generated-types'
import { loadMappingsFile, presetSubscriptions, type Subscription } from './subscriptions'

export interface RuntimeConfig {
  host: string
  port: number
  /** Settings from TIKTOK_ACCESS_TOKEN / TIKTOK_PIXEL_CODE, else SETTINGS_FILE; missing ones are undefined. */
  settings: Partial<Settings>
  /** Where saved settings go (written with mode 0600); undefined keeps them in memory only. */
  settingsFile?: string
  /** TIKTOK_API_URL: replaces https://business-api.tiktok.com (the path stays). */
  apiUrl?: string
  subscriptions: Subscription[]
  /** "presets" or the mappings file's path. */
  subscriptionSource: string
  /** SEGMENT_WRITE_KEY: when set, the Tracking API only takes this write key. */
  writeKey?: string
  /**
   * TRUST_PROXY: how many proxies (load balancers) stand in front of the runtime and append to
   * X-Forwarded-For; 0 reads the client's address from the connection only.
   */
  trustProxy: number
  /** REQUEST_TIMEOUT_MS: a request's headers and body must arrive within this, or the connection is closed. */
  requestTimeoutMs: number
  deadLetterFile: string
  flushIntervalMs: number
  queueLimit: number
  maxAttempts: number
  retryBaseMs: number
  retryMaxMs: number
  maxInFlight: number
  /** Delivery threads (0: deliver in the main thread). */
  workers: number
  shutdownTimeoutMs: number
  /** How many dry-run bodies GET /deliveries keeps. */
  keepDeliveries: number
}

export class ConfigError extends Error {}

function number(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < min) throw new ConfigError(`${name} must be a number ≥ ${min}; got "${raw}"`)
  return value
}

function readSettingsFile(path: string): Partial<Settings> {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new ConfigError(`SETTINGS_FILE ${path}: cannot read it as JSON (${(error as Error).message})`)
  }
  const { accessToken, pixelCode } = (parsed ?? {}) as Record<string, unknown>
  return {
    accessToken: typeof accessToken === 'string' && accessToken ? accessToken : undefined,
    pixelCode: typeof pixelCode === 'string' && pixelCode ? pixelCode : undefined
  }
}

/** Longest time a request may take to arrive: a body sent a byte at a time must not hold a connection longer. */
export const MAX_REQUEST_TIMEOUT_MS = 30_000

/** TRUST_PROXY: unset, empty, `false` or `0` is off; `true` is one proxy; a whole number is that many. */
function trustProxy(env: NodeJS.ProcessEnv): number {
  const raw = (env.TRUST_PROXY ?? '').trim().toLowerCase()
  if (raw === '' || raw === 'false') return 0
  if (raw === 'true') return 1
  if (/^\d+$/.test(raw) && Number(raw) <= 100) return Number(raw)
  throw new ConfigError(`TRUST_PROXY must be true, false or how many proxies stand in front (0 to 100); got "${raw}"`)
}

function requestTimeout(env: NodeJS.ProcessEnv): number {
  const value = number(env, 'REQUEST_TIMEOUT_MS', MAX_REQUEST_TIMEOUT_MS, 100)
  if (value > MAX_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      `REQUEST_TIMEOUT_MS must be at most ${MAX_REQUEST_TIMEOUT_MS}; got "${env.REQUEST_TIMEOUT_MS}"`
    )
  }
  return value
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const settingsFile = env.SETTINGS_FILE || undefined
  const fromFile = settingsFile ? readSettingsFile(settingsFile) : {}
  const mappings = env.MAPPINGS || undefined
  return {
    host: env.HOST || '127.0.0.1',
    port: number(env, 'PORT', 3000),
    settings: {
      accessToken: env.TIKTOK_ACCESS_TOKEN || fromFile.accessToken,
      pixelCode: env.TIKTOK_PIXEL_CODE || fromFile.pixelCode
    },
    settingsFile,
    apiUrl: env.TIKTOK_API_URL || undefined,
    subscriptions: mappings ? loadMappingsFile(mappings) : presetSubscriptions(),
    subscriptionSource: mappings ?? 'presets',
    writeKey: env.SEGMENT_WRITE_KEY || undefined,
    trustProxy: trustProxy(env),
    requestTimeoutMs: requestTimeout(env),
    deadLetterFile: env.DEAD_LETTER_FILE || '.runtime/dead-letter.jsonl',
    flushIntervalMs: number(env, 'FLUSH_INTERVAL_MS', 1000, 1),
    queueLimit: number(env, 'QUEUE_LIMIT', 20_000, 1),
    maxAttempts: number(env, 'MAX_ATTEMPTS', 8, 1),
    retryBaseMs: number(env, 'RETRY_BASE_MS', 500),
    retryMaxMs: number(env, 'RETRY_MAX_MS', 30_000),
    maxInFlight: number(env, 'MAX_IN_FLIGHT', 4, 1),
    workers: Math.floor(number(env, 'WORKERS', availableParallelism())),
    shutdownTimeoutMs: number(env, 'SHUTDOWN_TIMEOUT_MS', 30_000),
    keepDeliveries: number(env, 'KEEP_DELIVERIES', 100)
  }
}
