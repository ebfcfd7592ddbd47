/**
 * The settings of every runtime on one Redis (SharedSettings): the hash `settings` (accessToken,
 * pixelCode, appID, offlineEventSetID), and the channel of that name on which a save says that they changed. The access token is
 * stored here and nowhere else; it is never logged.
 */
import type Redis from 'ioredis'
import type { Settings } from '../../../destination/generated-types'
import { MIN_ACCESS_TOKEN_LENGTH } from '../../../destination/tiktok/api'
import { ConfigError } from '../../ops/config'
import { describeError, type Log } from '../../ops/log'
import type { SharedSettings } from '../shared-settings'
import { replies } from './replies'
import { closeSubscriber, watchChannel } from './watch-channel'

/** The settings the hash holds, each a field of its name. */
const FIELDS = ['accessToken', 'pixelCode', 'appID', 'offlineEventSetID'] as const

const pick = (hash: Record<string, string>): Partial<Settings> => ({
  accessToken: hash.accessToken || undefined,
  pixelCode: hash.pixelCode || undefined,
  appID: hash.appID || undefined,
  offlineEventSetID: hash.offlineEventSetID || undefined
})

/** The settings of every runtime on this Redis: a hash, and a channel that says when it was saved. */
export class RedisSettings implements SharedSettings {
  readonly where: string
  private subscriber?: Redis
  private closed = false

  constructor(
    private readonly client: Redis,
    private readonly key: string,
    private readonly log: Log
  ) {
    this.where = `redis hash ${key}`
  }

  async load(seed: Partial<Settings>): Promise<Partial<Settings>> {
    const multi = this.client.multi()
    // First writer wins: a runtime started with other variables does not replace saved settings.
    for (const field of FIELDS) {
      const value = seed[field]
      if (value) multi.hsetnx(this.key, field, value)
    }
    multi.hgetall(this.key)
    const answers = replies(await multi.exec())
    const saved = pick(answers[answers.length - 1] as Record<string, string>)
    if (saved.accessToken && saved.accessToken.length < MIN_ACCESS_TOKEN_LENGTH) {
      throw new ConfigError(
        `the access token held in Redis (${this.where}) has ${saved.accessToken.length} characters, fewer than ${MIN_ACCESS_TOKEN_LENGTH}: save the whole token on the page, or delete the key`
      )
    }
    const differs = [
      seed.accessToken && seed.accessToken !== saved.accessToken ? 'access token' : undefined,
      seed.pixelCode && seed.pixelCode !== saved.pixelCode ? 'pixel code' : undefined,
      seed.appID && seed.appID !== saved.appID ? 'App ID' : undefined,
      seed.offlineEventSetID && seed.offlineEventSetID !== saved.offlineEventSetID ? 'offline event set ID' : undefined
    ].filter(Boolean)
    if (differs.length) {
      this.log.warn(
        `the ${differs.join(' and ')} saved in Redis differ from TIKTOK_ACCESS_TOKEN / TIKTOK_PIXEL_CODE / TIKTOK_APP_ID / TIKTOK_OFFLINE_EVENT_SET_ID / SETTINGS_FILE: the saved ones are used by every runtime (save on the page to change them)`,
        { settings: this.where, pixel_code: saved.pixelCode }
      )
    }
    return saved
  }

  async save(settings: Partial<Settings>): Promise<void> {
    const multi = this.client.multi()
    for (const field of FIELDS) {
      const value = settings[field]
      if (value) multi.hset(this.key, field, value)
      else multi.hdel(this.key, field)
    }
    // The message says nothing but that they changed: every runtime reads them from the hash.
    multi.publish(this.key, 'saved')
    replies(await multi.exec())
  }

  watch(onChange: (settings: Partial<Settings>) => void): void {
    this.subscriber = watchChannel(this.client, this.key, this.log, 'settings', () => {
      if (this.closed) return
      this.client.hgetall(this.key).then(
        (hash) => !this.closed && onChange(pick(hash)),
        (error) => this.log.warn('could not read the saved settings from Redis', { reason: describeError(error) })
      )
    })
  }

  async close(): Promise<void> {
    this.closed = true
    await closeSubscriber(this.subscriber)
  }
}
