/**
 * Events whose delivery failed for good, appended as JSON lines: the Segment event as received, the
 * mapping, the status and the reason. The file holds the events as they came in (PII included, as in
 * your Segment data), so it is created readable by its owner only (mode 0600). Replay: fix the cause,
 * then post the events back to /v1/batch (README shows how).
 */
import type { SegmentEvent } from '@segment/actions-core'
import { appendFileSync, mkdirSync } from 'node:fs'
import { appendFile, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Log } from './log'

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

  constructor(
    readonly path: string,
    private readonly log: Log
  ) {}

  /** Creates the file (mode 0600) if need be; throws, for a clear refusal to start, when it cannot. */
  checkWritable(): void {
    mkdirSync(dirname(this.path), { recursive: true })
    appendFileSync(this.path, '', { mode: 0o600 })
  }

  /**
   * Appends the entries in order; resolves once they are on disk. A write that fails is logged with
   * what was lost (mapping, count, reason; never the events) and does not stop later writes.
   */
  append(entries: DeadLetterEntry[]): Promise<void> {
    if (entries.length === 0) return this.writing
    const lines = entries.map((entry) => JSON.stringify(entry)).join('\n') + '\n'
    this.writing = this.writing.then(async () => {
      try {
        await mkdir(dirname(this.path), { recursive: true })
        await appendFile(this.path, lines, { mode: 0o600 })
      } catch (error) {
        this.log.error('dead-letter write failed: events lost', {
          file: this.path,
          events: entries.length,
          mapping: entries[0].mapping,
          reason: entries[0].reason,
          error: (error as Error).message
        })
      }
    })
    return this.writing
  }

  flush(): Promise<void> {
    return this.writing
  }
}
