/**
 * The runtime's configuration, from environment variables and what was read at start (the settings
 * file's text, a random admin key): parsing only, it reads no file and draws no random number; the
 * composition root's `loadConfig` does that. Without both an access token and a pixel code it runs in
 * dry-run: nothing leaves the machine.
 */
import { isIP } from 'node:net'
import { join } from 'node:path'
import { availableParallelism } from 'node:os'
import type { Settings } from '../../destination/generated-types'
import { MIN_ACCESS_TOKEN_LENGTH } from '../../destination/tiktok/api'
import { memoryLimitMb, MIN_THREAD_HEAP_MB, THREADS_HEAP_SHARE, threadsThatFit } from './memory'

/**
 * What the runtime applies to every event, saved like the destination's settings (the page, SETTINGS_FILE,
 * Redis) and seeded from CONSENT_CATEGORIES, LIMITED_DATA_USE and IDENTITY_MEMORY.
 */
export interface PrivacySettings {
  /** The consent categories this destination needs, comma-separated ('' or unset: consent is not read). */
  consentCategories?: string
  /** on: every event goes with limited_data_use true unless it says otherwise. */
  limitedDataUse?: 'on' | 'off'
  /** on: what a person gave (hashed) is added to their later events (identity/). */
  identityMemory?: 'on' | 'off'
}

export const PRIVACY_KEYS = ['consentCategories', 'limitedDataUse', 'identityMemory'] as const

/** The destination's settings and the runtime's own. */
export type RuntimeSettings = Partial<Settings> & PrivacySettings

export interface RuntimeConfig {
  host: string
  port: number
  /**
   * Settings from TIKTOK_ACCESS_TOKEN / TIKTOK_PIXEL_CODE / TIKTOK_APP_ID / TIKTOK_OFFLINE_EVENT_SET_ID,
   * each else SETTINGS_FILE's; missing ones are undefined.
   */
  settings: RuntimeSettings
  /** Where saved settings go (written with mode 0600); undefined keeps them in memory only. */
  settingsFile?: string
  /** TIKTOK_API_URL: replaces https://business-api.tiktok.com (the path stays). */
  apiUrl?: string
  /** MAPPINGS: the mappings file read at start (routing/subscriptions.ts); unset, the presets. */
  mappingsFile?: string
  /** SEGMENT_WRITE_KEY: when set, the Tracking API only takes this write key. */
  writeKey?: string
  /**
   * TRUST_PROXY: how many proxies (load balancers) stand in front of the runtime and append to
   * X-Forwarded-For; 0 reads the client's address from the connection only.
   */
  trustProxy: number
  /** REQUEST_TIMEOUT_MS: a request's headers and body must arrive within this, or the connection is closed. */
  requestTimeoutMs: number
  /**
   * MAX_EVENT_KB: the largest event the Tracking API takes (Segment's limit, 32 KB): a larger one in a
   * batch is refused by name, a larger single call with 400.
   */
  maxEventKb: number
  /** MAX_BATCH_KB: the largest batch request (Segment's limit, 500 KB, gunzipped); past it, 400. */
  maxBatchKb: number
  /** ADMIN_KEY, else random at each start: what the page, its API and /deliveries need (admin.ts). */
  adminKey: string
  /** Whether the admin key came from ADMIN_KEY (then the URL printed at start does not show it). */
  adminKeyFromEnv: boolean
  /** DATA_DIR: where the embedded queue (queue.db) and the dead-letter file live; created 0700. */
  dataDir: string
  /** SQLITE_SYNCHRONOUS: FULL (survives a machine crash) or NORMAL (survives a process crash). */
  sqliteSynchronous: Synchronous
  deadLetterFile: string
  /**
   * REDIS_URL: when set, the queue, the dead-letter records and the saved settings live in Redis,
   * shared by every runtime given the same URL and prefix (storage/redis/); unset, the embedded queue.
   */
  redisUrl?: string
  /** REDIS_PREFIX: the start of every key this runtime uses in Redis (several deployments can share one). */
  redisPrefix: string
  /**
   * REDIS_CLAIM_IDLE_MS: a delivery read by a runtime that has not shown it is alive for this long is
   * taken over by another (the runtime refreshes what it holds every third of it).
   */
  redisClaimIdleMs: number
  /** A queue that is not full is sent at least this often. */
  flushIntervalMs: number
  /** Deliveries the queue may hold; past it the Tracking API answers 429 (413 for a request larger than it). */
  queueLimit: number
  /**
   * DEDUPE_WINDOW_MS: an event whose messageId was accepted this recently is acknowledged and not queued
   * again (Segment's API keeps 24 h); 0 turns deduplication off.
   */
  dedupeWindowMs: number
  /** Backoff of a retryable answer, from base to max (exponential, with jitter). */
  retryBaseMs: number
  retryMaxMs: number
  /** How long a delivery is retried after its first retryable failure before it is dead-lettered. */
  retryBudgetMs: number
  /** While TikTok refuses the token or pixel, how often one batch tries again. */
  authRetryMs: number
  /** While TikTok fails (nothing delivered), the longest pause between two tries of one batch. */
  probeIntervalMs: number
  /** Batches being sent at once. */
  maxInFlight: number
  /** Delivery threads (0: deliver in the main thread). */
  workers: number
  shutdownTimeoutMs: number
  /** How many dry-run bodies GET /deliveries keeps. */
  keepDeliveries: number
  /**
   * MEMORY_LIMIT_MB, else sized from the machine: what the runtime's heaps are sized to fit in
   * (ops/memory.ts); 0 leaves V8's own limits.
   */
  memoryLimitMb: number
  /** IDENTITY_TTL_DAYS: what identity memory learned is forgotten this long after it was last seen. */
  identityTtlDays: number
}

