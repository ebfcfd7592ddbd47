/**
 * The embedded queue on a bad day, each fault caused for real: the disk of DATA_DIR fills up (a small
 * tmpfs) while TikTok fails; a client sends the same batch again and again; the queue file is damaged
 * between two starts. Accepted still means delivered, once.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { replayFile } from '../../src/runtime/tools/replay-file'
import { switchableScript, type TikTokAnswer } from '../support/switchable-tiktok'
import { startCli } from './cli-process'
import { countingStandIn, orderCompleted, post, startStandIn, startTestRuntime, waitFor } from './helpers'
import { describeWithTmpfs, mountTmpfs } from './tmpfs'

const ROOT = join(__dirname, '..', '..')
const run = promisify(execFile)

/** A TikTok stand-in whose answer the test switches; `accepted` counts the times it took each event_id. */
async function switchableTikTok() {
  const state: { answer: TikTokAnswer } = { answer: 'ok' }
  const accepted = new Map<string, number>()
  const standIn = await startStandIn({
    keepBodies: false,
    script: switchableScript(
      () => state.answer,
      'unused',
      (id) => accepted.set(id, (accepted.get(id) ?? 0) + 1)
    )
  })
  return { standIn, state, accepted }
}

const live = (url: string, env: Record<string, string>) => ({
  TIKTOK_ACCESS_TOKEN: 'storage-faults-token',
  TIKTOK_PIXEL_CODE: 'STORAGEPIXEL',
  TIKTOK_API_URL: url,
  RETRY_BASE_MS: '50',
  RETRY_MAX_MS: '300',
  FLUSH_INTERVAL_MS: '100',
  ...env
})

const health = async (url: string) =>
  (await (await fetch(`${url}/health`)).json()) as {
    status: string
    reason?: string
    pending: number
    counts: Record<string, number>
  }

describeWithTmpfs('a full disk (DATA_DIR on a 6 MB tmpfs, TikTok answering 503)', () => {
  it('refuses honestly and names the disk; once TikTok answers every accepted event is delivered; once there is room the queue is written, and a restart sends nothing again', async () => {
    const disk = mountTmpfs(6)
    const { standIn, state, accepted } = await switchableTikTok()
    state.answer = '503'
    const env = live(standIn.url, { DATA_DIR: disk.dir })
    const first = await startCli(env)
    const ids: string[] = []
    let refusal: { status: number; json: { code?: string } } | undefined
    for (let from = 0; !refusal; from += 100) {
      const batch = Array.from({ length: 100 }, (_, i) => orderCompleted(from + i))
      const answer = await post(`${first.url}/v1/batch`, { batch })
      if (answer.status === 200) ids.push(...batch.map((event) => event.messageId))
      else refusal = answer
    }
    expect(refusal).toMatchObject({ status: 503, json: { code: 'queue_unavailable' } })
    expect(ids.length).toBeGreaterThan(1000)
    const full = await health(first.url)
    expect(full.status).toBe('degraded')
    expect(full.reason).toMatch(new RegExp(`^the disk of ${disk.dir} is full \\(\\d+ (B|KB) free`))
    expect(await (await fetch(`${first.url}/metrics`)).text()).toMatch(/^tiktok_conversions_disk_full 1$/m)

    // TikTok answers again while the disk is still full: the queue is served, nothing can be removed.
    state.answer = 'ok'
    await waitFor(() => accepted.size === ids.length, 30_000)
    await waitFor(async () => (await health(first.url)).pending === 0)
    expect((await health(first.url)).reason).toMatch(
      /^the disk of .* is full .*; \d+ delivered events wait to be removed from the queue file/
    )

    disk.resize(64)
    await waitFor(async () => (await health(first.url)).status === 'ok')
    first.child.kill('SIGTERM')
    expect(await first.exit).toBe(0)
    expect(first.stderr.filter((line) => / error disk full /.test(line))).toHaveLength(1)
    expect(first.stderr.filter((line) => / info disk has room again /.test(line))).toHaveLength(1)
    expect(first.stderr.join('\n')).not.toMatch(/cannot rollback/)
    expect(first.stderr.find((line) => line.includes(' info stopped '))).toMatch(/ still_queued=0$/)
    expect([...accepted.values()].every((times) => times === 1)).toBe(true)

    // A restart on the same DATA_DIR has nothing to send: every delivered row was removed.
    const requests = standIn.stats.requests
    const second = await startCli(env)
    expect(await health(second.url)).toMatchObject({ status: 'ok', pending: 0 })
    second.child.kill('SIGTERM')
    expect(await second.exit).toBe(0)
    expect(standIn.stats.requests).toBe(requests)
  }, 90_000)
})

