/**
 * The settings of every runtime on one Redis (SharedSettings): the hash `settings` (accessToken,
 * pixelCode, appID, offlineEventSetID, and the runtime's consentCategories, limitedDataUse, identityMemory),
 * and the channel of that name on which a save says that they changed. The access token is stored here
 * and nowhere else; it is never logged.
 */
import type Redis from 'ioredis'
import { MIN_ACCESS_TOKEN_LENGTH } from '../../../destination/tiktok/api'
import { ConfigError, type RuntimeSettings } from '../../ops/config'
import { describeError, type Log } from '../../ops/log'
import type { SharedSettings } from '../shared-settings'
import { fieldsOf, replies } from './replies'
import { runScript } from './scripts'
import { closeSubscriber, watchChannel } from './watch-channel'

/** The settings the hash holds, each a field of its name. */
const FIELDS = [
  'accessToken',
  'pixelCode',
  'appID',
  'offlineEventSetID',
  'consentCategories',
  'limitedDataUse',
  'identityMemory'
] as const
/**
 * A field every load and save writes (when the settings were first stored): the hash is never empty, so
 * an empty one means Redis lost it (restarted without its data), not settings saved empty.
 */
const SINCE = 'since'

/**
 * KEYS[1] the settings hash; ARGV field/value pairs. Writes them all, and tells every runtime, only when
 * the hash is gone: a hash that exists (written back by another runtime, or saved meanwhile) is adopted
 * whole, never mixed with these. Returns whether it wrote, and the hash.
 */
const RESTORE = `
local wrote = 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV))
  redis.call('PUBLISH', KEYS[1], 'saved')
  wrote = 1
end
return { wrote, redis.call('HGETALL', KEYS[1]) }
`

const pick = (hash: Record<string, string>): RuntimeSettings => ({
  accessToken: hash.accessToken || undefined,
  pixelCode: hash.pixelCode || undefined,
  appID: hash.appID || undefined,
  offlineEventSetID: hash.offlineEventSetID || undefined,
  // '' is saved too: no consent category needed.
  consentCategories: hash.consentCategories,
  limitedDataUse: onOff(hash.limitedDataUse),
  identityMemory: onOff(hash.identityMemory)
})

/** Whether a field's value is stored: an empty consentCategories is (no category needed, whatever a runtime's variables say). */
const kept = (field: (typeof FIELDS)[number], value: string | undefined) =>
  Boolean(value) || (field === 'consentCategories' && value === '')

const onOff = (value: string | undefined) => (value === 'on' || value === 'off' ? value : undefined)

/** The settings of every runtime on this Redis: a hash, and a channel that says when it was saved. */
export class RedisSettings implements SharedSettings {
  readonly where: string
  private subscriber?: Redis
  private closed = false
  /** The settings this runtime runs with, as last loaded, saved or read: what it writes back if Redis lost them. */
  private known: RuntimeSettings = {}

  constructor(
    private readonly client: Redis,
    private readonly key: string,
    private readonly log: Log
  ) {
    this.where = `redis hash ${key}`
  }

