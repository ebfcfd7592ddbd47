/**
 * The three floors and the one-way stairs: the page → the runtime → the plugin. The plugin folder
 * imports nothing but itself and what a destination of segmentio/action-destinations may import, so a
 * host can copy src/destination into its destinations folder as it is.
 */
import type { DestinationDefinition, JSONObject } from '@segment/actions-core'
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import type { Settings } from '../src/destination/generated-types'
import { mockTikTok, SETTINGS, sha } from './helpers'

const SRC = join(__dirname, '..', 'src')
const FLOORS = ['destination', 'runtime', 'page'] as const
type Floor = (typeof FLOORS)[number] | 'entry'
/** What each floor may import from, itself included. */
const MAY_IMPORT: Record<Floor, Floor[]> = {
  destination: ['destination'],
  runtime: ['runtime', 'destination'],
  page: ['page', 'runtime', 'destination'],
  entry: ['entry', 'page', 'runtime', 'destination']
}
/** The plugin's npm dependencies: actions-core and what its field logic needs. */
const PLUGIN_PACKAGES = ['@segment/actions-core', 'libphonenumber-js']

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : /\.(ts|js)$/.test(name) ? [path] : []
  })
}

const floorOf = (file: string): Floor => {
  const top = relative(SRC, file).split('/')[0]
  return (FLOORS as readonly string[]).includes(top) ? (top as Floor) : 'entry'
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/(?:from\s+|require\(|import\()\s*'([^']+)'/g)].map((match) => match[1])
}

const sources = files(SRC)

describe('the layout', () => {
  it('has the three floors', () => {
    for (const floor of FLOORS) expect(sources.some((file) => floorOf(file) === floor)).toBe(true)
  })

  it('imports only from its own floor or the floors below', () => {
    const upstairs: string[] = []
    for (const file of sources) {
      const floor = floorOf(file)
      for (const specifier of imports(file).filter((spec) => spec.startsWith('.'))) {
        const target = floorOf(resolve(dirname(file), specifier))
        if (!MAY_IMPORT[floor].includes(target))
          upstairs.push(`${relative(SRC, file)} imports ${specifier} (${target})`)
      }
    }
    expect(upstairs).toEqual([])
  })

  it('the plugin imports no npm package but actions-core and its field helpers', () => {
    const foreign: string[] = []
    for (const file of sources.filter((candidate) => floorOf(candidate) === 'destination')) {
      for (const specifier of imports(file).filter((spec) => !spec.startsWith('.') && !spec.startsWith('node:'))) {
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]
        if (!PLUGIN_PACKAGES.includes(name)) foreign.push(`${relative(SRC, file)} imports ${specifier}`)
      }
    }
    expect(foreign).toEqual([])
  })

  it('finds the imports it checks (a moved file cannot hide from this test)', () => {
    const all = sources.flatMap(imports)
    expect(all).toContain('@segment/actions-core')
    expect(all.filter((spec) => spec.startsWith('../destination')).length).toBeGreaterThan(5)
  })
})

/**
 * Inside the runtime, the same rule: each folder imports only the folders below it. The files directly
 * in src/runtime compose the parts and sit on top; tools (replays, the stand-in) use the HTTP surface
 * and the storage; the HTTP surface hands events to delivery; delivery asks identity memory what to add
 * to an event, routes with routing and keeps its state in storage; everything logs and reads its
 * configuration through ops.
 */
const RUNTIME = join(SRC, 'runtime')
const RUNTIME_FOLDERS = ['(root)', 'tools', 'http', 'delivery', 'identity', 'routing', 'storage', 'ops'] as const
const runtimeFolderOf = (file: string) => {
  const parts = relative(RUNTIME, file).split('/')
  return parts.length > 1 ? parts[0] : '(root)'
}

describe('the runtime floor', () => {
  const runtimeFiles = sources.filter((file) => !relative(RUNTIME, file).startsWith('..'))

  it('has only its named folders, and at most 8 files directly in src/runtime', () => {
    const folders = new Set(runtimeFiles.map(runtimeFolderOf))
    expect([...folders].sort()).toEqual([...RUNTIME_FOLDERS].sort())
    expect(runtimeFiles.filter((file) => runtimeFolderOf(file) === '(root)').length).toBeLessThanOrEqual(8)
  })

  it('imports only from its own folder or the folders below it', () => {
    const upward: string[] = []
    for (const file of runtimeFiles) {
      const folder = runtimeFolderOf(file)
      for (const specifier of imports(file).filter((spec) => spec.startsWith('.'))) {
        const target = resolve(dirname(file), specifier)
        if (relative(RUNTIME, target).startsWith('..')) continue
        const to = runtimeFolderOf(target)
        const rank = (name: string) => RUNTIME_FOLDERS.indexOf(name as (typeof RUNTIME_FOLDERS)[number])
        if (to !== folder && rank(to) < rank(folder)) upward.push(`${relative(SRC, file)} imports ${specifier} (${to})`)
      }
    }
    expect(upward).toEqual([])
  })
})

describe('the plugin folder copied into a host', () => {
  // What a host of segmentio/action-destinations' kind does: copy the folder into its destinations
  // folder, compile it with its own build, and load it with its own actions-core.
  it('loads and delivers from the copy, with nothing else of this repository beside it', async () => {
    const host = mkdtempSync(join(tmpdir(), 'tiktok-host-'))
    const copy = join(host, 'src', 'destinations', 'tiktok-conversions')
    cpSync(join(SRC, 'destination'), copy, { recursive: true })
    symlinkSync(join(__dirname, '..', 'node_modules'), join(host, 'node_modules'))
    try {
      const { captured } = mockTikTok()
      let loaded!: { definition: DestinationDefinition<Settings>; core: typeof import('@segment/actions-core') }
      jest.isolateModules(() => {
        loaded = { definition: require(copy).default, core: require('@segment/actions-core') }
      })
      const order = loaded.definition.presets?.find((preset) => preset.name === 'Complete Payment')
      await new loaded.core.Destination(loaded.definition).onEvent(
        {
          type: 'track',
          event: 'Order Completed',
          userId: 'u-9',
          properties: { email: 'Host@Example.com', revenue: 9 }
        },
        { ...SETTINGS, subscriptions: [order] } as unknown as JSONObject
      )
      expect(captured.bodies).toHaveLength(1)
      expect(captured.bodies[0].data[0]).toMatchObject({
        event: 'CompletePayment',
        user: { email: [sha('host@example.com')] }
      })
    } finally {
      rmSync(host, { recursive: true, force: true })
    }
  })
})
