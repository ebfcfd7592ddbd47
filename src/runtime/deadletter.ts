/**
 * Events whose delivery failed for good, appended as JSON lines: the Segment event as received, the
 * mapping, the status and the reason. The file holds the events as they came in (PII included, as in
 * your Segment data), so it is created readable by its owner only (mode 0600). Replay: fix the cause,
 * then post the events back, e.g. `jq -c '{batch: [.event]}' dead-letter.jsonl | …` to /v1/batch.
 */
import type { SegmentEvent } from '@segment/actions-core'
import { appendFile, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'

export interface DeadLetterEntry {
  at: string
  mapping: string
  status: number
  reason: string
  attempts: number
  event: SegmentEvent
}

export class DeadLetterFile {
  private writing: Promise<void> = Promise.resolve()
  written = 0

  constructor(readonly path: string) {}

  /** Appends the entries in order; resolves once they are on disk. */
  append(entries: DeadLetterEntry[]): Promise<void> {
    if (entries.length === 0) return this.writing
    const lines = entries.map((entry) => JSON.stringify(entry)).join('\n') + '\n'
    this.written += entries.length
    this.writing = this.writing.then(async () => {
      await mkdir(dirname(this.path), { recursive: true })
      await appendFile(this.path, lines, { mode: 0o600 })
    })
    return this.writing
  }

  flush(): Promise<void> {
    return this.writing
  }
}
