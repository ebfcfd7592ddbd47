/**
 * One runtime: its settings and mode, its delivery pipeline and storage, its HTTP server and, in
 * dry-run, the embedded TikTok stand-in the bodies go to. Built and started by `startRuntime` (index.ts).
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { isIPv6, type AddressInfo } from 'node:net'
import type { Settings } from '../destination/generated-types'
import { inThreadExecutor, workerExecutor, type Executor } from './delivery/executor'
import { Pipeline } from './delivery/pipeline'
import { openIdentityStore } from './identity/open'
import { ConfigError, consentCategoriesOf, PRIVACY_KEYS, type RuntimeConfig, type RuntimeSettings } from './ops/config'
import { IdentityMemory } from './identity/memory'
import type { Log } from './ops/log'
import { memoryPlan, type MemoryPlan } from './ops/memory'
import { MatchKeyTally } from './ops/match-key-tally'
import { createMetrics, type RuntimeMetrics } from './ops/metrics'
import { writeSettingsFile } from './storage/settings-file'
import { MappingsInForce, type Routing } from './routing/in-force'
import type { Subscription } from './routing/subscriptions'
import type { Storage } from './storage/store'
import type { StandIn } from './tools/standin'
import type { ClientErrorHandler, Delivery, Mode, RequestHandler, Route } from './types'

/** Placeholders of dry-run: the pixel, App ID and offline event set are the real ones when known. */
const DRY_RUN_PIXEL = 'DRY_RUN_PIXEL'
const DRY_RUN_APP = 'DRY_RUN_APP'
const DRY_RUN_OFFLINE_EVENT_SET = 'DRY_RUN_OFFLINE_EVENT_SET'
/** The settings another runtime may change (Redis): when none of them differ, nothing is applied. */
const DESTINATION_KEYS = ['accessToken', 'pixelCode', 'appID', 'offlineEventSetID'] as const
const SETTING_KEYS = [...DESTINATION_KEYS, ...PRIVACY_KEYS] as const

export class Runtime {
  readonly pipeline: Pipeline
  readonly metrics: RuntimeMetrics
  readonly deliveries: Delivery[] = []
  readonly routes: Route[] = []
  /** Per mapping, how many of the last delivered events carried each match key (counts only). */
  readonly matchKeys = new MatchKeyTally()
  closing = false
  /** What events are routed to now: the presets, the mappings file's, or the list saved on the page. */
  readonly mappings: MappingsInForce
  /** How MEMORY_LIMIT_MB is shared out among the threads' heaps (undefined: no limit). */
  readonly memory?: MemoryPlan
  private current: RuntimeSettings
  private readonly executor: Executor
  private inFlight = 0
  private server?: Server
  private address?: AddressInfo
  private standIn?: StandIn
  private standInChange: Promise<void> = Promise.resolve()
  /** Settings changes, one at a time (saved here, or by another runtime sharing them). */
  private settingsChange: Promise<void> = Promise.resolve()
  /** The token of dry-run, random: the stand-in records only bodies sent with it, never a forged one. */
  private readonly dryRunToken = `dry-run-${randomBytes(16).toString('hex')}`

  constructor(
    readonly config: RuntimeConfig,
    readonly log: Log,
    private readonly openStandIn: (accessToken: string) => Promise<StandIn>,
    readonly storage: Storage,
    /** What events are routed to at start (routing/in-force.ts: startingRouting). */
    routing: Routing,
    /** Identity memory (on or off: off, it only counts what it would have added). */
    readonly identity: IdentityMemory = new IdentityMemory(undefined, config.identityTtlDays, log)
  ) {
    this.mappings = new MappingsInForce(routing, storage.mappings, log)
    this.current = { ...config.settings }
    this.memory = memoryPlan(config.memoryLimitMb, config.workers)
    this.metrics = createMetrics(
      () => {
        const health = this.pipeline.health()
        const trouble = storage.trouble?.()
        return {
          inFlight: this.inFlight,
          held: health.held === true,
          degraded: health.status !== 'ok',
          consumer: storage.store.consumer?.(),
          diskFull: trouble?.diskFull,
          damagedFiles: trouble?.damagedFiles,
          redisMemoryFull: trouble?.redisMemoryFull,
          redisEmptied: trouble?.redisEmptied
        }
      },
      () => storage.store.stats(),
      { sharedQueue: storage.store.shared === true }
    )
    this.executor =
      config.workers > 0
        ? workerExecutor(
            config.workers,
            (reason) => log.error('delivery thread stopped: a new one replaces it', { reason }),
            this.memory?.threadHeapMb
          )
        : inThreadExecutor()
    this.pipeline = new Pipeline({
      ...config,
      subscriptions: () => this.mappings.subscriptions,
      executor: this.countingInFlight(this.executor),
      store: storage.store,
      deadLetter: storage.deadLetter,
      metrics: this.metrics,
      settings: () => this.effectiveSettings(),
      apiBaseUrl: () => this.apiBaseUrl(),
      dryRun: () => this.mode() === 'dry-run',
      appEvents: () => this.appEvents(),
      log,
      matchKeys: this.matchKeys,
      consentCategories: () => this.consentCategories(),
      limitedDataUse: () => this.current.limitedDataUse === 'on',
      identity,
      onBatch: (batch) => this.mode() === 'live' && this.remember({ at: batch.at, batch })
    })
  }

