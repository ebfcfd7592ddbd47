/**
 * The mappings saved on the page, without Redis: `mappings.json` in DATA_DIR, private (0600) and
 * replaced atomically, as the settings file is (settings-file.ts).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../ops/config'
import { privateDir } from './private-files'
import type { SavedMappings } from './saved-mappings'
import { writePrivateFile } from './settings-file'

export class MappingsFile implements SavedMappings {
  readonly where: string

  constructor(dataDir: string) {
    this.where = join(dataDir, 'mappings.json')
  }

  async load(): Promise<unknown[] | undefined> {
    let text: string
    try {
      text = readFileSync(this.where, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw new ConfigError(`${this.where}: cannot read the saved mappings (${(error as Error).message})`)
    }
    try {
      const list: unknown = JSON.parse(text)
      if (Array.isArray(list)) return list
    } catch {
      // said below
    }
    throw new ConfigError(
      `${this.where}: the saved mappings are not a JSON list; fix or delete the file (the runtime then starts with MAPPINGS or the presets)`
    )
  }

  async save(entries: unknown[]): Promise<void> {
    privateDir(join(this.where, '..'))
    writePrivateFile(this.where, JSON.stringify(entries, null, 2) + '\n')
  }
}
