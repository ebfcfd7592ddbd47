/**
 * GET and PUT /api/mappings: every mapping in force listed in the mappings file's format, a refused list
 * answered 400 with its problems named (and nothing changed), an accepted one in force at once, and
 * again after a restart on the same DATA_DIR.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { presets } from '../../src/destination/presets'
import type { MappingEntry } from '../../src/runtime/routing/entries'
import { post, printedEvents, startTestRuntime, waitFor, withKey, type TestRuntime } from '../runtime/helpers'

async function call(
  test: TestRuntime,
  method: string,
  body?: unknown,
  headers: Record<string, string> = withKey(test.runtime)
) {
  const response = await fetch(`${test.runtime.url}/api/mappings`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  return { status: response.status, json: await response.json() }
}

const list = async (test: TestRuntime): Promise<MappingEntry[]> => (await call(test, 'GET')).json.mappings

/** Page View off, Complete Payment triggered by "Purchase Done" with its description a literal. */
function edited(mappings: MappingEntry[]): MappingEntry[] {
  return mappings.map((mapping) => {
    if (mapping.name === 'Page View') return { ...mapping, enabled: false }
    if (mapping.name !== 'Complete Payment') return mapping
    return {
      ...mapping,
      subscribe: 'event = "Purchase Done"',
      mapping: { ...mapping.mapping, description: 'Paid on the web shop' }
    }
  })
}

const track = (event: string, id: string) => ({
  type: 'track',
  event,
  userId: 'u-1',
  messageId: id,
  properties: { order_id: id, value: 12.5, currency: 'USD' }
})

/** Sends a page call, "Purchase Done" and "Order Completed"; resolves once every delivery is done. */
async function sendThree(test: TestRuntime, round: string) {
  const before = test.runtime.pipeline.counts.delivered
  const answer = await post(`${test.runtime.url}/v1/batch`, {
    batch: [
      {
        type: 'page',
        name: 'Home',
        userId: 'u-1',
        messageId: `page-${round}`,
        context: { page: { url: 'https://shop.example/' } }
      },
      track('Purchase Done', `done-${round}`),
      track('Order Completed', `completed-${round}`)
    ]
  })
  expect(answer.status).toBe(200)
  await waitFor(() => test.runtime.pipeline.counts.delivered > before)
  await waitFor(() => test.runtime.pipeline.pending === 0)
}

