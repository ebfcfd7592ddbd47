/**
 * What the runtime sends where: the destination's presets, or the mappings of a mappings file, each a
 * trigger (FQL, matched with @segment/destination-subscriptions), the action it reports with, the kinds
 * of source it takes (sources.ts) and a mapping of that action's fields.
 */
import { fieldsToJsonSchema, transform, validateSchema } from '@segment/actions-core'
import type { InputField, JSONObject, SegmentEvent } from '@segment/actions-core'
import { parseFql, validate } from '@segment/destination-subscriptions'
import { readFileSync } from 'node:fs'
import destination from '../../destination'
import { ACTIONS, DEFAULT_ACTION, defaultsFor, fieldsOf, isAction, titleOf, type ActionName } from './actions'
import { defaultSources, isSourceKind, SOURCE_KINDS, type SourceKind } from './sources'
import { triggerProblem } from './trigger'

/** The product page: one destination instance supports at most 50 mappings. */
const MAX_MAPPINGS = 50
/** How the Segment `integrations` object names this destination. */
export const INTEGRATION_NAME = 'Tiktok Conversions'

export interface Subscription {
  name: string
  subscribe: string
  /** The action its events are reported with. */
  action: ActionName
  /** The kinds of source whose events it takes (see sources.ts). */
  sources: readonly SourceKind[]
  mapping: JSONObject
  /** Off, it is kept (listed, its queued deliveries still go) but takes no new event. */
  enabled: boolean
  matches(event: SegmentEvent): boolean
}

type Trigger = ReturnType<typeof parseFql>

/** The trigger as the matcher reads it, or what is wrong with it in words. */
function compile(subscribe: string): { fql: Trigger } | { problem: string } {
  const problem = triggerProblem(subscribe)
  const fql = problem ? undefined : parseFql(subscribe)
  if (fql && !('error' in fql && fql.error)) return { fql }
  return {
    problem: `trigger \`${subscribe}\`: ${problem ?? `cannot be read (${(fql as { error: Error }).error.message})`}`
  }
}

const subscription = (
  name: string,
  subscribe: string,
  fql: Trigger,
  action: ActionName,
  mapping: JSONObject,
  sources: readonly SourceKind[] = defaultSources(action, mapping),
  enabled = true
): Subscription => ({
  name,
  subscribe,
  action,
  sources,
  mapping,
  enabled,
  matches: (event) => validate(fql, event)
})

/** The presets of the destination (the web ones, then the app ones), as the runtime's default subscriptions. */
export function presetSubscriptions(): Subscription[] {
  return (destination.presets ?? []).flatMap((preset) => {
    if (preset.type !== 'automatic') return []
    const trigger = compile(preset.subscribe)
    if ('problem' in trigger) throw new Error(`preset ${preset.name}: ${trigger.problem}`)
    const action = isAction(preset.partnerAction) ? preset.partnerAction : DEFAULT_ACTION
    return [subscription(preset.name ?? preset.subscribe, preset.subscribe, trigger.fql, action, preset.mapping ?? {})]
  })
}

/** One problem of a list of mappings: which mapping (1-based; absent for the list as a whole), and what. */
export interface MappingProblem {
  mapping?: number
  name?: string
  problem: string
}

/**
 * A list of mappings refused (a mappings file the runtime cannot start with, a list saved on the page):
 * `problems` lists every one, each naming its mapping; `details` says the same by mapping.
 */
export class MappingsError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
    readonly details: MappingProblem[] = problems.map((problem) => ({ problem }))
  ) {
    super(
      problems.length === 1
        ? `${source}: ${problems[0]}`
        : `${source}: ${problems.length} problems: ${problems.map((problem, i) => `(${i + 1}) ${problem}`).join('; ')}`
    )
  }
}

/** The subscriptions a runtime starts with: the mappings file's when there is one, else the presets. */
export function startingSubscriptions(mappingsFile: string | undefined): {
  subscriptions: Subscription[]
  source: string
} {
  return mappingsFile
    ? { subscriptions: loadMappingsFile(mappingsFile), source: mappingsFile }
    : { subscriptions: presetSubscriptions(), source: 'presets' }
}

/**
 * Reads a mappings file: a JSON list of `{ name, subscribe, action?, sources?, mapping }` (at most 50),
 * checked whole by parseMappings.
 */
export function loadMappingsFile(path: string): Subscription[] {
  let entries: unknown
  try {
    entries = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new MappingsError(`MAPPINGS ${path}`, [`cannot read it as JSON (${(error as Error).message})`])
  }
  return parseMappings(entries, `MAPPINGS ${path}`)
}