/** SQLITE_SYNCHRONOUS: FULL survives a machine crash, NORMAL a process crash. */
export type Synchronous = 'FULL' | 'NORMAL'

export class ConfigError extends Error {}

/** What ADMIN_KEY may be: at least 16 characters that need no escaping in a URL or a cookie. */
export const ADMIN_KEY_PATTERN = /^[A-Za-z0-9._~-]{16,}$/

/** What the runtime reads at start besides its variables, read by the caller (`loadConfig`). */
export interface ReadAtStart {
  /** SETTINGS_FILE's text; undefined when the file does not exist (it is created at the first save). */
  settingsText?: string
  /** The admin key when ADMIN_KEY is unset: a new random one at each start. */
  generatedAdminKey: string
  /** The machine's (or container's) memory in MB: MEMORY_LIMIT_MB's default is sized from it. */
  machineMemoryMb: number
  /** The cores the runtime may use (WORKERS' default); the machine's when not given. */
  cores?: number
}

function number(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < min) throw new ConfigError(`${name} must be a number ≥ ${min}; got "${raw}"`)
  return value
}

/** The settings file's text as settings. Errors never quote the text (it holds the access token). */
function settingsFromText(path: string, text: string | undefined): RuntimeSettings {
  if (text === undefined) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ConfigError(`SETTINGS_FILE ${path}: not valid JSON`)
  }
  const saved = (parsed ?? {}) as Record<string, unknown>
  const given = (key: keyof Settings) => {
    const value = saved[key]
    return typeof value === 'string' && value ? value : undefined
  }
  const onOffSaved = (key: 'limitedDataUse' | 'identityMemory') =>
    saved[key] === 'on' || saved[key] === 'off' ? saved[key] : undefined
  return {
    accessToken: given('accessToken'),
    pixelCode: given('pixelCode'),
    appID: given('appID'),
    offlineEventSetID: given('offlineEventSetID'),
    consentCategories: typeof saved.consentCategories === 'string' ? saved.consentCategories : undefined,
    limitedDataUse: onOffSaved('limitedDataUse'),
    identityMemory: onOffSaved('identityMemory')
  }
}

/** Longest time a request may take to arrive: a body sent a byte at a time must not hold a connection longer. */
const MAX_REQUEST_TIMEOUT_MS = 30_000

/** A request is read whole into memory: the Tracking API's limits go no higher than this (KB). */
const MAX_REQUEST_KB = 4096

/** A size in KB (1,024 bytes) of the Tracking API's limits, from 1 to MAX_REQUEST_KB. */
function kilobytes(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = number(env, name, fallback, 1)
  if (value > MAX_REQUEST_KB) throw new ConfigError(`${name} must be at most ${MAX_REQUEST_KB}; got "${env[name]}"`)
  return value
}

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

/** A token shorter than this is refused: redacting it would mangle every message. Never quotes it. */
function checkToken(token: string | undefined, source: string): string | undefined {
  if (token !== undefined && token.length < MIN_ACCESS_TOKEN_LENGTH) {
    throw new ConfigError(
      `${source} must be at least ${MIN_ACCESS_TOKEN_LENGTH} characters (it has ${token.length}); paste the whole token from TikTok`
    )
  }
  return token
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  if (isIP(bare) === 4) return bare.startsWith('127.')
  if (isIP(bare) !== 6) return false
  const normal = new URL(`http://[${bare}]`).hostname
  return normal === '[::1]' || normal.startsWith('[::ffff:7f')
}

