/**
 * The mappings in force, replaced whole and at once (one assignment: a request is routed with the old
 * list or the new one, never a mix). At start: the list saved on the page when there is one, else the
 * MAPPINGS file, else the presets. A list saved on the page (PUT /api/mappings) is checked exactly as a
 * mappings file is (parseMappings), stored (DATA_DIR, or Redis for every runtime), then applied; a
 * refused one changes nothing.
 */
import { createHash } from 'node:crypto'
import type { Log } from '../ops/log'
import type { SavedMappings } from '../storage/saved-mappings'
import { mappingEntries, type MappingEntry } from './entries'
import { parseMappings, startingSubscriptions, type Subscription } from './subscriptions'

export interface Routing {
  subscriptions: Subscription[]
  /** "presets", the MAPPINGS file's path, or where the list saved on the page is kept. */
  source: string
}

/** What a source says of itself on the page and in logs. */
export const savedSource = (where: string) => `saved on the page (${where})`

/**
 * The mappings a runtime starts with: the list saved on the page wins over MAPPINGS (a page save is
 * the later, deliberate choice; the log says the file was not read), else MAPPINGS, else the presets.
 * Throws MappingsError when the list it takes is refused.
 */
export async function startingRouting(
  mappingsFile: string | undefined,
  saved: SavedMappings | undefined,
  log: Log
): Promise<Routing> {
  const list = await saved?.load()
  if (saved && list) {
    const source = savedSource(saved.where)
    const subscriptions = parseMappings(list, `the mappings ${source}`)
    if (mappingsFile) {
      log.warn('the mappings saved on the page are in force: MAPPINGS is not read', {
        mappings: mappingsFile,
        saved: saved.where,
        next_step: `to use ${mappingsFile} again, delete ${saved.where}`
      })
    }
    return { subscriptions, source }
  }
  return startingSubscriptions(mappingsFile)
}

/** A replace that named the version it was edited from, and the list in force has changed since. */
export class MappingsChangedError extends Error {
  constructor() {
    super('the mappings changed elsewhere since they were read')
  }
}

export class MappingsInForce {
  private changes: Promise<void> = Promise.resolve()

  constructor(
    private routing: Routing,
    private readonly saved: SavedMappings | undefined,
    private readonly log: Log
  ) {}

  get subscriptions(): Subscription[] {
    return this.routing.subscriptions
  }

  get source(): string {
    return this.routing.source
  }

  /** The list in force as a mappings file's entries. */
  entries(): MappingEntry[] {
    return mappingEntries(this.routing.subscriptions)
  }

  /** The list in force's version: a hash of its entries (equal lists, equal versions, on every runtime). */
  version(): string {
    return createHash('sha256').update(JSON.stringify(this.entries())).digest('hex').slice(0, 16)
  }

  /**
   * Replaces the mappings (one change at a time): throws MappingsChangedError when `from` is given and
   * is no longer the version in force, MappingsError when the list is refused (nothing changed either
   * way); stores it (rejects, nothing changed, when it cannot be stored), then applies it.
   */
  replace(entries: unknown, from?: string): Promise<void> {
    const done = this.changes.then(async () => {
      if (from !== undefined && from !== this.version()) throw new MappingsChangedError()
      const subscriptions = parseMappings(entries, 'mappings')
      const list = mappingEntries(subscriptions)
      await this.saved?.save(list)
      this.apply(subscriptions, 'mappings saved')
    })
    this.changes = done.catch(() => undefined)
    return done
  }

  /** A list saved by another runtime sharing it: applied here too (logged and left when refused). */
  applyShared(entries: unknown[]): void {
    let subscriptions: Subscription[]
    try {
      subscriptions = parseMappings(entries, 'mappings')
    } catch (error) {
      this.log.error('the mappings saved by another runtime are refused here; the ones in force stay', {
        reason: (error as Error).message
      })
      return
    }
    const same = JSON.stringify(mappingEntries(subscriptions)) === JSON.stringify(this.entries())
    if (!same) this.apply(subscriptions, 'mappings changed by another runtime')
    // The same list, saved now: nothing to apply, but it is the saved list that is in force (not the file or presets).
    else this.routing = { subscriptions: this.routing.subscriptions, source: this.savedSource() }
  }

  private savedSource() {
    return this.saved ? savedSource(this.saved.where) : 'saved on the page (in memory)'
  }

  private apply(subscriptions: Subscription[], message: string) {
    this.routing = { subscriptions, source: this.savedSource() }
    this.log.info(message, {
      mappings: subscriptions.length,
      enabled: subscriptions.filter((subscription) => subscription.enabled).length,
      source: this.routing.source
    })
  }
}