describe('the mappings API', () => {
  it('lists every mapping in force, in the mappings file format, each with enabled', async () => {
    const test = await startTestRuntime()
    const { status, json } = await call(test, 'GET')
    expect(status).toBe(200)
    expect(json.source).toBe('presets')
    const automatic = presets.filter((preset) => preset.type === 'automatic')
    expect(json.mappings.map((mapping: MappingEntry) => mapping.name)).toEqual(automatic.map((preset) => preset.name))
    expect(json.mappings).toHaveLength(15 + automatic.filter((p) => p.partnerAction === 'reportAppEvent').length)
    expect(json.mappings[4]).toMatchObject({
      name: 'Complete Payment',
      enabled: true,
      subscribe: 'event = "Order Completed"',
      action: 'reportWebEvent',
      sources: ['web'],
      mapping: { event: 'CompletePayment', order_id: { '@path': '$.properties.order_id' } }
    })
    // What it lists is a mappings file: PUT back as it is, nothing changes.
    expect((await call(test, 'PUT', json.mappings)).status).toBe(200)
    expect(await list(test)).toEqual(json.mappings)
  })

  it('needs the admin key, and a PUT from the page itself (same origin)', async () => {
    const test = await startTestRuntime()
    expect((await call(test, 'GET', undefined, { authorization: 'Bearer nope-nope-nope-nope' })).status).toBe(401)
    const put = await call(test, 'PUT', await list(test), { authorization: 'Bearer nope-nope-nope-nope' })
    expect(put.status).toBe(401)
    const edited = (await list(test)).map((mapping) => ({ ...mapping, enabled: false }))
    const crossOrigin = await call(test, 'PUT', edited, { ...withKey(test.runtime), origin: 'http://evil.example' })
    expect(crossOrigin).toEqual({ status: 403, json: { message: 'Cross-origin requests are refused.' } })
    expect(test.runtime.subscriptions.every((subscription) => subscription.enabled)).toBe(true)
  })

  it('refuses a body over 1 MiB with 413 saying the limit, and changes nothing', async () => {
    const test = await startTestRuntime()
    const before = await list(test)
    const big = before.map((mapping) => ({
      ...mapping,
      mapping: { ...mapping.mapping, description: 'x'.repeat(80_000) }
    }))
    expect(JSON.stringify(big).length).toBeGreaterThan(1024 * 1024)
    expect(await call(test, 'PUT', big)).toEqual({
      status: 413,
      json: { message: "The request body is larger than 1 MiB (1048576 bytes), the most the page's API reads." }
    })
    expect(await list(test)).toEqual(before)
  })

  it('refuses a list edited from an older version with 409; one without a version is accepted', async () => {
    const test = await startTestRuntime()
    const read = (await call(test, 'GET')).json
    expect(read.version).toMatch(/^[0-9a-f]{16}$/)
    // Another page saves first (from the same version): accepted, the version moves on.
    const first = await call(test, 'PUT', { mappings: edited(read.mappings), version: read.version })
    expect(first.status).toBe(200)
    expect(first.json.version).not.toBe(read.version)
    // The stale page saves its own edit: refused, the other save stays.
    const stale = read.mappings.map((mapping: MappingEntry) => ({ ...mapping, enabled: false }))
    expect(await call(test, 'PUT', { mappings: stale, version: read.version })).toEqual({
      status: 409,
      json: {
        message:
          'Not saved: the mappings changed elsewhere since this list was read: reload to edit the ones in force.',
        version: first.json.version
      }
    })
    expect(await list(test)).toEqual(first.json.mappings)
    expect((await call(test, 'GET')).json.version).toBe(first.json.version)
    // An API user's PUT names no version: it replaces whatever is in force.
    expect((await call(test, 'PUT', stale)).status).toBe(200)
    expect(test.runtime.subscriptions.every((subscription) => !subscription.enabled)).toBe(true)
  })

  it('refuses a bad trigger with 400 naming its mapping and the mistake, and changes nothing', async () => {
    const test = await startTestRuntime()
    const before = await list(test)
    const bad = before.map((mapping) =>
      mapping.name === 'Search' ? { ...mapping, subscribe: 'event = "a" AND type = "track"' } : mapping
    )
    bad[0] = { ...bad[0], enabled: 'yes' as unknown as boolean }
    const { status, json } = await call(test, 'PUT', bad)
    expect(status).toBe(400)
    expect(json.message).toBe('Not saved: 2 problems; the mappings in force did not change.')
    expect(json.problems).toEqual([
      expect.objectContaining({ mapping: 1, name: 'Download', problem: '"enabled" must be true or false; got "yes"' }),
      {
        mapping: 8,
        name: 'Search',
        problem:
          'trigger `event = "a" AND type = "track"`: write "and" in lower case: "AND" is not read as a conditional',
        message: expect.stringMatching(/^mapping 8 \("Search"\): trigger `event = "a" AND type = "track"`/)
      }
    ])
    expect(await list(test)).toEqual(before)
    expect(() => statSync(join(test.dataDir, 'mappings.json'))).toThrow(/ENOENT/)
  })

  it('applies a saved list at once and after a restart on the same DATA_DIR, kept private', async () => {
    const first = await startTestRuntime()
    const saved = await call(first, 'PUT', { mappings: edited(await list(first)) })
    expect(saved.status).toBe(200)
    expect(saved.json.message).toMatch(/^Saved: \d+ mappings, \d+ on\. They apply now\.$/)
    expect(saved.json.source).toBe(`saved on the page (${join(first.dataDir, 'mappings.json')})`)

    const sent = async (test: TestRuntime, round: string) => {
      await sendThree(test, round)
      return printedEvents(test).filter((event) => event.event_id.endsWith(round))
    }
    expect(await sent(first, 'a')).toEqual([
      expect.objectContaining({
        event: 'CompletePayment',
        event_id: 'done-a',
        properties: expect.objectContaining({ description: 'Paid on the web shop', order_id: 'done-a' })
      })
    ])
    expect(first.runtime.pipeline.counts.unmatched).toBe(2)
    await first.runtime.close()
    expect(statSync(join(first.dataDir, 'mappings.json')).mode & 0o777).toBe(0o600)

    const second = await startTestRuntime({ DATA_DIR: first.dataDir })
    expect(await list(second)).toEqual(saved.json.mappings)
    expect((await sent(second, 'b')).map((event) => [event.event, event.event_id])).toEqual([
      ['CompletePayment', 'done-b']
    ])
  })

  it('starts with the saved list over a MAPPINGS file, and says so', async () => {
    const first = await startTestRuntime()
    await call(first, 'PUT', edited(await list(first)))
    await first.runtime.close()
    const file = join(first.dataDir, 'file-mappings.json')
    writeFileSync(file, JSON.stringify([{ name: 'Only', subscribe: 'event = "X"', mapping: { event: 'Contact' } }]))
    const second = await startTestRuntime({ DATA_DIR: first.dataDir, MAPPINGS: file })
    expect((await list(second)).map((mapping) => mapping.name)).toContain('Complete Payment')
    const warning = second.logs.find((line) => line.includes(' warn the mappings saved on the page are in force'))
    expect(warning).toContain('the mappings saved on the page are in force: MAPPINGS is not read')
    expect(warning).toContain(`next_step="to use ${file} again, delete ${join(first.dataDir, 'mappings.json')}"`)
    expect(JSON.parse(readFileSync(join(first.dataDir, 'mappings.json'), 'utf8'))).toEqual(await list(second))
  })
})
