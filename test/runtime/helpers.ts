import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { configFromEnv } from '../../src/runtime/config'
import { pageRoutes } from '../../src/page/routes'
import { startRuntime, type Runtime } from '../../src/runtime'
import { createLog } from '../../src/runtime/log'
import { startTikTokStandIn, type StandInOptions } from '../../src/runtime/standin'

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
  const config = configFromEnv({
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

export const waitFor = async (condition: () => boolean, timeoutMs = 10_000) => {
  const start = Date.now()
  while (!condition()) {
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
