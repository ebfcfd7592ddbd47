/**
 * The mappings saved on the page, shared by every runtime on one Redis (SavedMappings): the string
 * `mappings` (the JSON list), and the channel of that name on which a save says that it changed.
 */
import type Redis from 'ioredis'
import { ConfigError } from '../../ops/config'
import { describeError, type Log } from '../../ops/log'
import type { SavedMappings } from '../saved-mappings'
import { replies } from './replies'
import { closeSubscriber, watchChannel } from './watch-channel'

export class RedisMappings implements SavedMappings {
  readonly where: string
  private subscriber?: Redis
  private closed = false

  constructor(
    private readonly client: Redis,
    private readonly key: string,
    private readonly log: Log
  ) {
    this.where = `redis key ${key}`
  }

  async load(): Promise<unknown[] | undefined> {
    const text = await this.client.get(this.key)
    if (text === null) return undefined
    const list = this.parse(text)
    if (!list) {
      throw new ConfigError(
        `the mappings saved in Redis (${this.where}) are not a JSON list: save them on the page again, or delete the key`
      )
    }
    return list
  }

  async save(entries: unknown[]): Promise<void> {
    // The message says nothing but that they changed: every runtime reads them from the key.
    replies(await this.client.multi().set(this.key, JSON.stringify(entries)).publish(this.key, 'saved').exec())
  }

  watch(onChange: (entries: unknown[]) => void): void {
    this.subscriber = watchChannel(this.client, this.key, this.log, 'mappings', () => {
      if (this.closed) return
      this.client.get(this.key).then(
        (text) => {
          const list = text === null ? undefined : this.parse(text)
          if (!this.closed && list) onChange(list)
        },
        (error) => this.log.warn('could not read the saved mappings from Redis', { reason: describeError(error) })
      )
    })
  }

  async close(): Promise<void> {
    this.closed = true
    await closeSubscriber(this.subscriber)
  }

  private parse(text: string): unknown[] | undefined {
    try {
      const list: unknown = JSON.parse(text)
      return Array.isArray(list) ? list : undefined
    } catch {
      return undefined
    }
  }
}
