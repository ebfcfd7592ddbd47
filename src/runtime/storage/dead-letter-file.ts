/**
 * The dead-letter file (DEAD_LETTER_FILE): one JSON line per record (dead-letters.ts), read back by
 * `tiktok-conversions replay`. The file holds events as they came in, PII included: it is forced to
 * mode 0600 at every write, whatever it was, and never written through a link. Writes are appended in
 * order, each synced before it resolves; one cut short (a full disk) is truncated away, leaving no half
 * line, and the disk's full state is said once (disk-space.ts), not at every write it refuses.
 */
import { constants } from 'node:fs'
import { mkdir, open } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Log } from '../ops/log'
import type { DeadLetterRecord, DeadLetterSink } from './dead-letters'
import type { DiskSpace } from './disk-space'
import { privateDir, privateFile } from './private-files'

/**
 * A record as one JSON line. The event's own JSON text goes in as it is (never serialized again: it may
 * be nested deeper than JSON.stringify manages); a text that is not JSON (a damaged queue entry) goes
 * in as a string, so that every line stays JSON.
 */
export function recordLine(record: DeadLetterRecord): string {
  const { event, ...rest } = record
  let asJson = true
  try {
    JSON.parse(event)
  } catch {
    asJson = false
  }
  const head = JSON.stringify({ ...rest, ...(asJson ? {} : { eventNotJson: true }), event: null })
  return `${head.slice(0, -'null}'.length)}${asJson ? event : JSON.stringify(event)}}`
}

export class DeadLetterFile implements DeadLetterSink {
  private writing: Promise<unknown> = Promise.resolve()

  /**
   * @param disk the disk the file is on: a write that fails for lack of space turns its full state on
   *   (said once, not at every write), the next one that succeeds turns it off
   */
  constructor(
    readonly where: string,
    private readonly log: Log,
    private readonly disk?: DiskSpace
  ) {}

  async check(): Promise<void> {
    privateDir(dirname(this.where))
    privateFile(this.where)
  }

  append(records: DeadLetterRecord[]): Promise<boolean> {
    if (records.length === 0) return Promise.resolve(true)
    const written = this.writing.then(() => this.write(records))
    this.writing = written
    return written
  }

  private async write(records: DeadLetterRecord[]): Promise<boolean> {
    try {
      const text = records.map(recordLine).join('\n') + '\n'
      await mkdir(dirname(this.where), { recursive: true, mode: 0o700 })
      const file = await open(
        this.where,
        constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
        0o600
      )
      let size: number | undefined
      try {
        await file.chmod(0o600)
        size = (await file.stat()).size
        await file.writeFile(text)
        await file.sync()
      } catch (error) {
        // A write cut short (a full disk) leaves no half line for the next records to follow.
        if (size !== undefined) await file.truncate(size).catch(() => undefined)
        throw error
      } finally {
        await file.close()
      }
      this.disk?.wrote()
      return true
    } catch (error) {
      if (this.disk?.failed(error, 'events that failed for good stay queued until their record can be written')) {
        return false
      }
      this.log.error('dead-letter write failed: the events stay queued', {
        file: this.where,
        events: records.length,
        mapping: records[0].mapping,
        error: (error as Error).message
      })
      return false
    }
  }
}
