import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import destination from '../src'

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8')
const plugin = readFileSync(join(__dirname, '..', 'docs', 'plugin.md'), 'utf8')

describe('README', () => {
  it('opens with the two commands: the main job and the tests', () => {
    const firstBlock = readme.split('```')[1]
    expect(firstBlock).toContain('npm ci && npm start')
    expect(firstBlock).toContain('npm ci && npm test')
  })
})

describe('docs/plugin.md', () => {
  it('lists every preset with its trigger', () => {
    for (const preset of destination.presets ?? []) {
      expect(plugin).toContain(`| ${preset.name} `)
      if ('subscribe' in preset) expect(plugin).toContain(`\`${preset.subscribe}\``)
    }
  })

  it('lists every field of Report Web Event with its key', () => {
    for (const [key, field] of Object.entries(destination.actions.reportWebEvent.fields)) {
      expect(plugin).toContain(`| ${field.label} `)
      expect(plugin).toContain(`\`${key}\``)
    }
  })
})
