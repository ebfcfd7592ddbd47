/**
 * The privacy settings held in Redis (consent categories, limited data use, identity memory) win over a
 * runtime's variables, as the TikTok ones do: a runtime started with other values says so, naming them.
 */
import { randomBytes } from 'node:crypto'
import { createLog } from '../../src/runtime/ops/log'
import { RedisSettings } from '../../src/runtime/storage/redis/settings'
import { redisSuite, startRedis, type RedisServer } from './redis-server'

const { describeWithRedis, redisServer } = redisSuite()

let redis: RedisServer
beforeAll(async () => {
  if (redisServer) redis = await startRedis(redisServer)
})
afterAll(async () => {
  await redis?.stop()
})

describeWithRedis('privacy settings held in Redis', () => {
  it('are used over different variables, with a warning naming them', async () => {
    const key = `test-${randomBytes(4).toString('hex')}:settings`
    const lines: string[] = []
    const first = new RedisSettings(
      redis.client(),
      key,
      createLog(() => undefined)
    )
    await first.load({ consentCategories: 'Advertising', identityMemory: 'on' })

    const second = new RedisSettings(
      redis.client(),
      key,
      createLog((line) => lines.push(line))
    )
    const used = await second.load({ consentCategories: '', identityMemory: 'off', limitedDataUse: 'on' })
    // What Redis lacked (limited data use) is taken from this runtime and saved.
    expect(used).toEqual({ consentCategories: 'Advertising', identityMemory: 'on', limitedDataUse: 'on' })
    expect(lines).toEqual([
      expect.stringContaining(
        'warn the consent categories and identity memory saved in Redis differ from CONSENT_CATEGORIES / LIMITED_DATA_USE / IDENTITY_MEMORY / SETTINGS_FILE: the saved ones are used by every runtime (save on the page to change them)'
      )
    ])
    expect(lines[0]).toContain('consent_categories=Advertising')

    // The same values: no warning.
    lines.length = 0
    await second.load({ consentCategories: 'Advertising', identityMemory: 'on' })
    expect(lines).toEqual([])
  })
})
