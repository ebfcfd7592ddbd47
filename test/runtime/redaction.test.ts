/**
 * The access token echoed by TikTok in any form never reaches a log line, the dead-letter file,
 * /deliveries or the Test connection message (issue: TikTok's JSON-escaped echo was shown in clear).
 */
import { readFileSync } from 'node:fs'
import { deadLetters, orderCompleted, post, startStandIn, startTestRuntime, waitFor, withKey } from './helpers'

const TOKEN = 'runtime-secret-token-4b4b4b'
const escaped = [...TOKEN].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')
const percent = [...TOKEN].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('')
const entities = [...TOKEN].map((c) => `&#${c.charCodeAt(0)};`).join('')
const base64 = Buffer.from(`Bearer ${TOKEN}`).toString('base64')

/** Every written form looked for in what the runtime shows or stores. */
const FORMS_OF_THE_TOKEN = [
  TOKEN,
  TOKEN.toUpperCase(),
  escaped,
  escaped.replace(/\\/g, '\\\\'),
  percent,
  entities,
  base64.slice(12, -4) // the part of the base64 that spells the token alone
]

describe.each([
  ['as sent', 200, `{"code":40001,"message":"token ${TOKEN} is invalid"}`],
  ['JSON-escaped', 200, `{"code":40001,"message":"token ${escaped} is invalid"}`],
  ['URL-encoded', 200, `{"code":40105,"message":"see https://x.example/?access_token=${percent}"}`],
  ['as HTML references', 200, `{"code":40001,"message":"<p>${entities}</p>"}`],
  ['base64-encoded', 200, `{"code":40001,"message":"Authorization: ${base64}"}`],
  ['JSON-escaped in an answer that is not JSON', 401, `<html>{"message":"${escaped}"</html>`]
])('TikTok echoing the token %s', (_form, status, answer) => {
  it('never shows it: log lines, /health, dead-letter reasons, /deliveries, Test connection', async () => {
    // First TikTok refuses the token (delivery is held, the reason is logged and on /health), then it
    // refuses the events for good with the same echo (they are dead-lettered with the reason).
    const forGood =
      status === 401 ? { status: 400, body: answer } : { status, body: answer.replace(/"code":\d+/, '"code":40002') }
    const standIn = await startStandIn({ script: (_body, n) => (n === 0 ? { status, body: answer } : forGood) })
    const test = await startTestRuntime({
      TIKTOK_ACCESS_TOKEN: TOKEN,
      TIKTOK_PIXEL_CODE: 'CPIX',
      TIKTOK_API_URL: standIn.url,
      AUTH_RETRY_MS: '300'
    })
    const { runtime } = test
    await post(`${runtime.url}/v1/batch`, { batch: [orderCompleted(1), orderCompleted(2)] })
    await waitFor(() => runtime.pipeline.health().status === 'degraded')
    const health = await (await fetch(`${runtime.url}/health`)).text()
    expect(JSON.parse(health)).toMatchObject({
      status: 'degraded',
      reason: expect.stringMatching(/^TikTok refuses the access token/)
    })
    await waitFor(() => runtime.pipeline.counts.deadLettered === 2)
    const connection = await post(`${runtime.url}/api/test-connection`, {}, withKey(runtime))
    const deliveries = await (await fetch(`${runtime.url}/deliveries`, { headers: withKey(runtime) })).text()
    await runtime.close()
    const records = deadLetters(test.deadLetterFile)

    expect(records).toHaveLength(2)
    for (const { reason } of records) expect(reason).toMatch(/\[access token\]|\[withheld: it held the access token\]/)
    expect(connection.json.ok).toBe(false)
    expect(connection.json.message).toMatch(/^TikTok did not accept /)
    const everything = [
      health,
      ...test.logs,
      readFileSync(test.deadLetterFile, 'utf8'),
      deliveries,
      JSON.stringify(connection.json)
    ].join('\n')
    for (const form of FORMS_OF_THE_TOKEN) expect(everything).not.toContain(form)
  })
})