/**
 * A list of `{ name, subscribe, action?, sources?, enabled?, mapping }` as subscriptions (the one check
 * of a mappings file and of a list saved on the page or PUT /api/mappings). `enabled` is true unless
 * false: a mapping turned off is kept but takes no event. `action` is
 * reportWebEvent (the default), reportAppEvent or reportOfflineEvent; `sources` the kinds of source
 * whose events it takes (`web`, `app`; by default its action's, see defaultSources). Each mapping is
 * laid over its action's defaults, as a new mapping starts in Segment, and checked before anything
 * starts: its trigger, its fields, its mapping directives, every literal value against the action's
 * schema as actions-core checks it, and the fields it requires (Event Name; CRM Event Set ID when
 * Event Source is crm…). Every problem of every mapping is reported at once, in a MappingsError.
 */
export function parseMappings(entries: unknown, source = 'mappings'): Subscription[] {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new MappingsError(source, ['expected a non-empty JSON list of { name, subscribe, mapping }'])
  }
  const details: MappingProblem[] = []
  if (entries.length > MAX_MAPPINGS) {
    details.push({ problem: `${entries.length} mappings; one destination supports at most ${MAX_MAPPINGS}` })
  }
  const names = new Set<string>()
  const subscriptions = entries.flatMap((entry, index) => {
    const found: string[] = []
    const made = parseEntry(entry, names, found)
    const given = (entry as { name?: unknown } | null)?.name
    const name = typeof given === 'string' && given.trim() ? given : undefined
    details.push(...found.map((problem) => ({ mapping: index + 1, name, problem })))
    return made ? [made] : []
  })
  if (details.length) {
    const problems = details.map(({ mapping, name, problem }) =>
      mapping === undefined ? problem : `mapping ${mapping}${name ? ` ("${name}")` : ''}: ${problem}`
    )
    throw new MappingsError(source, problems, details)
  }
  return subscriptions
}

/** One entry as a subscription, or undefined with its problems added to `problems`. */
function parseEntry(entry: unknown, names: Set<string>, problems: string[]): Subscription | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    problems.push('expected an object { name, subscribe, mapping }')
    return undefined
  }
  const { name, subscribe, mapping, action: named, sources: kinds, enabled } = entry as Record<string, unknown>
  if (enabled !== undefined && typeof enabled !== 'boolean') {
    problems.push(`"enabled" must be true or false; got ${JSON.stringify(enabled)}`)
  }
  if (typeof name !== 'string' || !name.trim()) problems.push('"name" must be a non-empty string')
  else if (names.has(name)) problems.push(`the name "${name}" is used twice`)
  else names.add(name)
  const trigger = typeof subscribe === 'string' && subscribe.trim() ? compile(subscribe) : undefined
  if (!trigger) problems.push('"subscribe" must be an FQL trigger such as event = "Order Completed"')
  else if ('problem' in trigger) problems.push(trigger.problem)
  const action = named === undefined ? DEFAULT_ACTION : named
  if (!isAction(action)) {
    problems.push(`"action" must be one of ${ACTIONS.join(', ')}; got ${JSON.stringify(named)}`)
    return undefined
  }
  const sources = sourcesOf(kinds, problems)
  if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping)) {
    problems.push(`"mapping" must be an object of ${titleOf(action)} fields`)
    return undefined
  }
  const full = { ...defaultsFor(action, mapping as JSONObject), ...(mapping as JSONObject) }
  problems.push(...mappingProblems(action, mapping as JSONObject, full))
  if (problems.length || !trigger || 'problem' in trigger) return undefined
  return subscription(name as string, subscribe as string, trigger.fql, action, full, sources, enabled !== false)
}

/** An entry's `sources`: undefined (its action's default), or a non-empty list of kinds, each once. */
function sourcesOf(kinds: unknown, problems: string[]): SourceKind[] | undefined {
  if (kinds === undefined) return undefined
  const unique = Array.isArray(kinds) ? new Set(kinds) : undefined
  if (!unique || unique.size === 0 || unique.size !== (kinds as unknown[]).length || ![...unique].every(isSourceKind)) {
    problems.push(
      `"sources" must be a list of ${SOURCE_KINDS.join(' and ')}, each at most once, such as ["web", "app"]`
    )
    return undefined
  }
  return [...unique] as SourceKind[]
}

type Schema = ReturnType<typeof fieldsToJsonSchema>

/** A schema without what it requires, its object fields' sub-fields included. */
function withoutRequired(schema: Record<string, unknown>): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { required, allOf, ...rest } = schema
  const properties = rest.properties as Record<string, Record<string, unknown>> | undefined
  if (properties) {
    rest.properties = Object.fromEntries(Object.entries(properties).map(([key, sub]) => [key, withoutRequired(sub)]))
  }
  const items = rest.items as Record<string, unknown> | undefined
  if (items && typeof items === 'object' && !Array.isArray(items)) rest.items = withoutRequired(items)
  return rest
}

/** Each action's schema as actions-core builds it, less what it requires: requiredProblems says that in words. */
const literalSchemas = new Map<ActionName, Schema>()
function schemaOfValues(action: ActionName): Schema {
  let literalSchema = literalSchemas.get(action)
  if (!literalSchema) {
    literalSchema = withoutRequired(fieldsToJsonSchema(fieldsOf(action)) as Record<string, unknown>) as Schema
    literalSchemas.set(action, literalSchema)
  }
  return literalSchema
}