  /** The executor, counting the batches in flight for /metrics. */
  private countingInFlight(executor: Executor): Executor {
    return {
      run: async (task) => {
        this.inFlight++
        try {
          return await executor.run(task)
        } finally {
          this.inFlight--
        }
      },
      abort: () => executor.abort(),
      close: () => executor.close()
    }
  }

  /** The subscriptions in force (those turned off included). */
  get subscriptions(): Subscription[] {
    return this.mappings.subscriptions
  }

  /** "presets", the mappings file's path, or where the list saved on the page is kept. */
  get subscriptionSource(): string {
    return this.mappings.source
  }

  get url(): string {
    const host = this.address?.address ?? this.config.host
    return `http://${isIPv6(host) ? `[${host}]` : host}:${this.address?.port ?? this.config.port}`
  }

  mode(): Mode {
    return this.current.accessToken && this.current.pixelCode ? 'live' : 'dry-run'
  }

  /** The settings as saved: the page may show that a token is set, never the token. */
  get settings(): Readonly<RuntimeSettings> {
    return this.current
  }

  /** The consent categories this destination needs (CONSENT_CATEGORIES, or saved on the page). */
  consentCategories(): string[] {
    return consentCategoriesOf(this.current.consentCategories)
  }

  /** What batches are sent with: the saved settings live (the destination's only), placeholders in dry-run. */
  effectiveSettings(): Settings {
    if (this.mode() === 'live') {
      return Object.fromEntries(DESTINATION_KEYS.map((key) => [key, this.current[key]])) as unknown as Settings
    }
    return {
      accessToken: this.dryRunToken,
      pixelCode: this.current.pixelCode || DRY_RUN_PIXEL,
      appID: this.current.appID || DRY_RUN_APP,
      offlineEventSetID: this.current.offlineEventSetID || DRY_RUN_OFFLINE_EVENT_SET
    }
  }

  /**
   * Whether events from mobile apps are routed as app events: only once a TikTok App ID is set;
   * without one they go to the Pixel as web events, as they always did.
   */
  appEvents(): boolean {
    return Boolean(this.current.appID)
  }

  /** Where events from mobile apps go now, in a sentence (for /health and the page). */
  appEventsRoute(): string {
    return this.appEvents()
      ? `sent as app events to TikTok App ID ${this.current.appID}`
      : 'no TikTok App ID is set: events from mobile apps go to the Pixel as web events'
  }

  /**
   * Saves settings and switches mode. Shared settings (Redis) are stored there first, for every
   * runtime; else, with a settings file, the file (mode 0600) is replaced first, atomically. If
   * storing fails, nothing changes. Going to dry-run starts the stand-in before the switch; going live
   * closes it after.
   */
  updateSettings(settings: RuntimeSettings): Promise<void> {
    return this.changeSettings(async () => {
      const next = { ...this.current, ...settings }
      const shared = this.storage.settings
      const file = this.config.settingsFile
      if (shared) await shared.save(next)
      else if (file) writeSettingsFile(file, next)
      await this.apply(next, 'settings saved')
    })
  }

  /** Settings saved by another runtime sharing them: applied here too (nothing when they are the same). */
  applySharedSettings(settings: RuntimeSettings): Promise<void> {
    return this.changeSettings(async () => {
      if (SETTING_KEYS.every((key) => settings[key] === this.current[key])) return
      await this.apply({ ...settings }, 'settings changed by another runtime')
    })
  }

