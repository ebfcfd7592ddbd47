/**
 * The local runtime: a Segment Tracking API that runs the destination's subscriptions through
 * actions-core and delivers to TikTok in batches; in dry-run (no credentials) the bodies go to an
 * embedded TikTok stand-in on loopback and are printed, so nothing leaves the machine.
 */
import { chmodSync, renameSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { isIPv6, type AddressInfo } from 'node:net'
import type { Settings } from '../destination/generated-types'
import { startTikTokStandIn, type StandIn } from './standin'
import type { TikTokRequestBody } from '../destination/tiktok/types'
import { ConfigError, type RuntimeConfig } from './config'
import { DeadLetterFile } from './deadletter'
import { inThreadExecutor, workerExecutor, type Executor } from './executor'
import { createLog, type Log } from './log'
import { Pipeline, type BatchSummary } from './pipeline'
import { handle } from './server'

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
  /** Routes of the floors above (the settings page), made for this runtime. */
  routes?: ((runtime: Runtime) => Route)[]
}

/** Placeholders of dry-run: the stand-in needs a token header; the pixel is the real one when known. */
const DRY_RUN_TOKEN = 'dry-run-token'
const DRY_RUN_PIXEL = 'DRY_RUN_PIXEL'

export class Runtime {
  readonly pipeline: Pipeline
  readonly deliveries: Delivery[] = []
  readonly routes: Route[] = []
  closing = false
  private current: Partial<Settings>
  private readonly executor: Executor
  private readonly deadLetter: DeadLetterFile
  private server?: Server
  private address?: AddressInfo

  constructor(
    readonly config: RuntimeConfig,
    readonly log: Log,
    private readonly standIn: StandIn
  ) {
    this.current = { ...config.settings }
    this.deadLetter = new DeadLetterFile(config.deadLetterFile, log)
    this.executor =
      config.workers > 0
        ? workerExecutor(config.workers, (reason) =>
            log.error('delivery thread stopped; delivering in the main thread', { reason })
          )
        : inThreadExecutor()
    this.pipeline = new Pipeline({
      ...config,
      executor: this.executor,
      settings: () => this.effectiveSettings(),
      apiBaseUrl: () => this.apiBaseUrl(),
      deadLetter: this.deadLetter,
      log,
      onBatch: (batch) => this.mode() === 'live' && this.remember({ at: batch.at, batch })
    })
  }

  get url(): string {
    const host = this.address?.address ?? this.config.host
    return `http://${isIPv6(host) ? `[${host}]` : host}:${this.address?.port ?? this.config.port}`
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

  /**
   * Saves settings and switches mode. With a settings file, the file (mode 0600) is replaced first,
   * atomically: if writing fails, nothing changes.
   */
  updateSettings(settings: Partial<Settings>): void {
    const next = { ...this.current, ...settings }
    const file = this.config.settingsFile
    if (file) {
      const temporary = `${file}.${process.pid}.tmp`
      writeFileSync(temporary, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 })
      chmodSync(temporary, 0o600)
      renameSync(temporary, file)
    }
    this.current = next
    this.log.info('settings saved', { mode: this.mode(), pixel_code: this.current.pixelCode })
  }

  /** Where requests go: TikTok (or TIKTOK_API_URL) live, the embedded stand-in in dry-run. */
  apiBaseUrl(): string | undefined {
    return this.mode() === 'live' ? this.config.apiUrl : this.standIn.url
  }

  remember(delivery: Delivery) {
    this.deliveries.push(delivery)
    if (this.deliveries.length > this.config.keepDeliveries) this.deliveries.shift()
  }

  async listen(): Promise<void> {
    try {
      this.deadLetter.checkWritable()
    } catch (error) {
      throw new ConfigError(
        `DEAD_LETTER_FILE ${this.config.deadLetterFile} is not writable: ${(error as Error).message}`
      )
    }
    const server = createServer((req, res) => void handle(this, req, res))
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
  for (const route of options.routes ?? []) runtime.routes.push(route(runtime))
  dryRun.onBody = (body) => {
    printBody(JSON.stringify(body))
    runtime.remember({ at: new Date().toISOString(), body })
  }
  try {
    await runtime.listen()
  } catch (error) {
    await runtime.close()
    throw error
  }
  return runtime
}
