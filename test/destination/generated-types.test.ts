import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

// The generator runs as its own process: json-schema-to-typescript formats with prettier 3, which
// jest's module sandbox cannot load.
describe('generated-types.ts files', () => {
  it('match the field definitions (run `npm run types` after changing a field)', () => {
    const root = join(__dirname, '..', '..')
    const result = spawnSync(join(root, 'node_modules/.bin/tsx'), ['scripts/types.ts', '--check'], {
      cwd: root,
      encoding: 'utf8'
    })
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe(
      [
        'unchanged src/destination/generated-types.ts',
        'unchanged src/destination/reportWebEvent/generated-types.ts',
        'unchanged src/destination/reportAppEvent/generated-types.ts',
        'unchanged src/destination/reportOfflineEvent/generated-types.ts',
        ''
      ].join('\n')
    )
    expect(result.status).toBe(0)
  })
})
