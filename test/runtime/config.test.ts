import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, configFromEnv, isLoopback } from '../../src/runtime/ops/config'
import { loadConfig } from '../../src/runtime'

const settingsFile = (content: string, mode = 0o644) => {
  const file = join(mkdtempSync(join(tmpdir(), 'config-')), 'settings.json')
  writeFileSync(file, content)
  chmodSync(file, mode)
  return file
}

/** The ConfigError loadConfig throws for these variables (its message). */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('the access token at start', () => {
  it('is refused from TIKTOK_ACCESS_TOKEN when shorter than 8 characters, without quoting it', () => {
    const message = refusal({ TIKTOK_ACCESS_TOKEN: 'abc1234', TIKTOK_PIXEL_CODE: 'CPIX' })
    expect(message).toBe(
      'TIKTOK_ACCESS_TOKEN must be at least 8 characters (it has 7); paste the whole token from TikTok'
    )
    expect(loadConfig({ TIKTOK_ACCESS_TOKEN: 'abcd1234' }).settings.accessToken).toBe('abcd1234')
  })

  it('is refused from the settings file when shorter than 8 characters, naming the file and the field', () => {
    const file = settingsFile(JSON.stringify({ accessToken: 'tiny', pixelCode: 'CPIX' }))
    expect(refusal({ SETTINGS_FILE: file })).toBe(
      `SETTINGS_FILE ${file}: accessToken must be at least 8 characters (it has 4); paste the whole token from TikTok`
    )
  })
})

describe('the App ID and offline event set at start', () => {
  it('come from TIKTOK_APP_ID and TIKTOK_OFFLINE_EVENT_SET_ID, each else from the settings file', () => {
    const file = settingsFile(
      JSON.stringify({ accessToken: 'file-token-1234', pixelCode: 'CPIX', appID: '111', offlineEventSetID: '222' })
    )
    expect(loadConfig({ SETTINGS_FILE: file }).settings).toEqual({
      accessToken: 'file-token-1234',
      pixelCode: 'CPIX',
      appID: '111',
      offlineEventSetID: '222'
    })
    expect(loadConfig({ SETTINGS_FILE: file, TIKTOK_APP_ID: ' 333 ' }).settings).toMatchObject({
      appID: '333',
      offlineEventSetID: '222'
    })
    expect(loadConfig({ TIKTOK_OFFLINE_EVENT_SET_ID: '444' }).settings).toMatchObject({
      appID: undefined,
      offlineEventSetID: '444'
    })
  })
})

describe('the settings file at start', () => {
  it.each([
    ['0644', 0o644],
    ['0666', 0o666],
    ['0755', 0o755],
    ['0400', 0o400]
  ])('is made private (0600) whatever its mode was (%s)', (_mode, mode) => {
    const file = settingsFile(JSON.stringify({ accessToken: 'file-token-1234', pixelCode: 'CPIX' }), mode)
    expect(loadConfig({ SETTINGS_FILE: file }).settings).toEqual({
      accessToken: 'file-token-1234',
      pixelCode: 'CPIX'
    })
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })

  it('that is not JSON is refused without quoting what it holds', () => {
    const file = settingsFile('{"accessToken": secret-token-abcdef')
    const message = refusal({ SETTINGS_FILE: file })
    expect(message).toBe(`SETTINGS_FILE ${file}: not valid JSON`)
  })

  it('may be missing: then it is created at the first save', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'config-')), 'settings.json')
    expect(loadConfig({ SETTINGS_FILE: file }).settings).toEqual({ accessToken: undefined, pixelCode: undefined })
  })
})

describe('the admin key', () => {
  it('is random at each start, 43 URL-safe characters, unless ADMIN_KEY is set', () => {
    const first = loadConfig({})
    const second = loadConfig({})
    expect(first.adminKey).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(second.adminKey).not.toBe(first.adminKey)
    expect(first.adminKeyFromEnv).toBe(false)
    const set = loadConfig({ ADMIN_KEY: 'my-own-admin-key-0001' })
    expect(set).toMatchObject({ adminKey: 'my-own-admin-key-0001', adminKeyFromEnv: true })
  })

  it.each(['short-key', 'a key with spaces in it', 'semi;colon=and,comma+plus'])(
    'ADMIN_KEY "%s" is refused, without quoting it',
    (key) => {
      const message = refusal({ ADMIN_KEY: key })
      expect(message).toBe(
        `ADMIN_KEY must be at least 16 characters, each a letter, a digit or one of - _ . ~ (it has ${key.length} characters)`
      )
    }
  )
})