  private changeSettings(change: () => Promise<void>): Promise<void> {
    const done = this.settingsChange.then(change)
    this.settingsChange = done.catch(() => undefined)
    return done
  }

  private async apply(next: RuntimeSettings, message: string) {
    await this.identityFor(next.identityMemory === 'on')
    const live = Boolean(next.accessToken && next.pixelCode)
    if (!live) await this.standInFor('dry-run')
    this.current = next
    this.log.info(message, {
      mode: this.mode(),
      pixel_code: this.current.pixelCode,
      app_id: this.current.appID,
      offline_event_set_id: this.current.offlineEventSetID,
      consent_categories: this.current.consentCategories || undefined,
      limited_data_use: this.current.limitedDataUse,
      identity_memory: this.current.identityMemory
    })
    if (live) await this.standInFor('live')
    // A hold on TikTok's refusal of the old settings ends: the queued events go with the new ones.
    this.pipeline.resume()
  }

  /** Identity memory turned on (its store opened) or off (closed; what it holds expires in its time). */
  private async identityFor(on: boolean) {
    if (on === this.identity.on) return
    const { config, log } = this
    const previous = this.identity.use(on ? await openIdentityStore(config, log, config.identityTtlDays) : undefined)
    await previous?.close()
  }

  /**
   * The stand-in runs in dry-run only: started for it, closed for live and once the runtime has
   * stopped (one change at a time).
   */
  standInFor(mode: Mode | 'stopped'): Promise<void> {
    this.standInChange = this.standInChange.then(async () => {
      if (mode === 'dry-run' && !this.standIn && !this.closing) {
        this.standIn = await this.openStandIn(this.dryRunToken)
      } else if (mode !== 'dry-run' && this.standIn) {
        const standIn = this.standIn
        this.standIn = undefined
        await standIn.close()
      }
    })
    return this.standInChange
  }

  /** Where requests go: TikTok (or TIKTOK_API_URL) live, the embedded stand-in in dry-run. */
  apiBaseUrl(): string | undefined {
    if (this.mode() === 'live') return this.config.apiUrl
    // Never TikTok's own address with the dry-run token: without its stand-in, dry-run sends nothing.
    if (!this.standIn) throw new Error('dry-run without its stand-in: nothing is sent')
    return this.standIn.url
  }

  remember(delivery: Delivery) {
    this.deliveries.push(delivery)
    if (this.deliveries.length > this.config.keepDeliveries) this.deliveries.shift()
  }

  /** Serves HTTP with `answer` (the Tracking API and the routes, http/server.ts) on HOST:PORT. */
  async listen(answer: RequestHandler, answerClientError: ClientErrorHandler): Promise<void> {
    try {
      await this.storage.deadLetter.check()
    } catch (error) {
      throw new ConfigError(`dead-letter ${this.storage.deadLetter.where} is not writable: ${(error as Error).message}`)
    }
    // A request's headers and body must arrive within REQUEST_TIMEOUT_MS (30 s at most), checked every
    // second at most: a client sending a byte at a time cannot hold a connection for minutes.
    const timeout = this.config.requestTimeoutMs
    const server = createServer(
      { requestTimeout: timeout, headersTimeout: timeout, connectionsCheckingInterval: Math.min(1_000, timeout / 2) },
      answer
    )
    server.on('clientError', answerClientError)
    server.keepAliveTimeout = 5_000
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(new ConfigError(`cannot listen on ${this.config.host}:${this.config.port}: ${error.message}`))
      )
      server.listen(this.config.port, this.config.host, () => resolve())
    })
    this.address = server.address() as AddressInfo
  }

  /** Stops intake, delivers (or dead-letters) everything pending, then closes. */
  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    const stopped = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
    this.server?.closeIdleConnections()
    await this.pipeline.drain(this.config.shutdownTimeoutMs)
    this.server?.closeAllConnections()
    await stopped
    await this.executor.close()
    await this.standInFor('stopped')
    const { counts, pending } = this.pipeline
    await this.storage.settings?.close()
    await this.storage.mappings?.close?.()
    await this.storage.store.close()
    await this.identity.close()
    this.log.info('stopped', {
      received: counts.received,
      delivered: counts.delivered - counts.printed,
      printed: counts.printed || undefined,
      dead_lettered: counts.deadLettered,
      skipped: counts.skipped,
      unmatched: counts.unmatched,
      refused: counts.refused,
      still_queued: pending
    })
  }
}
