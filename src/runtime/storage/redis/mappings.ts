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
  /** The list this runtime last loaded, saved or read after a save: what it writes back if Redis lost it. */
  private known?: unknown[]

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
    this.known = list
    return list
  }

  async save(entries: unknown[]): Promise<void> {
    // The message says nothing but that they changed: every runtime reads them from the key.
    replies(await this.client.multi().set(this.key, JSON.stringify(entries)).publish(this.key, 'saved').exec())
    this.known = entries
  }

  /**
   * Redis lost the key (restarted without its data): the list this runtime knows is stored again (the
   * first runtime to do so wins: SET NX) and every runtime is told. Nothing when none was ever saved.
   */
  async restore(): Promise<void> {
    if (!this.known) return
    const [written] = replies(
      await this.client.multi().set(this.key, JSON.stringify(this.known), 'NX').publish(this.key, 'saved').exec()
    )
    // Said by the runtime that wrote it back; the others find it there.
    if (written !== 'OK') return
    this.log.warn(
      'the mappings saved on the page were gone from Redis (it came back empty): stored again from this runtime',
      {
        mappings: this.where,
        count: this.known.length
      }
    )
  }

  watch(onChange: (entries: unknown[]) => void): void {
    this.subscriber = watchChannel(this.client, this.key, this.log, 'mappings', () => {
      if (this.closed) return
      this.client.get(this.key).then(
        (text) => {
          // A missing key was lost with Redis's data, not deleted on the page: written back, not applied.
          if (text === null) return void this.restore()
          const list = this.parse(text)
          if (this.closed || !list) return
          this.known = list
          onChange(list)
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