function adminKey(env: NodeJS.ProcessEnv, generated: string): string {
  const key = env.ADMIN_KEY
  if (!key) return generated
  if (!ADMIN_KEY_PATTERN.test(key)) {
    throw new ConfigError(
      `ADMIN_KEY must be at least 16 characters, each a letter, a digit or one of - _ . ~ (it has ${key.length} characters)`
    )
  }
  return key
}

const HOUR = 3_600_000

/** redis:// or rediss:// (TLS), with an optional user, password and database number. */
function redisUrl(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.REDIS_URL?.trim()
  if (!raw) return undefined
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError('REDIS_URL must be a URL like redis://127.0.0.1:6379/0 (it is not a URL)')
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss:// (it starts with ${url.protocol})`)
  }
  return raw
}

function synchronous(env: NodeJS.ProcessEnv): Synchronous {
  const raw = (env.SQLITE_SYNCHRONOUS || 'FULL').toUpperCase()
  if (raw === 'FULL' || raw === 'NORMAL') return raw
  throw new ConfigError(`SQLITE_SYNCHRONOUS must be FULL or NORMAL; got "${env.SQLITE_SYNCHRONOUS}"`)
}

const DEFAULT_HOST = '127.0.0.1'
const DEFAULT_PORT = 3000
const DEFAULT_REDIS_PREFIX = 'tiktok-conversions:'

/** SETTINGS_FILE, when set: the file `loadConfig` reads at start and the runtime saves settings to. */
export const settingsFileFromEnv = (env: NodeJS.ProcessEnv) => env.SETTINGS_FILE || undefined

/** DATA_DIR, or its default. */
export const dataDirFromEnv = (env: NodeJS.ProcessEnv) => env.DATA_DIR || '.runtime'

/** SEGMENT_WRITE_KEY, when set. */
export const writeKeyFromEnv = (env: NodeJS.ProcessEnv) => env.SEGMENT_WRITE_KEY || undefined

/** REDIS_PREFIX, or its default. */
export const redisPrefixFromEnv = (env: NodeJS.ProcessEnv) => env.REDIS_PREFIX || DEFAULT_REDIS_PREFIX

/** Where the runtime these variables configure answers (HOST, PORT): where a replay posts by default. */
export const runtimeUrlFromEnv = (env: NodeJS.ProcessEnv) =>
  `http://${env.HOST || DEFAULT_HOST}:${env.PORT || DEFAULT_PORT}`

/** The configuration these variables and inputs give; the same ones give the same configuration. */
export function configFromEnv(env: NodeJS.ProcessEnv, read: ReadAtStart): RuntimeConfig {
  const dataDir = dataDirFromEnv(env)
  const settingsFile = settingsFileFromEnv(env)
  const fromFile = settingsFile ? settingsFromText(settingsFile, read.settingsText) : {}
  const mappings = env.MAPPINGS || undefined
  const host = env.HOST || DEFAULT_HOST
  const writeKey = writeKeyFromEnv(env)
  if (!isLoopback(host) && !writeKey) {
    throw new ConfigError(
      `HOST ${host} is not a loopback address: set SEGMENT_WRITE_KEY too, or anyone who reaches the port can send events`
    )
  }
  const memoryLimitMb = memoryLimit(env, read.machineMemoryMb)
  return {
    host,
    port: number(env, 'PORT', DEFAULT_PORT),
    settings: {
      accessToken: env.TIKTOK_ACCESS_TOKEN
        ? checkToken(env.TIKTOK_ACCESS_TOKEN, 'TIKTOK_ACCESS_TOKEN')
        : checkToken(fromFile.accessToken, `SETTINGS_FILE ${settingsFile}: accessToken`),
      pixelCode: env.TIKTOK_PIXEL_CODE || fromFile.pixelCode,
      appID: env.TIKTOK_APP_ID?.trim() || fromFile.appID,
      offlineEventSetID: env.TIKTOK_OFFLINE_EVENT_SET_ID?.trim() || fromFile.offlineEventSetID,
      consentCategories:
        consentCategoriesText(env.CONSENT_CATEGORIES ?? env.CONSENT_CATEGORY) ?? fromFile.consentCategories,
      limitedDataUse: onOff(env, 'LIMITED_DATA_USE') ?? fromFile.limitedDataUse,
      identityMemory: onOff(env, 'IDENTITY_MEMORY') ?? fromFile.identityMemory
    },
    settingsFile,
    apiUrl: env.TIKTOK_API_URL || undefined,
    mappingsFile: mappings,
    writeKey,
    trustProxy: trustProxy(env),
    requestTimeoutMs: requestTimeout(env),
    maxEventKb: kilobytes(env, 'MAX_EVENT_KB', 32),
    maxBatchKb: kilobytes(env, 'MAX_BATCH_KB', 500),
    adminKey: adminKey(env, read.generatedAdminKey),
    adminKeyFromEnv: Boolean(env.ADMIN_KEY),
    dataDir,
    sqliteSynchronous: synchronous(env),
    deadLetterFile: env.DEAD_LETTER_FILE || join(dataDir, 'dead-letter.jsonl'),
    redisUrl: redisUrl(env),
    redisPrefix: redisPrefixFromEnv(env),
    redisClaimIdleMs: number(env, 'REDIS_CLAIM_IDLE_MS', 30_000, 300),
    flushIntervalMs: number(env, 'FLUSH_INTERVAL_MS', 1000, 1),
    queueLimit: number(env, 'QUEUE_LIMIT', 1_000_000, 1),
    dedupeWindowMs: number(env, 'DEDUPE_WINDOW_MS', 24 * HOUR),
    retryBaseMs: number(env, 'RETRY_BASE_MS', 500),
    retryMaxMs: number(env, 'RETRY_MAX_MS', 60_000),
    retryBudgetMs: number(env, 'RETRY_BUDGET_MS', 12 * HOUR),
    authRetryMs: number(env, 'AUTH_RETRY_MS', 60_000, 1),
    probeIntervalMs: number(env, 'PROBE_INTERVAL_MS', 5_000, 1),
    maxInFlight: number(env, 'MAX_IN_FLIGHT', 4, 1),
    workers: workers(env, memoryLimitMb, read.cores ?? availableParallelism()),
    shutdownTimeoutMs: number(env, 'SHUTDOWN_TIMEOUT_MS', 8_000),
    keepDeliveries: number(env, 'KEEP_DELIVERIES', 100),
    memoryLimitMb,
    identityTtlDays: number(env, 'IDENTITY_TTL_DAYS', DEFAULT_IDENTITY_TTL_DAYS, 1)
  }
}

