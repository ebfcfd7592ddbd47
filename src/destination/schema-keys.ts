/**
 * actions-core caches each action's JSON schema in its ajv under `<destination name>:<action title>`
 * ("Tiktok Conversions:Report Web Event"), and the settings' under `<destination name>:settings`.
 * ajv reads a key as a URI, and fast-uri 3.1.6 and later (4.x too) refuse "Tiktok Conversions" as a
 * URI scheme: every event of this destination then fails with `URI scheme is malformed.`. An npm
 * `overrides` pin cannot fix that for anyone who installs this package: overrides never reach an
 * installer, and a shrinkwrap does not reach actions-core's own dependencies.
 *
 * So the destination makes its own keys URI-safe: it wraps the `validateSchema` of actions-core's
 * public `schema-validation` entry (the very function actions-core calls for every payload and for
 * the settings) and percent-encodes the keys that start with this destination's name. The schemas,
 * the ajv instance, its options and its error messages stay actions-core's; keys of every other
 * destination pass through untouched. Idempotent: loading the definition twice wraps once.
 */
import type { validateSchema as ValidateSchema } from '@segment/actions-core'

type Validate = typeof ValidateSchema
type Options = Parameters<Validate>[2]

const WRAPPED = Symbol.for('tiktok-conversions.uri-safe-schema-keys')

interface Wrapped extends Validate {
  [WRAPPED]: Set<string>
}

/** The key ajv can read: percent-encoded, so no scheme, no space. Distinct keys stay distinct. */
const uriSafeKey = (key: string) => encodeURIComponent(key)

/** The module object whose `validateSchema` property actions-core looks up at every call. */
function schemaValidationModule(): { validateSchema: Validate } {
  return require('@segment/actions-core/schema-validation')
}

/**
 * Makes actions-core cache the schemas of the destination named `name` under URI-safe keys, in the
 * actions-core instance this module resolves (a host's own, since actions-core is a peer dependency).
 */
export function useUriSafeSchemaKeys(name: string): void {
  const validation = schemaValidationModule()
  const current = validation.validateSchema as Validate & Partial<Wrapped>
  if (current[WRAPPED]) {
    current[WRAPPED].add(name)
    return
  }
  const names = new Set([name])
  const ours = (key: string | undefined) => {
    if (key === undefined) return false
    for (const name of names) if (key.startsWith(`${name}:`)) return true
    return false
  }
  const wrapped = ((obj, schema, options?: Options) =>
    current(
      obj,
      schema,
      ours(options?.schemaKey) ? { ...options, schemaKey: uriSafeKey(options!.schemaKey!) } : options
    )) as Wrapped
  wrapped[WRAPPED] = names
  validation.validateSchema = wrapped
}