describe('HOST', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])(
    '%s is loopback',
    (host) => {
      expect(isLoopback(host)).toBe(true)
      expect(loadConfig({ HOST: host }).host).toBe(host)
    }
  )

  it.each(['0.0.0.0', '::', '192.168.1.20', '10.0.0.1', 'my-laptop.local', '::ffff:10.0.0.1', '128.0.0.1'])(
    '%s is not loopback: refused without SEGMENT_WRITE_KEY, taken with it',
    (host) => {
      expect(isLoopback(host)).toBe(false)
      expect(refusal({ HOST: host })).toBe(
        `HOST ${host} is not a loopback address: set SEGMENT_WRITE_KEY too, or anyone who reaches the port can send events`
      )
      expect(loadConfig({ HOST: host, SEGMENT_WRITE_KEY: 'write-key' }).host).toBe(host)
    }
  )
})

describe('REDIS_URL', () => {
  it('is off by default: the embedded queue', () => {
    expect(loadConfig({}).redisUrl).toBeUndefined()
    expect(loadConfig({ REDIS_URL: ' ' }).redisUrl).toBeUndefined()
  })

  it('takes redis:// and rediss://, with the prefix and claim time', () => {
    const config = loadConfig({
      REDIS_URL: 'rediss://user:pass@redis.internal:6380/2',
      REDIS_PREFIX: 'shop-a:',
      REDIS_CLAIM_IDLE_MS: '10000'
    })
    expect(config).toMatchObject({
      redisUrl: 'rediss://user:pass@redis.internal:6380/2',
      redisPrefix: 'shop-a:',
      redisClaimIdleMs: 10_000
    })
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1' })).toMatchObject({
      redisPrefix: 'tiktok-conversions:',
      redisClaimIdleMs: 30_000
    })
  })

  it.each([
    ['localhost:6379', 'REDIS_URL must start with redis:// or rediss:// (it starts with localhost:)'],
    ['http://:secret@127.0.0.1:6379', 'REDIS_URL must start with redis:// or rediss:// (it starts with http:)'],
    ['127.0.0.1:6379', 'REDIS_URL must be a URL like redis://127.0.0.1:6379/0 (it is not a URL)'],
    ['not a url :secret', 'REDIS_URL must be a URL like redis://127.0.0.1:6379/0 (it is not a URL)']
  ])('refuses %s without quoting it', (url, message) => {
    expect(refusal({ REDIS_URL: url })).toBe(message)
  })

  it('refuses a claim time under 300 ms', () => {
    expect(refusal({ REDIS_URL: 'redis://127.0.0.1', REDIS_CLAIM_IDLE_MS: '100' })).toBe(
      'REDIS_CLAIM_IDLE_MS must be a number ≥ 300; got "100"'
    )
  })
})