/** `/contents/0/price` → `contents[0].price`. */
const dotted = (pointer: string) =>
  pointer
    .split('/')
    .filter(Boolean)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i ? `.${part}` : part))
    .join('')

/** What is wrong with a mapping of `action` (`mapping` as written, `full` over the defaults), in words. */
function mappingProblems(action: ActionName, mapping: JSONObject, full: JSONObject): string[] {
  const fields = fieldsOf(action)
  const problems: string[] = []
  const unknown = Object.keys(mapping).filter((key) => !(key in fields))
  if (unknown.length) {
    const of = action === DEFAULT_ACTION ? '' : ` of ${titleOf(action)}`
    problems.push(`unknown field(s) ${unknown.join(', ')}${of}; see the field table in docs/plugin.md`)
  }
  // Each field resolved on an empty event: its directives give nothing, what is written stays.
  const written: JSONObject = {}
  for (const [key, value] of Object.entries(full)) {
    if (!(key in fields)) continue
    try {
      Object.assign(written, transform({ [key]: value }, {}))
    } catch (error) {
      const errors = Symbol.iterator in (error as object) ? [...(error as Iterable<Error>)] : [error as Error]
      // Any other error comes from a directive that only resolves on a real event: checked there.
      if (!errors.every((e) => e.name === 'ValidationError')) continue
      for (const { message } of errors)
        problems.push(message.replace(/^\/(\S*)/, (_, at: string) => `"${at.replace(/\//g, '.')}"`))
    }
  }
  try {
    validateSchema(written, schemaOfValues(action))
  } catch (error) {
    const { errors } = error as { errors?: { pointer: string; message: string }[] }
    if (!errors) throw error
    for (const { pointer, message } of errors) problems.push(pointer ? `"${dotted(pointer)}": ${message}` : message)
  }
  problems.push(...requiredProblems(fields, full))
  return problems
}

const isEmpty = (value: unknown) => value === undefined || value === null || value === ''
/** An object written in a mapping, not a mapping directive (whose keys start with @). */
const isWrittenObject = (value: unknown): value is JSONObject =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !Object.keys(value).some((key) => key.startsWith('@'))

/** The sub-fields an object field written in the mapping lacks (`App Information` without its Mobile App ID). */
function requiredSubFields(key: string, field: InputField, value: unknown): string[] {
  if (!field.properties || !isWrittenObject(value)) return []
  return Object.entries(field.properties)
    .filter(([sub, subField]) => subField.required === true && isEmpty(value[sub]))
    .map(([sub, subField]) => `${subField.label} (${key}.${sub}) is required`)
}

/**
 * The fields a mapping lacks: those always required (and the sub-fields they require), and those
 * required when other fields have a given value (when those are written in the mapping; a directive
 * is only known on a real event).
 */
function requiredProblems(fields: Record<string, InputField>, full: JSONObject): string[] {
  const labelOf = (key: string) => `${fields[key]?.label ?? key} (${key})`
  const problems: string[] = []
  for (const [key, field] of Object.entries(fields)) {
    problems.push(...requiredSubFields(key, field, full[key]))
    if (!isEmpty(full[key]) || !field.required) continue
    if (field.required === true) {
      problems.push(`${labelOf(key)} is required`)
      continue
    }
    const { conditions, match = 'all' } = field.required
    const holds = conditions.map((condition) => {
      if (!('fieldKey' in condition) || condition.fieldKey.includes('.')) return false
      const value = full[condition.fieldKey]
      if (typeof value === 'object' && value !== null) return false // a directive
      return condition.operator === 'is' ? value === condition.value : value !== condition.value
    })
    if (match === 'any' ? holds.some(Boolean) : holds.every(Boolean)) {
      const when = conditions
        .map((c) =>
          'fieldKey' in c ? `${labelOf(c.fieldKey)} ${c.operator === 'is' ? 'is' : 'is not'} ${String(c.value)}` : ''
        )
        .join(match === 'any' ? ' or ' : ' and ')
      problems.push(`${labelOf(key)} is required when ${when}`)
    }
  }
  return problems
}

/**
 * The Segment `integrations` object: an event is skipped when it turns this destination off
 * (`"Tiktok Conversions": false`), or turns everything off (`All: false`) without turning it on. The
 * key is matched without regard to case: Segment's docs write "Tiktok Conversions", the ttclid and
 * ttp defaults read "TikTok Conversions".
 */
export function integrationEnabled(event: SegmentEvent): boolean {
  const integrations = event.integrations as Record<string, unknown> | undefined
  if (!integrations || typeof integrations !== 'object') return true
  const key = Object.keys(integrations).find((name) => name.toLowerCase() === INTEGRATION_NAME.toLowerCase())
  const own = key === undefined ? undefined : integrations[key]
  if (own === false) return false
  if (integrations.All === false) return own === true || (typeof own === 'object' && own !== null)
  return true
}
