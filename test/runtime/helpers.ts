import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pageRoutes } from '../../src/page/routes'
import { loadConfig, startRuntime, type Runtime } from '../../src/runtime'
import { createLog } from '../../src/runtime/ops/log'
import { startTikTokStandIn, type StandIn, type StandInOptions } from '../../src/runtime/tools/standin'

/** What a test started, closed after it (last started, first closed). */
const started: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const thing of started.splice(0).reverse()) await thing.close()
})

/** A TikTok stand-in on loopback, closed after the test. */
export async function startStandIn(options?: StandInOptions) {
  const standIn = await startTikTokStandIn(options)
  started.push(standIn)
  return standIn
}

/**
 * A stand-in ({@link startStandIn}) that answers `options.script` (TikTok's normal answer when it gives
 * none) and counts, per event_id, the times TikTok accepted it (HTTP 200, code 0), and when it last did.
 */
export async function countingStandIn(options: StandInOptions = {}) {
  const delivered = new Map<string, number>()
  const deliveredAt = new Map<string, number>()
  const standIn = await startStandIn({
    ...options,
    onRequest: ({ body }, answer) => {
      if ((answer.status ?? 200) !== 200 || (answer.body as { code?: number }).code !== 0) return
      for (const { event_id } of body.data) {
        delivered.set(String(event_id), (delivered.get(String(event_id)) ?? 0) + 1)
        deliveredAt.set(String(event_id), Date.now())
      }
    }
  })
  return { standIn, delivered, deliveredAt }
}

export interface TestRuntime {
  runtime: Runtime
  /** Every log line the runtime wrote. */
  logs: string[]
  /** Every dry-run body line it printed. */
  printed: string[]
  deadLetterFile: string
  /** The runtime's DATA_DIR (its queue), a new temporary folder unless the test gave one. */
  dataDir: string
}

/** A runtime on an ephemeral loopback port, configured like `npm start` with these variables; closed after the test. */
export async function startTestRuntime(env: Record<string, string | undefined> = {}): Promise<TestRuntime> {
  const logs: string[] = []
  const printed: string[] = []
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'tiktok-runtime-'))
  const deadLetterFile = env.DEAD_LETTER_FILE ?? join(dataDir, 'dead-letter.jsonl')
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    DEAD_LETTER_FILE: deadLetterFile,
    RETRY_BASE_MS: '20',
    RETRY_MAX_MS: '200',
    // Fast durability for tests: kill -9 safety is what they check, not power loss.
    SQLITE_SYNCHRONOUS: 'NORMAL',
    ...env
  })
  const runtime = await startRuntime(config, {
    routes: [pageRoutes],
    log: createLog((line) => logs.push(line)),
    printBody: (line) => printed.push(line)
  })
  started.push(runtime)
  return { runtime, logs, printed, deadLetterFile, dataDir }
}

/** A TikTok event as the dry-run runtime printed it (the parts tests read). */
export interface PrintedEvent {
  event: string
  event_id: string
  user: Record<string, unknown>
  properties: Record<string, unknown>
  page?: { url?: string }
}

/** The TikTok bodies the dry-run runtime printed, event by event. */
export const printedEvents = (test: TestRuntime): PrintedEvent[] =>
  test.printed.flatMap((line) => JSON.parse(line).data as PrintedEvent[])

/** The records of a dead-letter file (JSON Lines), parsed; the file must hold at least one. */
export const deadLetters = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))

/**
 * event_id → how many times a stand-in received it, over the requests it kept; with `accepted`, only
 * the requests (by their index) the test knows TikTok accepted.
 */
export function acceptedIds(standIn: StandIn, accepted: (n: number) => boolean = () => true): Map<string, number> {
  const seen = new Map<string, number>()
  standIn.requests.forEach(({ body }, n) => {
    if (!accepted(n)) return
    for (const event of body.data) seen.set(event.event_id as string, (seen.get(event.event_id as string) ?? 0) + 1)
  })
  return seen
}

/** The header that carries the runtime's admin key, for its page API and /deliveries. */
export const withKey = (runtime: Runtime) => ({ authorization: `Bearer ${runtime.config.adminKey}` })

export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })
  return { status: response.status, headers: response.headers, json: await response.json().catch(() => undefined) }
}

/** Polls `condition` (which may be asynchronous) every 10 ms until it holds; throws after `timeoutMs`. */
export const waitFor = async (condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
  const start = Date.now()
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export const orderCompleted = (i: number) => ({
  type: 'track',
  userId: `user-${i}`,
  messageId: `msg-${i}`,
  event: 'Order Completed',
  properties: {
    email: ` Buyer${i}@Example.com `,
    phone: `(415) 555-${String(i % 10000).padStart(4, '0')}`,
    order_id: `order-${i}`,
    revenue: 20 + i,
    currency: 'usd',
    products: [{ product_id: `sku-${i}`, price: 20 + i, quantity: 1 }]
  },
  context: { ip: '203.0.113.9', userAgent: 'Mozilla/5.0', traits: { address: { country: 'US' } } }
})