/**
 * WORKERS: one delivery thread per core by default, as many as the memory limit holds at their
 * least heap; more than that, asked for, cannot start (the threads would outgrow MEMORY_LIMIT_MB).
 */
function workers(env: NodeJS.ProcessEnv, memoryLimitMb: number, cores: number): number {
  const fit = threadsThatFit(memoryLimitMb)
  if (env.WORKERS === undefined || env.WORKERS === '') return Math.max(1, Math.min(cores, fit))
  const asked = Math.floor(number(env, 'WORKERS', cores))
  if (asked > fit) {
    throw new ConfigError(
      `WORKERS=${asked} delivery threads need ${asked * MIN_THREAD_HEAP_MB} MB of heap at least (${MIN_THREAD_HEAP_MB} MB each); ` +
        `MEMORY_LIMIT_MB=${memoryLimitMb} gives them ${Math.floor(memoryLimitMb * THREADS_HEAP_SHARE)} MB: lower WORKERS to ${fit} or raise MEMORY_LIMIT_MB`
    )
  }
  return asked
}

/** Comma-separated names, trimmed, without empties or repeats. */
export function consentCategoriesOf(raw: string | undefined): string[] {
  return [
    ...new Set(
      (raw ?? '')
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean)
    )
  ]
}

/** The names as saved: comma-separated, without empties or repeats; undefined for an unset variable. */
export function consentCategoriesText(raw: string | undefined): string | undefined {
  return raw === undefined ? undefined : consentCategoriesOf(raw).join(',')
}

/** A switch: on/true/1 or off/false/0; undefined when unset or empty. */
function onOff(env: NodeJS.ProcessEnv, name: string): 'on' | 'off' | undefined {
  const raw = (env[name] ?? '').trim().toLowerCase()
  if (raw === '') return undefined
  if (raw === 'off' || raw === 'false' || raw === '0') return 'off'
  if (raw === 'on' || raw === 'true' || raw === '1') return 'on'
  throw new ConfigError(`${name} must be on or off; got "${env[name]}"`)
}

/**
 * TikTok's longest click-through attribution window is 28 days (Attribution Manager: 1, 7, 14 or 28
 * days of click, at most 7 of view): a purchase within it still carries the keys of the click.
 */
export const DEFAULT_IDENTITY_TTL_DAYS = 28

function memoryLimit(env: NodeJS.ProcessEnv, machineMb: number): number {
  const limit = memoryLimitMb(env.MEMORY_LIMIT_MB, machineMb)
  if (typeof limit === 'string') throw new ConfigError(limit)
  return limit
}
