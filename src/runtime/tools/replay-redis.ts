/**
 * `tiktok-conversions replay --redis`: posts the events of the Redis dead-letter stream back to a
 * running runtime's Tracking API, once the cause is fixed, and deletes each entry once the runtime
 * accepted it (so a second replay does not post it again). The runtime routes and delivers them as any
 * event; an event dead-lettered for several mappings is posted once (by messageId), and TikTok keeps
 * one per event_id anyway.
 *
 *   REDIS_URL=redis://… tiktok-conversions replay --redis [--url http://127.0.0.1:3000] [--mapping NAME] [--keep]
 *
 * REDIS_PREFIX names the stream as for the runtime; SEGMENT_WRITE_KEY (or --write-key) is sent as the
 * write key. Records of events that could not be stored whole (`cut`) are left in the stream. Posting
 * is the dead-letter file's (`replay FILE`): 429 and 503 are waited out as their Retry-After says.
 */
import { connectRedis } from '../storage/redis/connection'
import { deadLetterRecordOf } from '../storage/redis/dead-letter-stream'
import { redisKeys } from '../storage/redis/keys'
import { postBatch, REPLAY_BATCH, replayBatchFull } from './replay-file'

/** What `replay --redis` replays, and where to. */
export interface RedisReplayOptions {
  redisUrl: string
  prefix: string
  /** The runtime's URL. */
  url: string
  writeKey?: string
  /** Only the records of this mapping. */
  mapping?: string
  /** Leave the entries in the stream after posting them. */
  keep?: boolean
  out?: (line: string) => void
}

export interface RedisReplayResult {
  replayed: number
  /** Left in the stream: cut, of another mapping, or not accepted. */
  left: number
}

export async function replayRedis(options: RedisReplayOptions): Promise<RedisReplayResult> {
  const out = options.out ?? ((line: string) => process.stderr.write(line + '\n'))
  const key = redisKeys(options.prefix).deadLetter
  const client = await connectRedis(options.redisUrl)
  client.on('error', () => undefined) // a command that fails says why
  let replayed = 0
  let left = 0
  /** messageIds posted: the same event dead-lettered for another mapping is not posted again. */
  const posted = new Set<string>()
  try {
    // Up to the last record there now: what the runtime dead-letters meanwhile (an event whose cause is
    // not fixed yet) stays for the next replay.
    const [last] = (await client.xrevrange(key, '+', '-', 'COUNT', 1)) as [string, string[]][]
    let after = '-'
    for (;;) {
      if (!last) break
      const entries = (await client.xrange(key, after, last[0], 'COUNT', REPLAY_BATCH.events)) as [string, string[]][]
      if (entries.length === 0) break
      after = `(${entries[entries.length - 1][0]}`
      const ids: string[] = []
      const events: string[] = []
      let bytes = 0
      const send = async () => {
        if (!ids.length) return
        let refused = 0
        try {
          if (events.length)
            refused = await postBatch(events, { url: options.url, writeKey: options.writeKey, say: out })
        } catch (error) {
          throw new Error(`${(error as Error).message}; ${replayed} events were replayed before`)
        }
        if (refused) {
          // Left in the stream: the runtime said which ones it refused, and why, in its answer.
          out(`the runtime refused ${refused} of ${ids.length} events: that request's entries stay in ${key}`)
          left += ids.length
        } else {
          if (!options.keep) await client.xdel(key, ...ids)
          replayed += events.length
        }
        ids.length = events.length = bytes = 0
      }
      for (const [id, fields] of entries) {
        const record = deadLetterRecordOf(fields)
        if (record.cut || (options.mapping !== undefined && record.mapping !== options.mapping)) {
          left++
          continue
        }
        const messageId = messageIdOf(record.event)
        if (messageId !== undefined && posted.has(messageId)) {
          ids.push(id) // its event goes (or went) in another entry's request
          continue
        }
        if (messageId !== undefined) posted.add(messageId)
        const size = Buffer.byteLength(record.event) + 1
        if (replayBatchFull(events.length, bytes, size)) await send()
        ids.push(id)
        events.push(record.event)
        bytes += size
      }
      await send()
    }
  } finally {
    await client.quit().catch(() => client.disconnect())
  }
  out(
    `replayed ${replayed} events from redis stream ${key} to ${options.url}${options.keep ? ' (kept in the stream)' : ''}; ${left} left in the stream`
  )
  return { replayed, left }
}

function messageIdOf(event: string): string | undefined {
  try {
    const id = (JSON.parse(event) as { messageId?: unknown }).messageId
    return typeof id === 'string' ? id : undefined
  } catch {
    return undefined
  }
}
