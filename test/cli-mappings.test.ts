/**
 * `tiktok-conversions mappings export [--out FILE]`: the mappings in force written as a mappings file
 * that MAPPINGS reads back: the presets, else the MAPPINGS file, and the list saved on the page over both.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { loadMappingsFile, parseMappings } from '../src/runtime/routing/subscriptions'
import { mappingEntries } from '../src/runtime/routing/entries'

const ROOT = join(__dirname, '..')
const exportWith = (env: Record<string, string>, ...args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'mappings', 'export', ...args], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: '', MAPPINGS: '', ...env },
    timeout: 30_000
  })

const ONE = [{ name: 'Paid', subscribe: 'event = "Purchase Done"', mapping: { event: 'CompletePayment' } }]

describe('mappings export', () => {
  it('writes the presets as a mappings file MAPPINGS reads back, and says so on stderr', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'export-'))
    const { stdout, stderr } = await exportWith({ DATA_DIR: dataDir })
    const list = JSON.parse(stdout)
    expect(list.map((entry: { name: string }) => entry.name).slice(0, 5)).toEqual([
      'Download',
      'Add Payment Info',
      'Contact',
      'Initiate Checkout',
      'Complete Payment'
    ])
    expect(list.every((entry: { enabled: boolean }) => entry.enabled)).toBe(true)
    expect(stderr).toMatch(/ info mappings exported from=presets out=stdout/)
    const file = join(dataDir, 'presets.json')
    writeFileSync(file, stdout)
    expect(mappingEntries(loadMappingsFile(file))).toEqual(list)
  })

  it('writes the MAPPINGS file, and the list saved on the page over it, to --out', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'export-'))
    const file = join(dataDir, 'file.json')
    writeFileSync(file, JSON.stringify(ONE))
    const out = join(dataDir, 'out.json')
    await exportWith({ DATA_DIR: dataDir, MAPPINGS: file }, '--out', out)
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(mappingEntries(parseMappings(ONE)))

    const saved = [{ ...ONE[0], name: 'Saved on the page', enabled: false }]
    writeFileSync(join(dataDir, 'mappings.json'), JSON.stringify(saved))
    const { stderr } = await exportWith({ DATA_DIR: dataDir, MAPPINGS: file }, '--out', out)
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(mappingEntries(parseMappings(saved)))
    expect(stderr).toContain('the mappings saved on the page are in force: MAPPINGS is not read')
    expect(stderr).toContain(`from="saved on the page (${join(dataDir, 'mappings.json')})"`)
  })

  it('exits 1 naming the mapping when the saved list is refused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'export-'))
    writeFileSync(join(dataDir, 'mappings.json'), JSON.stringify([{ ...ONE[0], subscribe: 'event = "a" AND x' }]))
    await expect(exportWith({ DATA_DIR: dataDir })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('mapping 1 (\\"Paid\\"): trigger')
    })
  })
})