  async load(seed: RuntimeSettings): Promise<RuntimeSettings> {
    const held = await this.client.hgetall(this.key)
    // First writer wins: a runtime started with other variables does not replace saved settings. Only
    // what is missing is written (a Redis over its maxmemory refuses writes, not reads).
    const missing = FIELDS.filter((field) => seed[field] && !held[field])
    let hash = held
    if (missing.length || !held[SINCE]) {
      const multi = this.client.multi()
      for (const field of missing) multi.hsetnx(this.key, field, seed[field]!)
      multi.hsetnx(this.key, SINCE, new Date().toISOString())
      multi.hgetall(this.key)
      const answers = replies(await multi.exec())
      hash = answers[answers.length - 1] as Record<string, string>
    }
    const saved = pick(hash)
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
    // The privacy settings too: a runtime started with CONSENT_CATEGORIES=Advertising must not
    // silently run without (what Redis holds wins).
    const privacy = [
      seed.consentCategories !== undefined && seed.consentCategories !== (saved.consentCategories ?? '')
        ? 'consent categories'
        : undefined,
      seed.limitedDataUse && seed.limitedDataUse !== saved.limitedDataUse ? 'limited data use' : undefined,
      seed.identityMemory && seed.identityMemory !== saved.identityMemory ? 'identity memory' : undefined
    ].filter(Boolean)
    if (differs.length) {
      this.log.warn(
        `the ${differs.join(' and ')} saved in Redis differ from TIKTOK_ACCESS_TOKEN / TIKTOK_PIXEL_CODE / TIKTOK_APP_ID / TIKTOK_OFFLINE_EVENT_SET_ID / SETTINGS_FILE: the saved ones are used by every runtime (save on the page to change them)`,
        { settings: this.where, pixel_code: saved.pixelCode }
      )
    }
    if (privacy.length) {
      this.log.warn(
        `the ${privacy.join(' and ')} saved in Redis differ from CONSENT_CATEGORIES / LIMITED_DATA_USE / IDENTITY_MEMORY / SETTINGS_FILE: the saved ones are used by every runtime (save on the page to change them)`,
        {
          settings: this.where,
          consent_categories: saved.consentCategories || 'none',
          limited_data_use: saved.limitedDataUse ?? 'unset',
          identity_memory: saved.identityMemory ?? 'unset'
        }
      )
    }
    this.known = saved
    return saved
  }

  async save(settings: RuntimeSettings): Promise<void> {
    const multi = this.client.multi()
    for (const field of FIELDS) {
      const value = settings[field]
      if (kept(field, value)) multi.hset(this.key, field, value!)
      else multi.hdel(this.key, field)
    }
    multi.hsetnx(this.key, SINCE, new Date().toISOString())
    // The message says nothing but that they changed: every runtime reads them from the hash.
    multi.publish(this.key, 'saved')
    replies(await multi.exec())
    this.known = pick(settings as Record<string, string>)
  }

  /**
   * Redis lost the hash (restarted without its data): this runtime's settings are stored again, whole
   * and at once, if the hash is still gone (the first runtime to do so wins, as at start) and every
   * runtime is told; a hash that is there is adopted as it is. Never an empty set of settings read as
   * "saved empty": no runtime switches to dry-run because Redis forgot them; never a field of one
   * runtime's settings mixed into another's, nor one a newer save removed brought back.
   */
  async restore(): Promise<RuntimeSettings> {
    const pairs = FIELDS.flatMap((field) => (kept(field, this.known[field]) ? [field, this.known[field]!] : []))
    const [wrote, hash] = (await runScript(
      this.client,
      RESTORE,
      [this.key],
      [...pairs, SINCE, new Date().toISOString()]
    )) as [number, string[]]
    const restored = pick(fieldsOf(hash))
    this.known = restored
    // Said by the runtime that wrote them back; the others find them there.
    if (wrote !== 1) return restored
    this.log.warn('the settings were gone from Redis (it came back empty): stored again from this runtime', {
      settings: this.where,
      pixel_code: restored.pixelCode
    })
    return restored
  }

  watch(onChange: (settings: RuntimeSettings) => void): void {
    this.subscriber = watchChannel(this.client, this.key, this.log, 'settings', () => {
      if (this.closed) return
      this.client
        // An empty hash was lost with Redis's data, not saved empty: written back, not applied.
        .hgetall(this.key)
        .then((hash) => (Object.keys(hash).length === 0 ? this.restore() : pick(hash)))
        .then(
          (settings) => {
            if (this.closed) return
            this.known = settings
            onChange(settings)
          },
          (error) => this.log.warn('could not read the saved settings from Redis', { reason: describeError(error) })
        )
    })
  }

  async close(): Promise<void> {
    this.closed = true
    await closeSubscriber(this.subscriber)
  }
}
