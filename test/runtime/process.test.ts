/**
 * The runtime as `npm start` runs it, in its own process, stopped with a real SIGTERM.
 */
import { Analytics } from '@segment/analytics-node'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCli } from './cli-process'
import { orderCompleted, startStandIn, waitFor } from './helpers'

const ROOT = join(__dirname, '..', '..')

describe('npm start', () => {
  it('loses nothing when SIGTERM comes right after the client flushed', async () => {
    const standIn = await startStandIn({ latencyMs: 20 })
    // A long flush interval: the events are still queued when SIGTERM comes.
    const { child, url, stderr, exit } = await startCli({
      TIKTOK_ACCESS_TOKEN: 'process-token',
      TIKTOK_PIXEL_CODE: 'PIX',
      TIKTOK_API_URL: standIn.url,
      FLUSH_INTERVAL_MS: '60000'
    })
    const analytics = new Analytics({ writeKey: 'k', host: url, flushAt: 50, flushInterval: 50 })
    for (let i = 0; i < 500; i++) {
      const { userId, event, properties } = orderCompleted(i)
      analytics.track({ userId, event, properties })
    }
    await analytics.closeAndFlush({ timeout: 10_000 })
    child.kill('SIGTERM')
    expect(await exit).toBe(0)
    expect(standIn.stats.events).toBe(500)
    const ids = new Set(standIn.requests.flatMap(({ body }) => body.data.map((event) => event.event_id)))
    expect(ids.size).toBe(500)
    expect(stderr.join('\n')).toMatch(/ info stopped received=500 delivered=500 dead_lettered=0/)
  })

  it('drains and stops when SIGTERM goes to npm (npm start execs the runtime)', async () => {
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'tiktok-npm-start-')) },
      stdio: ['ignore', 'ignore', 'pipe']
    })
    const stderr: string[] = []
    npm.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()))
    const exited = new Promise<number | null>((resolve) => npm.on('exit', resolve))
    await waitFor(() => stderr.join('').includes(' listening url='), 60_000)
    npm.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(stderr.join('')).toMatch(/ info stopping signal=SIGTERM /)
    expect(stderr.join('')).toMatch(/ info stopped received=0 /)
  }, 90_000)

  it('refuses to start on a bad mappings file, saying why', async () => {
    await expect(startCli({ MAPPINGS: join(ROOT, 'package.json') })).rejects.toThrow(/cannot start reason=.*MAPPINGS/)
  })

  it('exits 2 on a mappings file with several problems, naming each with its mapping', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mappings-')), 'mappings.json')
    writeFileSync(
      file,
      JSON.stringify([
        { name: 'CRM leads', subscribe: 'event = "Lead Qualified"', mapping: { event: 'Lead', event_source: 'crm' } },
        { name: 'Orders', subscribe: 'event = "Order Completed" and', mapping: { event: 'CompletePayment' } }
      ])
    )
    const error = await startCli({ MAPPINGS: file }).catch((caught: Error) => caught)
    expect(error).toBeInstanceOf(Error)
    expect(String(error)).toMatch(/^Error: runtime exited with 2: /)
    expect(String(error)).toContain(
      `error cannot start reason="MAPPINGS ${file}: 2 problems: (1) mapping 1 (\\"CRM leads\\"): CRM Event Set ID (crm_event_set_id) is required when Event Source (event_source) is crm; (2) mapping 2 (\\"Orders\\"): trigger \`event = \\"Order Completed\\" and\`: \\"and\\" must be followed by a condition, not the end"`
    )
  })

  it('prints the page URL with the admin key once, on one line of its own, and the key opens the page', async () => {
    const { child, url, stderr, exit } = await startCli({})
    await waitFor(() => stderr.some((line) => line.includes(' info settings page ')))
    const line = stderr.find((candidate) => candidate.includes(' info settings page '))!
    const pageUrl = JSON.parse(line.split(' url=')[1]) as string
    const key = new URL(pageUrl).searchParams.get('key')!
    expect(pageUrl).toBe(`${url}/?key=${key}`)
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect((await fetch(`${url}/deliveries`)).status).toBe(401)
    expect((await fetch(`${url}/deliveries`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200)
    const login = await fetch(pageUrl, { redirect: 'manual' })
    expect(login.status).toBe(303)
    child.kill('SIGTERM')
    await exit
    expect(stderr.filter((candidate) => candidate.includes(key))).toEqual([line])
  })

  it('does not print a key set with ADMIN_KEY', async () => {
    const { url, stderr } = await startCli({ ADMIN_KEY: 'my-own-admin-key-0001' })
    await waitFor(() => stderr.some((line) => line.includes(' info settings page ')))
    expect(stderr.join('\n')).toContain(` info settings page url="${url}/?key=<ADMIN_KEY>"`)
    expect(stderr.join('\n')).not.toContain('my-own-admin-key-0001')
  })

  it.each([
    [
      { TIKTOK_ACCESS_TOKEN: 'abc1234', TIKTOK_PIXEL_CODE: 'PIX' },
      'TIKTOK_ACCESS_TOKEN must be at least 8 characters (it has 7); paste the whole token from TikTok'
    ],
    [
      { HOST: '0.0.0.0' },
      'HOST 0.0.0.0 is not a loopback address: set SEGMENT_WRITE_KEY too, or anyone who reaches the port can send events'
    ]
  ])('refuses to start (exit 2) on %j, saying why', async (env, reason) => {
    const refused = startCli(env)
    await expect(refused).rejects.toThrow(`runtime exited with 2: `)
    await expect(refused).rejects.toThrow(`cannot start reason=${JSON.stringify(reason)}`)
    await expect(refused).rejects.not.toThrow('abc1234')
  })

  it('starts in dry-run without credentials and says so', async () => {
    const { stderr } = await startCli({ TIKTOK_ACCESS_TOKEN: '', TIKTOK_PIXEL_CODE: '' })
    await waitFor(() => stderr.some((line) => line.includes('nothing leaves this machine')))
    expect(stderr[0]).toMatch(/ listening url=http:\/\/127\.0\.0\.1:\d+ pid=\d+ mode=dry-run /)
  })
})
