/**
 * The package as its users get it: `npm pack`, then `npm install <the tarball> @segment/actions-core`
 * in a clean project with default npm (no overrides, no lockfile of ours), then what they do with it:
 * load the definition in actions-core and deliver an Order Completed, import it from ESM, and run
 * the `tiktok-conversions` bin until it serves /health and delivers an event. TikTok is a loopback
 * stand-in (TIKTOK_API_URL). npm reads packages from its cache first (`--prefer-offline`): `npm ci`
 * of this repository has put everything the install needs there.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { startTikTokStandIn, type StandIn } from '../src/runtime/tools/standin'
import { sha } from './helpers'
import { orderCompleted, waitFor } from './runtime/helpers'

jest.setTimeout(240_000)

const ROOT = join(__dirname, '..')
/** npm's own environment variables of `npm test` would configure the npm run here: keep them out. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)))

const work = mkdtempSync(join(tmpdir(), 'tiktok-package-'))
const project = join(work, 'project')
let tarball = ''
let standIn: StandIn
const children: ChildProcess[] = []

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, env: ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/** `npm pack` of the working tree, in a copy, so that its build never races with tests reading dist/. */
function pack(): string {
  const copy = join(work, 'source')
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8'
  })
    .split('\0')
    .filter(Boolean)
  for (const file of files) {
    try {
      mkdirSync(dirname(join(copy, file)), { recursive: true })
      cpSync(join(ROOT, file), join(copy, file))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error // deleted, not yet committed
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'))
  const out = npm(['pack', '--json', '--pack-destination', work], copy)
  return join(work, JSON.parse(out)[0].filename)
}

beforeAll(async () => {
  tarball = pack()
  mkdirSync(project)
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'clean-project', version: '1.0.0', private: true })
  )
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, '@segment/actions-core'], project)
  standIn = await startTikTokStandIn()
})

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL')
  await standIn?.close()
  rmSync(work, { recursive: true, force: true })
})

const installed = (path: string) => join(project, 'node_modules', path)

