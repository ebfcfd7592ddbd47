/**
 * The page's "Consent and identity" settings (POST /api/privacy): saved like the other settings (the
 * settings file, read again at start), applied at once (consent read, identity memory opened), and a
 * wrong field refused by name.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { post, startTestRuntime, waitFor, withKey } from '../runtime/helpers'
import { HASHED_EMAIL, identify, page, purchase, send, sentOrder } from '../runtime/identity/session'

const refused = { context: { consent: { categoryPreferences: { Advertising: false } } } }

it('saves consent categories, Limited Data Use and identity memory, applies them at once and after a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'privacy-'))
  const settingsFile = join(dir, 'settings.json')
  const first = await startTestRuntime({ SETTINGS_FILE: settingsFile, FLUSH_INTERVAL_MS: '20' })
  const { runtime } = first
  const save = (body: object) => post(`${runtime.url}/api/privacy`, body, withKey(runtime))

  expect(
    await save({ consentCategories: 'Advertising, Analytics,', limitedDataUse: true, identityMemory: true })
  ).toMatchObject({
    status: 200,
    json: { consentCategories: 'Advertising, Analytics', limitedDataUse: true, identityMemory: true, message: 'Saved.' }
  })
  expect(JSON.parse(readFileSync(settingsFile, 'utf8'))).toMatchObject({
    consentCategories: 'Advertising,Analytics',
    limitedDataUse: 'on',
    identityMemory: 'on'
  })
  const state = await (await fetch(`${runtime.url}/api/state`, { headers: withKey(runtime) })).json()
  expect(state).toMatchObject({ consentCategories: 'Advertising, Analytics', identityMemory: true })

  await send(runtime.url, { ...purchase('anon-x', 'u-x', 'order-refused'), ...refused })
  await send(runtime.url, page('anon-1'), identify('anon-1', 'u-77'), purchase('anon-1', 'u-77', 'order-1'))
  await waitFor(() => sentOrder(first, 'order-1') !== undefined)
  const order = sentOrder(first, 'order-1') as unknown as { user: { email?: string[] }; limited_data_use?: boolean }
  expect(order.user.email).toEqual([HASHED_EMAIL])
  expect(order.limited_data_use).toBe(true)
  expect(runtime.pipeline.counts.refused).toBe(1)
  await runtime.close()

  const second = await startTestRuntime({ SETTINGS_FILE: settingsFile, DATA_DIR: first.dataDir })
  expect(second.runtime.identity.on).toBe(true)
  expect(second.runtime.consentCategories()).toEqual(['Advertising', 'Analytics'])

  // Off again: nothing more is added (what it holds stays until it expires, or is forgotten).
  const off = await post(
    `${second.runtime.url}/api/privacy`,
    { consentCategories: '', limitedDataUse: false, identityMemory: false },
    withKey(second.runtime)
  )
  expect(off.json).toMatchObject({ consentCategories: '', identityMemory: false })
  expect(second.runtime.identity.on).toBe(false)
  expect(second.runtime.consentCategories()).toEqual([])

  // Off, a person can still be forgotten from what was kept: u-77 and anon-1.
  const forget = () =>
    fetch(`${second.runtime.url}/api/identities/u-77`, { method: 'DELETE', headers: withKey(second.runtime) })
  expect(await (await forget()).json()).toEqual({ memory: 'off', forgotten: 2 })
  expect(await (await forget()).json()).toEqual({ memory: 'off', forgotten: 0 })
})

it('refuses a field of the wrong type, by name, and changes nothing', async () => {
  const { runtime } = await startTestRuntime()
  const save = (body: object) => post(`${runtime.url}/api/privacy`, body, withKey(runtime))
  expect(await save({ consentCategories: 5, limitedDataUse: false, identityMemory: false })).toMatchObject({
    status: 400,
    json: { field: 'consentCategories', message: 'Consent categories must be text (comma-separated).' }
  })
  expect(await save({ consentCategories: '', limitedDataUse: 'yes', identityMemory: false })).toMatchObject({
    status: 400,
    json: { field: 'limitedDataUse' }
  })
  expect(await save({ consentCategories: '', limitedDataUse: false })).toMatchObject({
    status: 400,
    json: { field: 'identityMemory', message: 'Identity memory must be true or false.' }
  })
  expect(runtime.identity.on).toBe(false)
  expect((await post(`${runtime.url}/api/privacy`, {})).status).toBe(401)
})
