/**
 * The destination's actions as the runtime routes to them: which exist, the fields of each, and the
 * mapping a new mapping of each starts from (its field defaults, as in Segment).
 */
import type { InputField, JSONObject } from '@segment/actions-core'
import destination from '../../destination'
import { defaultMapping as appDefaults } from '../../destination/reportAppEvent/fields'
import { defaultMapping as offlineDefaults } from '../../destination/reportOfflineEvent/fields'
import { defaultMapping as webDefaults } from '../../destination/reportWebEvent/fields'

export const ACTIONS = ['reportWebEvent', 'reportAppEvent', 'reportOfflineEvent'] as const
export type ActionName = (typeof ACTIONS)[number]
/** The action of a mappings entry that names none. */
export const DEFAULT_ACTION: ActionName = 'reportWebEvent'

export const isAction = (name: unknown): name is ActionName => (ACTIONS as readonly unknown[]).includes(name)

/** The fields of an action, by key. */
export const fieldsOf = (action: ActionName) => destination.actions[action].fields as Record<string, InputField>

/** The title of an action ("Report App Event"). */
export const titleOf = (action: ActionName) => destination.actions[action].title

/** The mapping `mapping` is laid over: the action's defaults (for the web, see its defaultMapping). */
export function defaultsFor(action: ActionName, mapping: JSONObject): JSONObject {
  if (action === 'reportAppEvent') return appDefaults()
  if (action === 'reportOfflineEvent') return offlineDefaults()
  return webDefaults(mapping.event_spec_type)
}