describe("a client's retries (messageId deduplication)", () => {
  it('the same batch of 500 posted three times at once: 500 delivered, each once', async () => {
    const { standIn, delivered } = await countingStandIn()
    const test = await startTestRuntime(live(standIn.url, {}))
    const batch = Array.from({ length: 500 }, (_, i) => orderCompleted(i))
    const answers = await Promise.all([1, 2, 3].map(() => post(`${test.runtime.url}/v1/batch`, { batch })))
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200])
    await waitFor(() => delivered.size === 500)
    await waitFor(() => test.runtime.pipeline.pending === 0)
    // A retry that comes later, once the first copy was delivered, is kept out too.
    expect((await post(`${test.runtime.url}/v1/batch`, { batch: batch.slice(0, 10) })).status).toBe(200)
    await test.runtime.close()
    expect([...delivered.values()].every((times) => times === 1)).toBe(true)
    expect(test.runtime.pipeline.counts).toMatchObject({ received: 1510, deduplicated: 1010, delivered: 500 })
    const said = test.logs.map((line) => Number(/ info not routed deduplicated=(\d+) /.exec(line)?.[1] ?? 0))
    expect(said.reduce((sum, count) => sum + count, 0)).toBe(1010)
    const metrics = await test.runtime.metrics.registry.getSingleMetricAsString(
      'tiktok_conversions_events_deduplicated_total'
    )
    expect(metrics).toMatch(/^tiktok_conversions_events_deduplicated_total 1010$/m)
  })

  it('takes them all again with DEDUPE_WINDOW_MS=0', async () => {
    const { standIn, delivered } = await countingStandIn()
    const test = await startTestRuntime(live(standIn.url, { DEDUPE_WINDOW_MS: '0' }))
    const batch = Array.from({ length: 20 }, (_, i) => orderCompleted(i))
    for (let i = 0; i < 2; i++) expect((await post(`${test.runtime.url}/v1/batch`, { batch })).status).toBe(200)
    await waitFor(() => test.runtime.pipeline.counts.delivered === 40)
    expect([...delivered.values()].reduce((sum, times) => sum + times, 0)).toBe(40)
    expect(test.runtime.pipeline.counts.deduplicated).toBe(0)
  })
})

describe('a damaged queue file (checkpointed, then 64 KB overwritten)', () => {
  it('is moved aside: the runtime starts on a fresh queue, says so on /health, delivers new events, and salvage reads back what the file still holds', async () => {
    const { standIn, state, accepted } = await switchableTikTok()
    state.answer = '503'
    const dataDir = mkdtempSync(join(tmpdir(), 'tiktok-damaged-'))
    const env = live(standIn.url, { DATA_DIR: dataDir })
    const first = await startCli(env)
    const ids: string[] = []
    for (let from = 0; from < 2000; from += 100) {
      const batch = Array.from({ length: 100 }, (_, i) => orderCompleted(from + i))
      expect((await post(`${first.url}/v1/batch`, { batch })).status).toBe(200)
      ids.push(...batch.map((event) => event.messageId))
    }
    first.child.kill('SIGTERM') // a stop checkpoints the WAL into queue.db
    expect(await first.exit).toBe(0)
    const file = join(dataDir, 'queue.db')
    const middle = Math.floor(statSync(file).size / 2 / 4096) * 4096
    const fd = openSync(file, 'r+')
    writeSync(fd, randomBytes(64 * 1024), 0, 64 * 1024, middle)
    closeSync(fd)

    state.answer = 'ok'
    const startedAt = Date.now()
    const second = await startCli(env)
    expect(Date.now() - startedAt).toBeLessThan(10_000)
    const aside = readdirSync(dataDir).filter((name) => /^queue\.db\.damaged-[\dTZ-]+$/.test(name))
    expect(aside).toHaveLength(1)
    const damaged = join(dataDir, aside[0])
    expect(second.stderr.join('\n')).toMatch(
      new RegExp(`error queue file damaged: moved aside, starting on a fresh queue file=${damaged} .*next_step=`)
    )
    expect(await health(second.url)).toMatchObject({
      status: 'degraded',
      pending: 0,
      reason: expect.stringContaining(`tiktok-conversions salvage ${damaged}`)
    })
    expect((await post(`${second.url}/v1/batch`, { batch: [orderCompleted(5000)] })).status).toBe(200)
    await waitFor(() => accepted.has('msg-5000'))

    const salvaged = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'salvage', damaged], { cwd: ROOT })
    const done = salvaged.stderr.match(
      / info salvage done .* recovered=(\d+) unreadable_rows=(\d+) unreadable_pages=(\d+) /
    )
    expect(done).not.toBeNull()
    const [recovered, unreadablePages] = [Number(done![1]), Number(done![3])]
    // 64 KB is 16 pages of 4 KB, each holding a few events: what they held is lost, the rest is read.
    expect(unreadablePages).toBeGreaterThan(0)
    expect(recovered).toBeGreaterThan(2000 - 16 * 8)
    const out = `${damaged}.dead-letter.jsonl`
    const records = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(records).toHaveLength(recovered)
    const salvagedIds = records.map((record) => record.event.messageId as string)
    expect(new Set(salvagedIds).size).toBe(recovered)
    expect(salvagedIds.every((id) => ids.includes(id))).toBe(true)
    // Salvaged: /health is no longer degraded for it. Replayed: the events reach TikTok.
    expect(await health(second.url)).toMatchObject({ status: 'ok' })
    expect(await replayFile(out, { url: second.url, say: () => undefined })).toMatchObject({ replayed: recovered })
    await waitFor(() => salvagedIds.every((id) => accepted.has(id)), 20_000)
    second.child.kill('SIGTERM')
    expect(await second.exit).toBe(0)
  }, 90_000)
})
