/**
 * `tiktok-conversions replay FILE`: the events of a dead-letter file, once their cause is fixed, go
 * back through a running runtime and reach TikTok; the file is used up, and what cannot be replayed is
 * kept aside.
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import type { StandInAnswer } from '../../src/runtime/tools/standin'
import { orderCompleted, post, startStandIn, startTestRuntime, waitFor } from './helpers'

const ROOT = join(__dirname, '..', '..')
const run = promisify(execFile)

it('sends the dead-lettered events again once TikTok takes them, each once, and uses the file up', async () => {
  const state: { refuse: boolean } = { refuse: true }
  const refusal: StandInAnswer = { body: { code: 40002, message: 'Invalid parameter: pixel not ready' } }
  const standIn = await startStandIn({ script: () => (state.refuse ? refusal : undefined) })
  const test = await startTestRuntime({
    TIKTOK_ACCESS_TOKEN: 'replay-test-token',
    TIKTOK_PIXEL_CODE: 'PIX',
    TIKTOK_API_URL: standIn.url,
    SEGMENT_WRITE_KEY: 'replay-write-key'
  })
  const basic = { authorization: `Basic ${Buffer.from('replay-write-key:').toString('base64')}` }
  let deep = '{"leaf":1}'
  for (let i = 0; i < 5000; i++) deep = `{"n":${deep}}`
  const poison = JSON.stringify({ ...orderCompleted(9), properties: { deep: '__DEEP__' } }).replace('"__DEEP__"', deep)
  const body = `{"batch":[${[1, 2, 3].map((i) => JSON.stringify(orderCompleted(i))).join(',')},${poison}]}`
  expect((await post(`${test.runtime.url}/v1/batch`, body, basic)).status).toBe(200)
  await waitFor(() => test.runtime.pipeline.counts.deadLettered === 4)
  expect(standIn.stats.events).toBe(0)

  state.refuse = false
  const { stderr } = await run(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'replay', test.deadLetterFile, '--url', test.runtime.url],
    { cwd: ROOT, env: { ...process.env, SEGMENT_WRITE_KEY: 'replay-write-key' } }
  )
  expect(stderr).toMatch(/ info replay done replayed=3 not_replayable=1\n/)
  await waitFor(() => standIn.stats.events === 3)
  const ids = standIn.requests.flatMap(({ body }) => body.data.map((event) => event.event_id))
  expect(ids.slice(-3).sort()).toEqual(['msg-1', 'msg-2', 'msg-3'])
  // The file was used up; the runtime writes new records to a new one. The cut event is kept aside.
  const dir = readdirSync(dirname(test.deadLetterFile))
  expect(dir.filter((name) => name.includes('.replaying-'))).toEqual([])
  const aside = dir.filter((name) => name.includes('.not-replayed-'))
  expect(aside).toHaveLength(1)
  expect(JSON.parse(readFileSync(join(dirname(test.deadLetterFile), aside[0]), 'utf8'))).toMatchObject({
    cut: true,
    event: { messageId: 'msg-9' }
  })
  expect(existsSync(test.deadLetterFile)).toBe(false)
})

it('stops on an answer it cannot wait out, and leaves what it did not send to replay again', async () => {
  const standIn = await startStandIn({ script: () => ({ body: { code: 40002, message: 'Invalid parameter' } }) })
  const test = await startTestRuntime({
    TIKTOK_ACCESS_TOKEN: 'replay-test-token',
    TIKTOK_PIXEL_CODE: 'PIX',
    TIKTOK_API_URL: standIn.url,
    SEGMENT_WRITE_KEY: 'replay-write-key'
  })
  const basic = { authorization: `Basic ${Buffer.from('replay-write-key:').toString('base64')}` }
  expect((await post(`${test.runtime.url}/v1/batch`, { batch: [orderCompleted(1)] }, basic)).status).toBe(200)
  await waitFor(() => test.runtime.pipeline.counts.deadLettered === 1)
  const failed = await run(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'replay', test.deadLetterFile, '--url', test.runtime.url],
    { cwd: ROOT, env: { ...process.env, SEGMENT_WRITE_KEY: 'not-the-key' } }
  ).catch((error: { code: number; stderr: string }) => error)
  expect(failed).toMatchObject({ code: 1 })
  expect((failed as { stderr: string }).stderr).toMatch(
    / error replay stopped: the runtime answered 401: Invalid write key\./
  )
  const left = (failed as { stderr: string }).stderr.match(/ are in (\S+): replay it again/)![1]
  expect(JSON.parse(readFileSync(left, 'utf8'))).toMatchObject({ event: { messageId: 'msg-1' } })
})