describe('the packed package', () => {
  it('ships what users need and nothing else', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean)
    expect(listing).toEqual(expect.arrayContaining(['package/LICENSE', 'package/README.md', 'package/package.json']))
    expect(listing).toEqual(expect.arrayContaining(['package/dist/index.js', 'package/dist/cli.js']))
    expect(listing).toContain('package/dist/page/client.js')
    expect(listing).toContain('package/dist/page/page.css')
    // No tests, sources, source maps without their sources, or local state.
    expect(listing.filter((file) => /\.map$|^package\/(src|test|bench|scripts|docs)\/|\.runtime/.test(file))).toEqual(
      []
    )
    const manifest = JSON.parse(readFileSync(installed('tiktok-conversions-destination/package.json'), 'utf8'))
    expect(manifest.private).toBeUndefined()
    expect(manifest.license).toBe('MIT')
    expect(readFileSync(installed('tiktok-conversions-destination/LICENSE'), 'utf8')).toMatch(/^MIT License/)
    expect(manifest.bin).toEqual({ 'tiktok-conversions': 'dist/cli.js' })
  })

  it('is installed with the fast-uri npm resolves today, which has the schema-key bug', () => {
    const ajv = require.resolve('ajv/package.json', { paths: [installed('@segment/actions-core')] })
    const fastUri = require.resolve('fast-uri/package.json', { paths: [dirname(ajv)] })
    const version = JSON.parse(readFileSync(fastUri, 'utf8')).version as string
    // If this ever fails, npm resolves a fast-uri without the bug and the test below proves less.
    expect(version.localeCompare('3.1.6', undefined, { numeric: true })).toBeGreaterThanOrEqual(0)
  })

  it('loads in actions-core and delivers an Order Completed, from require() and from import', async () => {
    const script = `
      const { Destination } = require('@segment/actions-core')
      const tiktok = require('tiktok-conversions-destination')
      import('tiktok-conversions-destination').then(async ({ default: imported }) => {
        if (imported !== tiktok) throw new Error('import and require give different definitions')
        const subscriptions = tiktok.presets.filter((preset) => preset.name === 'Complete Payment')
        const results = await new Destination(tiktok).onEvent(${JSON.stringify(orderCompleted(1))},
          { accessToken: 'installed-token-1234', pixelCode: 'INSTALLEDPIXEL', subscriptions })
        console.log(JSON.stringify(results.map((result) => result.output)))
      }).catch((error) => { console.error(error); process.exit(1) })`
    const before = standIn.requests.length
    // Asynchronously: the stand-in answers from this process.
    const { stdout: out } = await promisify(execFile)(process.execPath, ['-e', script], {
      cwd: project,
      env: { ...ENV, TIKTOK_API_URL: standIn.url },
      encoding: 'utf8'
    })
    expect(JSON.parse(out)).toContain('Action Executed')
    const sent = standIn.requests.slice(before)
    expect(sent).toHaveLength(1)
    expect(sent[0].headers['access-token']).toBe('installed-token-1234')
    expect(sent[0].body).toMatchObject({ event_source: 'web', event_source_id: 'INSTALLEDPIXEL' })
    expect(sent[0].body.data[0]).toMatchObject({
      event: 'CompletePayment',
      event_id: 'msg-1',
      user: { email: [sha('buyer1@example.com')] },
      properties: { order_id: 'order-1', currency: 'USD', value: 21 }
    })
  })

  it('runs the actions-core script of docs/hosting.md as printed, as deliver.js and as deliver.mjs', async () => {
    const hosting = readFileSync(join(ROOT, 'docs', 'hosting.md'), 'utf8')
    const section = hosting.split('\n## Load it in actions-core\n')[1].split('\n## ')[0]
    const [script, esmHeader] = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1])
    const LOADED = "require('tiktok-conversions-destination')\n"
    const esm = esmHeader + script.slice(script.indexOf(LOADED) + LOADED.length)
    writeFileSync(join(project, 'deliver.js'), script)
    writeFileSync(join(project, 'deliver.mjs'), esm)
    for (const file of ['deliver.js', 'deliver.mjs']) {
      const before = standIn.requests.length
      const { stdout } = await promisify(execFile)(process.execPath, [file], {
        cwd: project,
        env: {
          ...ENV,
          TIKTOK_API_URL: standIn.url,
          TIKTOK_ACCESS_TOKEN: 'readme-token-1234',
          TIKTOK_PIXEL_CODE: 'READMEPIXEL'
        },
        encoding: 'utf8'
      })
      // What the comments of the script say it prints.
      expect([file, stdout]).toEqual([
        file,
        "[ 'Mappings resolved', 'Payload validated', 'Action Executed' ]\n[ 200, 200 ]\n"
      ])
      const sent = standIn.requests.slice(before)
      // The connection test, then one request for the event, then one for the batch of two.
      expect(sent.map((request) => request.body.data?.length ?? 0)).toEqual([expect.any(Number), 1, 2])
      for (const request of sent) expect(request.headers['access-token']).toBe('readme-token-1234')
      expect(sent[1].body.data[0]).toMatchObject({
        event: 'CompletePayment',
        event_id: 'order-1001',
        user: { email: [sha('ada@example.com')], ip: '203.0.113.7', user_agent: 'Mozilla/5.0' },
        properties: { order_id: '1001', currency: 'USD', value: 49.5 }
      })
      expect(sent[2].body.data.map((event) => event.event_id)).toEqual(['order-1002', 'order-1003'])
    }
  })

  it('runs its tiktok-conversions bin, which serves /health and delivers', async () => {
    const child = spawn('npx', ['--no', 'tiktok-conversions'], {
      cwd: project,
      env: {
        ...ENV,
        PORT: '0',
        TIKTOK_ACCESS_TOKEN: 'installed-token-1234',
        TIKTOK_PIXEL_CODE: 'BINPIXEL',
        TIKTOK_API_URL: standIn.url,
        FLUSH_INTERVAL_MS: '50'
      },
      stdio: ['ignore', 'ignore', 'pipe']
    })
    children.push(child)
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    await waitFor(() => / listening url=/.test(stderr), 60_000)
    const [, url, pid] = stderr.match(/ listening url=(\S+) pid=(\d+)/)!
    const health = await fetch(`${url}/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ mode: 'live' })

    const before = standIn.requests.length
    const accepted = await fetch(`${url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(orderCompleted(2))
    })
    expect(accepted.status).toBe(200)
    await waitFor(() => standIn.requests.length > before, 20_000)
    expect(standIn.requests[before].body).toMatchObject({ event_source_id: 'BINPIXEL' })
    expect(standIn.requests[before].body.data[0]).toMatchObject({ event: 'CompletePayment', event_id: 'msg-2' })

    // npx does not pass signals on: stop the runtime itself, as a process manager would; npx exits with its code.
    process.kill(Number(pid), 'SIGTERM')
    expect(await exited).toBe(0)
    expect(stderr).toMatch(/ info stopped received=1 delivered=1 /)
    expect(stderr).not.toContain('installed-token-1234')
  })
})
