/**
 * The local runtime: a Segment Tracking API that runs the destination's subscriptions through
 * actions-core and delivers to TikTok in batches; in dry-run (no credentials) the bodies go to an
 * embedded TikTok stand-in on loopback and are printed, so nothing leaves the machine.
 */
import { chmodSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Settings } from '../generated-types'
import { startTikTokStandIn, type StandIn } from '../standin'
import { setApiBaseUrl } from '../tiktok/api'
import type { TikTokRequestBody } from '../tiktok/types'
import type { RuntimeConfig } from './config'
import { DeadLetterFile } from './deadletter'
import { inThreadExecutor, workerExecutor, type Executor } from './executor'
import { createLog, type Log } from './log'
import { Pipeline, type BatchSummary } from './pipeline'
import { handle } from './server'
import { pageRoutes } from '../ui/routes'

export type Mode = 'live' | 'dry-run'

/** Extra routes (the settings page): true when the route answered. */
export type Route = (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean> | boolean

export interface Delivery {
  at: string
  /** Dry-run: the exact body that would have gone to TikTok. */
  body?: TikTokRequestBody
  /** Live: what became of a batch. */
  batch?: BatchSummary
}

export interface RuntimeOptions {
  log?: Log
  /** Where dry-run bodies go, one JSON line each (stdout by default). */
  printBody?: (line: string) => void
}

/** Placeholders of dry-run: the stand-in needs a token header; the pixel is the real one when known. */
const DRY_RUN_TOKEN = 'dry-run'
const DRY_RUN_PIXEL = 'DRY_RUN_PIXEL'

export class Runtime {
  readonly pipeline: Pipeline
  readonly deliveries: Delivery[] = []
  readonly routes: Route[] = []
  closing = false
  private current: Partial<Settings>
  private readonly executor: Executor
  private server?: Server
  private address?: AddressInfo

  constructor(
    readonly config: RuntimeConfig,
    readonly log: Log,
    private readonly standIn: StandIn
  ) {
    this.current = { ...config.settings }
    this.executor =
      config.workers > 0
        ? workerExecutor(config.workers, (reason) =>
            log.error('delivery thread stopped; delivering in the main thread', { reason })
          )
        : inThreadExecutor()
    this.pipeline = new Pipeline({
      executor: this.executor,
      subscriptions: config.subscriptions,
      settings: () => this.effectiveSettings(),
      apiBaseUrl: () => this.apiBaseUrl(),
      deadLetter: new DeadLetterFile(config.deadLetterFile),
      log,
      flushIntervalMs: config.flushIntervalMs,
      queueLimit: config.queueLimit,
      maxAttempts: config.maxAttempts,
      retryBaseMs: config.retryBaseMs,
      retryMaxMs: config.retryMaxMs,
      maxInFlight: config.maxInFlight,
      onBatch: (batch) => this.mode() === 'live' && this.remember({ at: batch.at, batch })
    })
    this.applyMode()
  }

  get url(): string {
    return `http://${this.address?.address ?? this.config.host}:${this.address?.port ?? this.config.port}`
  }

  mode(): Mode {
    return this.current.accessToken && this.current.pixelCode ? 'live' : 'dry-run'
  }

  /** The settings as saved: the page may show that a token is set, never the token. */
  get settings(): Readonly<Partial<Settings>> {
    return this.current
  }

  /** What batches are sent with: the saved settings live, placeholders in dry-run. */
  effectiveSettings(): Settings {
    if (this.mode() === 'live') return this.current as Settings
    return { accessToken: DRY_RUN_TOKEN, pixelCode: this.current.pixelCode || DRY_RUN_PIXEL }
  }

  /** Saves settings (to the settings file with mode 0600 when one is configured) and switches mode. */
  updateSettings(settings: Partial<Settings>): void {
    this.current = { ...this.current, ...settings }
    if (this.config.settingsFile) {
      writeFileSync(this.config.settingsFile, JSON.stringify(this.current, null, 2) + '\n', { mode: 0o600 })
      chmodSync(this.config.settingsFile, 0o600)
    }
    this.applyMode()
    this.log.info('settings saved', { mode: this.mode(), pixel_code: this.current.pixelCode })
  }

  /** Where requests go: TikTok (or TIKTOK_API_URL) live, the embedded stand-in in dry-run. */
  apiBaseUrl(): string | undefined {
    return this.mode() === 'live' ? this.config.apiUrl : this.standIn.url
  }

  /** The page's calls (test connection, test event) run in this thread. */
  private applyMode() {
    setApiBaseUrl(this.apiBaseUrl())
  }

  remember(delivery: Delivery) {
    this.deliveries.push(delivery)
    if (this.deliveries.length > this.config.keepDeliveries) this.deliveries.shift()
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => void handle(this, req, res))
    server.keepAliveTimeout = 5_000
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
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
    await this.standIn.close()
    const { counts } = this.pipeline
    this.log.info('stopped', {
      received: counts.received,
      delivered: counts.delivered,
      dead_lettered: counts.deadLettered,
      skipped: counts.skipped,
      unmatched: counts.unmatched
    })
  }
}

export async function startRuntime(config: RuntimeConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  const log = options.log ?? createLog()
  const printBody = options.printBody ?? ((line: string) => process.stdout.write(line + '\n'))
  const dryRun: { onBody?: (body: TikTokRequestBody) => void } = {}
  const standIn = await startTikTokStandIn({ keepBodies: false, onRequest: ({ body }) => dryRun.onBody?.(body) })
  const runtime = new Runtime(config, log, standIn)
  runtime.routes.push(pageRoutes(runtime))
  dryRun.onBody = (body) => {
    printBody(JSON.stringify(body))
    runtime.remember({ at: new Date().toISOString(), body })
  }
  await runtime.listen()
  return runtime
}
