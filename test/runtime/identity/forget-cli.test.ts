/**
 * `tiktok-conversions forget ID`: forgets a person in DATA_DIR's identity memory while the runtime
 * runs, saying how many records went and never the id; without ID it exits 2 with its usage.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startTestRuntime, waitFor } from '../helpers'
import { HASHED_EMAIL, identify, page, purchase, send, sentOrder } from './session'

const ROOT = join(__dirname, '..', '..', '..')
const cli = (env: Record<string, string>, ...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    timeout: 30_000
  })

it('forgets the person of a userId in DATA_DIR while the runtime runs', async () => {
  const test = await startTestRuntime({ IDENTITY_MEMORY: 'on', FLUSH_INTERVAL_MS: '20' })
  await send(test.runtime.url, page('anon-1'), identify('anon-1', 'u-77'), purchase('anon-1', 'u-77', 'order-1'))
  await waitFor(() => sentOrder(test, 'order-1')?.user.email?.toString() === HASHED_EMAIL)

  const { stderr } = await cli({ DATA_DIR: test.dataDir }, 'forget', 'u-77')
  expect(stderr).toMatch(/ info forgotten records=2 store=\S+identities\.db\n$/)
  expect(stderr).not.toContain('u-77')

  await send(test.runtime.url, purchase('anon-1', 'u-77', 'order-2'))
  await waitFor(() => sentOrder(test, 'order-2') !== undefined)
  expect(sentOrder(test, 'order-2')!.user.email).toBeUndefined()
})

it('refuses to run without ID, with exit code 2 and its usage', async () => {
  const failed = await cli({}, 'forget').catch((error: { code: number; stderr: string }) => error)
  expect(failed).toMatchObject({ code: 2 })
  expect((failed as { stderr: string }).stderr).toMatch(
    /^tiktok-conversions forget: ID is missing: the userId or anonymousId to forget\n\nUsage:\n {2}tiktok-conversions forget ID/
  )
})
