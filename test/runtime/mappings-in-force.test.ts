/**
 * MappingsInForce on fakes: a list is checked, then stored, then applied; a refused or unstorable list
 * changes nothing; a list another runtime saved is applied unless refused here. And which list a
 * runtime starts with: the saved one over MAPPINGS (logged), else MAPPINGS, else the presets.
 */
import { writeFileSync } from 'node:fs'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { routeOf } from '../../src/runtime/routing/route'
import { MappingsChangedError, MappingsInForce, startingRouting } from '../../src/runtime/routing/in-force'
import { MappingsError, presetSubscriptions } from '../../src/runtime/routing/subscriptions'
import type { SavedMappings } from '../../src/runtime/storage/saved-mappings'
import { FakeLog } from './delivery/fakes'

class FakeSaved implements SavedMappings {
  readonly where = 'the fake'
  saved?: unknown[]
  failing = false
  async load() {
    return this.saved
  }
  async save(entries: unknown[]) {
    if (this.failing) throw new Error('disk full')
    this.saved = entries
  }
}

const LIST = [
  { name: 'Paid', subscribe: 'event = "Purchase Done"', mapping: { event: 'CompletePayment' } },
  { name: 'Views', subscribe: 'type = "page"', enabled: false, mapping: { event: 'PageView' } }
]
const routed = (inForce: MappingsInForce, event: object) =>
  routeOf(inForce.subscriptions, { type: 'track', ...event } as never, false).map((s) => s.name)

describe('the mappings in force', () => {
  it('are replaced by a checked list, stored first; one turned off routes nothing', async () => {
    const saved = new FakeSaved()
    const log = new FakeLog()
    const inForce = new MappingsInForce({ subscriptions: presetSubscriptions(), source: 'presets' }, saved, log)
    expect(routed(inForce, { type: 'page' })).toEqual(['Page View'])
    await inForce.replace(LIST)
    expect(routed(inForce, { event: 'Purchase Done' })).toEqual(['Paid'])
    expect(routed(inForce, { type: 'page' })).toEqual([])
    expect(inForce.source).toBe('saved on the page (the fake)')
    expect(saved.saved).toEqual(inForce.entries())
    expect(inForce.entries()[1]).toMatchObject({ name: 'Views', enabled: false, sources: ['web'] })
    expect(log.lines).toEqual([
      {
        level: 'info',
        message: 'mappings saved',
        fields: { mappings: 2, enabled: 1, source: 'saved on the page (the fake)' }
      }
    ])
  })

  it('stay as they were when the list is refused, or cannot be stored', async () => {
    const saved = new FakeSaved()
    const inForce = new MappingsInForce(
      { subscriptions: presetSubscriptions(), source: 'presets' },
      saved,
      new FakeLog()
    )
    const before = inForce.subscriptions
    await expect(inForce.replace([{ ...LIST[0], subscribe: 'event = "a" AND type = "track"' }])).rejects.toThrow(
      MappingsError
    )
    saved.failing = true
    await expect(inForce.replace(LIST)).rejects.toThrow('disk full')
    expect(inForce.subscriptions).toBe(before)
    expect(inForce.source).toBe('presets')
    expect(saved.saved).toBeUndefined()
  })

  it('take what another runtime saved, unless it is refused here', () => {
    const log = new FakeLog()
    const inForce = new MappingsInForce(
      { subscriptions: presetSubscriptions(), source: 'presets' },
      new FakeSaved(),
      log
    )
    inForce.applyShared([{ name: 'Bad', subscribe: 'event =', mapping: {} }])
    expect(inForce.source).toBe('presets')
    expect(log.lines[0]).toMatchObject({
      level: 'error',
      message: 'the mappings saved by another runtime are refused here; the ones in force stay'
    })
    inForce.applyShared(LIST)
    expect(routed(inForce, { event: 'Purchase Done' })).toEqual(['Paid'])
    expect(log.lines[1]).toMatchObject({ level: 'info', message: 'mappings changed by another runtime' })
    inForce.applyShared(LIST)
    expect(log.lines).toHaveLength(2) // the same list again: nothing to apply
  })

  it('refuse a replace edited from a version no longer in force, even two sent at once', async () => {
    const saved = new FakeSaved()
    const inForce = new MappingsInForce(
      { subscriptions: presetSubscriptions(), source: 'presets' },
      saved,
      new FakeLog()
    )
    const from = inForce.version()
    const other = LIST.map((entry) => ({ ...entry, enabled: false }))
    const [first, second] = await Promise.allSettled([inForce.replace(LIST, from), inForce.replace(other, from)])
    expect(first.status).toBe('fulfilled')
    expect(second).toMatchObject({ status: 'rejected', reason: expect.any(MappingsChangedError) })
    expect(inForce.subscriptions.map((s) => s.enabled)).toEqual([true, false])
    expect(inForce.version()).not.toBe(from)
    await inForce.replace(other) // no version: replaces whatever is in force
    expect(inForce.subscriptions.map((s) => s.enabled)).toEqual([false, false])
  })

  it('say they are the saved list when another runtime saves a list equal to the one in force', () => {
    const log = new FakeLog()
    const presets = new MappingsInForce(
      { subscriptions: presetSubscriptions(), source: 'presets' },
      new FakeSaved(),
      log
    )
    const before = presets.subscriptions
    presets.applyShared(presets.entries())
    expect(presets.source).toBe('saved on the page (the fake)')
    expect(presets.subscriptions).toBe(before)
    expect(log.lines).toEqual([])
  })

  it('start with the saved list over MAPPINGS, else MAPPINGS, else the presets', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'in-force-')), 'm.json')
    writeFileSync(
      file,
      JSON.stringify([{ name: 'From the file', subscribe: 'event = "X"', mapping: { event: 'Contact' } }])
    )
    const saved = new FakeSaved()
    const log = new FakeLog()
    expect((await startingRouting(undefined, saved, log)).source).toBe('presets')
    const fromFile = await startingRouting(file, saved, log)
    expect([fromFile.source, fromFile.subscriptions.map((s) => s.name)]).toEqual([file, ['From the file']])
    saved.saved = LIST
    const fromPage = await startingRouting(file, saved, log)
    expect([fromPage.source, fromPage.subscriptions.map((s) => s.name)]).toEqual([
      'saved on the page (the fake)',
      ['Paid', 'Views']
    ])
    expect(log.lines).toEqual([
      {
        level: 'warn',
        message: 'the mappings saved on the page are in force: MAPPINGS is not read',
        fields: { mappings: file, saved: 'the fake', next_step: `to use ${file} again, delete the fake` }
      }
    ])
    saved.saved = [{ name: 'x' }]
    await expect(startingRouting(undefined, saved, log)).rejects.toThrow(
      /^the mappings saved on the page \(the fake\): 2 problems: \(1\) mapping 1 \("x"\)/
    )
  })
})
