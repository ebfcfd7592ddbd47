/**
 * The plugin keeps no state between calls at module level: a host (or the runtime's threads) may
 * load it once and run any number of destinations side by side. What would carry state: a `let` or
 * `var` at the top of a module, or a module-level Map or Set that is not typed read-only (the
 * compiler then refuses any set, add, delete or clear on it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'

const PLUGIN = join(__dirname, '..', '..', 'src', 'destination')
const COLLECTIONS = ['Map', 'Set', 'WeakMap', 'WeakSet']

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : name.endsWith('.ts') ? [path] : []
  })
}

/** The module-level declarations of a source text that could hold state, as `file: name (why)`. */
function stateful(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found: string[] = []
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue
    const list = statement.declarationList
    const constant = (list.flags & ts.NodeFlags.Const) !== 0
    for (const declaration of list.declarations) {
      const name = declaration.name.getText(source)
      if (!constant) found.push(`${file}: ${name} (${list.flags & ts.NodeFlags.Let ? 'let' : 'var'})`)
      const init = declaration.initializer
      const collection =
        init &&
        ts.isNewExpression(init) &&
        ts.isIdentifier(init.expression) &&
        COLLECTIONS.includes(init.expression.text)
      const type = declaration.type?.getText(source) ?? ''
      if (collection && !/^Readonly(Map|Set)\b/.test(type))
        found.push(`${file}: ${name} (a ${type || 'mutable'} collection)`)
    }
  }
  return found
}

describe('module-level state in the plugin', () => {
  it('has none: no let or var, every Map and Set read-only', () => {
    const found = files(PLUGIN).flatMap((path) => stateful(relative(PLUGIN, path), readFileSync(path, 'utf8')))
    expect(found).toEqual([])
  })

  it.each([
    ['let cache: string | undefined', 'x.ts: cache (let)'],
    ['export let base = ""', 'x.ts: base (let)'],
    ['var seen = 0', 'x.ts: seen (var)'],
    ['const cache = new Map<string, string>()', 'x.ts: cache (a mutable collection)'],
    ['const codes: Set<number> = new Set([1])', 'x.ts: codes (a Set<number> collection)']
  ])('finds %p', (text, expected) => {
    expect(stateful('x.ts', text)).toEqual([expected])
  })

  it.each([
    'const CODES: ReadonlySet<number> = new Set([1])',
    'function f() { let n = 0; const m = new Map(); return [n, m] }',
    'export const LIMIT = 3'
  ])('lets %p be', (text) => {
    expect(stateful('x.ts', text)).toEqual([])
  })
})
