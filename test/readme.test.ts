/**
 * The README and docs/ as a reader finds them: the README opens with the two commands and stays a
 * front door, the plugin's reference lists what the definition holds, the tour's event gives the body
 * the README shows, and no link or path of the documentation leads nowhere.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import destination from '../src'
import { post, startTestRuntime, waitFor } from './runtime/helpers'

const ROOT = join(__dirname, '..')
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8')

const readme = read('README.md')
const plugin = read('docs/plugin.md')
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`)

/** The text outside fenced code blocks. */
const prose = (text: string) => text.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '')

/** Inline code spans (`…`, ``…``) of a text without its fenced blocks. */
const CODE_SPAN = /(`+)([\s\S]*?[^`])\1(?!`)/g

/** The anchors of a Markdown file's headings, as GitHub makes them. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  for (const match of prose(text).matchAll(/^#{1,6}\s+(.+?)\s*$/gm)) {
    const base = match[1]
      .replace(/`/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    result.add(count ? `${base}-${count}` : base)
  }
  return result
}

/** Every relative link or image of a Markdown file, outside code. */
function relativeLinks(text: string): string[] {
  const withoutCode = prose(text).replace(CODE_SPAN, '')
  return [...withoutCode.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((match) => match[1])
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
}

describe('README', () => {
  it('opens with the two commands: the main job and the tests', () => {
    const firstBlock = readme.split('```')[1]
    expect(firstBlock).toContain('npm ci && npm start')
    expect(firstBlock).toContain('npm ci && npm test')
  })

  it('is a front door: at most 25 KB, the reference in docs/', () => {
    expect(Buffer.byteLength(readme, 'utf8')).toBeLessThanOrEqual(25_000)
  })

  it("gives the body it shows for the tour's event, sent to a dry-run runtime as printed", async () => {
    const [, path, body] = readme.match(/curl -XPOST \S+?(\/v1\/\w+) [^\n]*-d '([\s\S]*?)'\n/)!
    // The first JSON block after the command: the body the runtime prints.
    const shown = JSON.parse(readme.slice(readme.indexOf('curl -XPOST')).split('```json\n')[1].split('```')[0])
    const test = await startTestRuntime({ FLUSH_INTERVAL_MS: '50' })
    const answer = await post(`${test.runtime.url}${path}`, body)
    expect([answer.status, answer.json]).toEqual([200, { success: true }])
    await waitFor(() => test.printed.length > 0 && test.logs.some((line) => line.includes(' batch ')))
    // The time and the message ID the runtime made differ at each run; everything else is as shown.
    const [event] = shown.data
    expect(JSON.parse(test.printed[0])).toEqual({
      ...shown,
      data: [{ ...event, event_time: expect.any(Number), event_id: expect.stringMatching(/^api-[0-9a-f-]{36}$/) }]
    })
    // The log line the README quotes: printed, not delivered (TikTok was not asked).
    const quoted = readme.match(/`info (batch mapping="Complete Payment" events=1 printed=1) …`/)![1]
    expect(test.logs.join('\n')).toContain(`${quoted} attempt=1 `)
    expect(test.logs.join('\n')).not.toMatch(/ delivered=| status=200/)
  })
})

describe('docs/plugin.md', () => {
  it('lists every preset with its trigger', () => {
    for (const preset of destination.presets ?? []) {
      expect(plugin).toContain(`| ${preset.name} `)
      if ('subscribe' in preset) expect(plugin).toContain(`\`${preset.subscribe}\``)
    }
  })

  it.each(Object.keys(destination.actions))('lists every field of %s with its key', (action) => {
    for (const [key, field] of Object.entries(destination.actions[action].fields)) {
      expect(plugin).toContain(`| ${field.label} `)
      expect(plugin).toContain(`\`${key}\``)
    }
  })

  it('lists every setting with its key', () => {
    for (const [key, field] of Object.entries(destination.authentication?.fields ?? {})) {
      expect(plugin).toContain(`| ${field.label} `)
      expect(plugin).toContain(`\`${key}\``)
    }
  })
})

describe('the documentation', () => {
  it('has the pages the README links to', () => {
    expect(DOCS.length).toBeGreaterThan(5)
    for (const page of DOCS) expect(readme).toContain(`](${page})`)
  })

  it('links only to files and headings that exist', () => {
    const broken: string[] = []
    let links = 0
    for (const file of ['README.md', 'CHANGELOG.md', ...DOCS]) {
      for (const target of relativeLinks(read(file))) {
        links++
        const [path, anchor] = target.split('#')
        const resolved = path ? resolve(ROOT, dirname(file), decodeURIComponent(path)) : join(ROOT, file)
        if (relative(ROOT, resolved).startsWith('..') || !existsSync(resolved)) broken.push(`${file}: ${target}`)
        else if (anchor !== undefined && !anchors(readFileSync(resolved, 'utf8')).has(anchor))
          broken.push(`${file}: ${target} (no such heading)`)
      }
    }
    expect(broken).toEqual([])
    // The check found the links it checks.
    expect(links).toBeGreaterThan(50)
  })

  it('names only paths of this repository that exist', () => {
    /** Written by a command, not kept in git. */
    const WRITTEN = ['bench/results.json']
    const missing: string[] = []
    let paths = 0
    for (const file of ['README.md', ...DOCS]) {
      for (const [, , span] of prose(read(file)).matchAll(CODE_SPAN)) {
        const path = span.trim()
        if (!/^(src|test|bench|scripts|docs|\.ci)\/[\w./-]+$/.test(path)) continue
        paths++
        if (!existsSync(join(ROOT, path)) && !WRITTEN.includes(path)) missing.push(`${file}: ${path}`)
      }
    }
    expect(missing).toEqual([])
    expect(paths).toBeGreaterThan(10)
  })
})
