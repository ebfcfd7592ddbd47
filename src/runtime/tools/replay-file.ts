/**
 * `tiktok-conversions replay FILE` (or `npm run replay -- FILE`): sends the events of a dead-letter
 * file back through a running runtime's Tracking API, once the cause of their failure is fixed. They
 * are routed and mapped again by the runtime's current subscriptions; each keeps its messageId, so
 * TikTok keeps one copy of an event that reaches it twice (its event_id). The requests carry
 * REPLAY_HEADER: the runtime takes them although it accepted those messageIds before.
 *
 * The file is first renamed (atomically) to `FILE.replaying-<time>`: records the runtime writes
 * meanwhile go to a new FILE, and a replay that stops halfway leaves what it had not sent in that
 * file, to replay again. Records that cannot be replayed (an event cut because it was nested too
 * deeply, a line that is not JSON) are kept in `FILE.not-replayed-<time>`.
 */
import { appendFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { REPLAY_HEADER } from '../http/tracking-request'

export interface FileReplayResult {
  /** Events the runtime accepted. */
  replayed: number
  /** Records that named an event already replayed (the same event for several mappings). */
  duplicates: number
  /** Records kept aside because they cannot be replayed. */
  notReplayable: number
  /** Where what was not sent is, when the replay stopped halfway. */
  left?: string
}

/** Events per request, and bytes (UTF-8) per request: within what Segment's clients send. */
export const REPLAY_BATCH = { events: 500, bytes: 400 * 1024 }

/** True when a request of `count` events and `bytes` has no room for one more of `size` bytes (the first always fits). */
export const replayBatchFull = (count: number, bytes: number, size: number) =>
  count > 0 && (count >= REPLAY_BATCH.events || bytes + size > REPLAY_BATCH.bytes)

export class ReplayError extends Error {}

export async function replayFile(file: string, options: PostOptions): Promise<FileReplayResult> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const working = `${file.replace(/\.replaying-[^/]*$/, '')}.replaying-${stamp}`
  try {
    renameSync(file, working)
  } catch (error) {
    throw new ReplayError(`cannot take ${file} for replay: ${(error as Error).message}`)
  }
  const lines = readFileSync(working, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
  const aside = `${file.replace(/\.replaying-[^/]*$/, '')}.not-replayed-${stamp}`
  const seen = new Set<string>()
  const events: { text: string; line: string }[] = []
  let duplicates = 0
  let notReplayable = 0
  for (const line of lines) {
    let record: { event?: unknown; cut?: boolean; eventNotJson?: boolean }
    try {
      record = JSON.parse(line)
    } catch {
      record = {}
    }
    const event = record.event
    if (record.cut || record.eventNotJson || typeof event !== 'object' || event === null) {
      appendFileSync(aside, line + '\n', { mode: 0o600 })
      notReplayable++
      continue
    }
    const id = (event as { messageId?: unknown }).messageId
    if (typeof id === 'string') {
      if (seen.has(id)) {
        duplicates++
        continue
      }
      seen.add(id)
    }
    events.push({ text: JSON.stringify(event), line })
  }
  if (notReplayable) options.say(`${notReplayable} record(s) cannot be replayed (cut or damaged): kept in ${aside}`)

  let replayed = 0
  for (let start = 0; start < events.length;) {
    let end = start
    let bytes = 0
    while (end < events.length) {
      const size = Buffer.byteLength(events[end].text) + 1
      if (replayBatchFull(end - start, bytes, size)) break
      bytes += size
      end++
    }
    try {
      const refused = await postBatch(
        events.slice(start, end).map((event) => event.text),
        options
      )
      if (refused) {
        // Which ones is not always said: the whole request's records are kept aside to look at.
        for (const event of events.slice(start, end)) appendFileSync(aside, event.line + '\n', { mode: 0o600 })
        notReplayable += end - start
        options.say(
          `the runtime refused ${refused} of ${end - start} event(s) of a request: its records are kept in ${aside}`
        )
        start = end
        continue
      }
    } catch (error) {
      const rest = events.slice(start).map((event) => event.line)
      writeFileSync(working, rest.join('\n') + '\n', { mode: 0o600 })
      options.say(`replay stopped: ${(error as Error).message}`, 'error')
      options.say(`${replayed} event(s) replayed; the ${rest.length} not yet sent are in ${working}: replay it again`)
      return { replayed, duplicates, notReplayable, left: working }
    }
    replayed += end - start
    start = end
    options.say(`${replayed} of ${events.length} event(s) replayed`)
  }
  rmSync(working)
  return { replayed, duplicates, notReplayable }
}

/** Where replayed events are posted, and how progress is reported: `replayFile`'s options. */
export interface PostOptions {
  /** The runtime's address, e.g. http://127.0.0.1:3000. */
  url: string
  /** The runtime's SEGMENT_WRITE_KEY, when it has one. */
  writeKey?: string
  /** Reports progress; `error` for the line that says why the replay stopped. */
  say: (line: string, level?: 'error') => void
  /** How long a 429 or 503 is waited out, at most, before giving up (ms). */
  patienceMs?: number
}

/**
 * Posts events (JSON texts) to the runtime's `/v1/batch`, waiting out 429 and 503 as their
 * Retry-After says. Resolves with how many of them the runtime refused (0 when it took them all);
 * throws a ReplayError on any other answer, or when the runtime does not answer.
 */
export async function postBatch(
  batch: string[],
  { url, writeKey, patienceMs = 600_000, say }: PostOptions
): Promise<number> {
  const body = `{"batch":[${batch.join(',')}]}`
  const headers: Record<string, string> = { 'content-type': 'application/json', [REPLAY_HEADER]: '1' }
  if (writeKey) headers.authorization = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`
  const started = Date.now()
  for (;;) {
    let response: Response
    try {
      response = await fetch(`${url.replace(/\/+$/, '')}/v1/batch`, { method: 'POST', headers, body })
    } catch (error) {
      throw new ReplayError(`the runtime at ${url} did not answer (${(error as Error).message}): is it running?`)
    }
    const answer = (await response.json().catch(() => ({}))) as { message?: string; rejectedCount?: number }
    if (response.status === 200) return answer.rejectedCount ?? 0
    if ((response.status === 429 || response.status === 503) && Date.now() - started < patienceMs) {
      const wait = Math.min(60, Math.max(1, Number(response.headers.get('retry-after')) || 5))
      say(`the runtime answered ${response.status} (${answer.message ?? ''}); waiting ${wait} s`)
      await new Promise((resolve) => setTimeout(resolve, wait * 1000))
      continue
    }
    throw new ReplayError(`the runtime answered ${response.status}: ${answer.message ?? 'no message'}`)
  }
}
