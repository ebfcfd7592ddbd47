/**
 * The mappings in force written back as a mappings file's entries (what GET /api/mappings lists, what
 * `tiktok-conversions mappings export` writes): each read by parseMappings gives the same mapping.
 */
import type { JSONObject } from '@segment/actions-core'
import type { ActionName } from './actions'
import type { SourceKind } from './sources'
import type { Subscription } from './subscriptions'

export interface MappingEntry {
  name: string
  enabled: boolean
  subscribe: string
  action: ActionName
  sources: SourceKind[]
  /** Every field of its action, as in force (its defaults included). */
  mapping: JSONObject
}

export const mappingEntries = (subscriptions: readonly Subscription[]): MappingEntry[] =>
  subscriptions.map(({ name, enabled, subscribe, action, sources, mapping }) => ({
    name,
    enabled,
    subscribe,
    action,
    sources: [...sources],
    mapping
  }))