describe('parsing the configuration (configFromEnv)', () => {
  const given = {
    settingsText: JSON.stringify({ accessToken: 'given-token-1234', pixelCode: 'GIVENPIX' }),
    generatedAdminKey: 'generated-admin-key-0001',
    machineMemoryMb: 4096
  }

  it('is pure: the same variables and inputs give the same configuration, and no file is read, changed or created', () => {
    const onDisk = JSON.stringify({ accessToken: 'on-disk-token-1234', pixelCode: 'DISKPIX' })
    const file = settingsFile(onDisk, 0o644)
    const dataDir = join(mkdtempSync(join(tmpdir(), 'config-')), 'never-created')
    const env = { SETTINGS_FILE: file, DATA_DIR: dataDir }
    const first = configFromEnv(env, given)
    expect(configFromEnv(env, given)).toEqual(first)
    // The settings come from the text it was given, not from the file, and the admin key is the one given.
    expect(first.settings).toEqual({ accessToken: 'given-token-1234', pixelCode: 'GIVENPIX' })
    expect(first).toMatchObject({ settingsFile: file, adminKey: 'generated-admin-key-0001', adminKeyFromEnv: false })
    expect(statSync(file).mode & 0o777).toBe(0o644)
    expect(readFileSync(file, 'utf8')).toBe(onDisk)
    expect(existsSync(dataDir)).toBe(false)
  })

  it('refuses the settings text as the file was refused, naming the file, without any file there', () => {
    const nowhere = join(tmpdir(), 'no-such-folder-for-config', 'settings.json')
    const parse = () => configFromEnv({ SETTINGS_FILE: nowhere }, { ...given, settingsText: '{"accessToken": secret' })
    expect(parse).toThrow(ConfigError)
    expect(parse).toThrow(`SETTINGS_FILE ${nowhere}: not valid JSON`)
    expect(configFromEnv({ SETTINGS_FILE: nowhere }, { ...given, settingsText: undefined }).settings).toEqual({
      accessToken: undefined,
      pixelCode: undefined
    })
    expect(existsSync(nowhere)).toBe(false)
  })

  it('ignores a settings text when SETTINGS_FILE is unset, and prefers ADMIN_KEY to the generated key', () => {
    const config = configFromEnv({ ADMIN_KEY: 'my-own-admin-key-0001' }, given)
    expect(config.settings).toEqual({ accessToken: undefined, pixelCode: undefined })
    expect(config).toMatchObject({ adminKey: 'my-own-admin-key-0001', adminKeyFromEnv: true })
  })
})

describe('MEMORY_LIMIT_MB', () => {
  const given = { generatedAdminKey: 'generated-admin-key-0001' }
  const limit = (env: Record<string, string>, machineMemoryMb: number) =>
    configFromEnv(env, { ...given, machineMemoryMb }).memoryLimitMb

  it('is sized from the machine when unset: a quarter of its memory, from 256 MB to 512 MB', () => {
    expect(limit({}, 512)).toBe(256)
    expect(limit({}, 1536)).toBe(384)
    expect(limit({ MEMORY_LIMIT_MB: '' }, 24_000)).toBe(512)
  })

  it('takes a number of MB from 128, or 0 for no limit', () => {
    expect(limit({ MEMORY_LIMIT_MB: '300' }, 24_000)).toBe(300)
    expect(limit({ MEMORY_LIMIT_MB: '0' }, 24_000)).toBe(0)
  })

  it.each(['64', '1.5', 'lots'])('refuses %s, naming the variable', (raw) => {
    expect(() => limit({ MEMORY_LIMIT_MB: raw }, 4096)).toThrow(
      `MEMORY_LIMIT_MB must be a whole number of MB, at least 128 (or 0: no limit); got "${raw}"`
    )
  })

  const threads = (env: Record<string, string>, cores: number) =>
    configFromEnv(env, { ...given, machineMemoryMb: 24_000, cores }).workers

  it('starts one delivery thread per core, as many as the limit holds at 64 MB each', () => {
    expect(threads({}, 2)).toBe(2)
    expect(threads({}, 64)).toBe(3) // 40% of 512 MB
    expect(threads({ MEMORY_LIMIT_MB: '128' }, 8)).toBe(1)
    expect(threads({ MEMORY_LIMIT_MB: '0' }, 64)).toBe(64)
    expect(threads({ WORKERS: '0' }, 8)).toBe(0)
    expect(threads({ WORKERS: '3' }, 2)).toBe(3)
  })

  it('refuses more delivery threads than the limit holds, naming both variables', () => {
    expect(() => threads({ WORKERS: '4', MEMORY_LIMIT_MB: '256' }, 8)).toThrow(
      'WORKERS=4 delivery threads need 256 MB of heap at least (64 MB each); MEMORY_LIMIT_MB=256 gives them 102 MB: lower WORKERS to 1 or raise MEMORY_LIMIT_MB'
    )
  })
})
