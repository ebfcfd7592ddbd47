/**
 * GET and PUT /api/mappings: the mappings in force in the mappings file's format, each with `enabled`;
 * a list PUT replaces them all, checked as a mappings file is (parseMappings). A refused list is
 * answered 400 with every problem, each with the number and name of its mapping, and changes nothing.
 */
import type { Runtime } from '../runtime'
import { MappingsChangedError } from '../runtime/routing/in-force'
import { MappingsError } from '../runtime/routing/subscriptions'

/** What the page needs to edit the list: the mappings in force and where they come from. */
export function mappingsAnswer(runtime: Runtime) {
  return {
    source: runtime.subscriptionSource,
    /** Sent back with a PUT, it refuses the save (409) if the list changed meanwhile. */
    version: runtime.mappings.version(),
    mappings: runtime.mappings.entries()
  }
}

/**
 * PUT /api/mappings with `{ mappings: [...], version? }` or the list itself. With `version` (as GET
 * gave it), a list edited from an older version is refused with 409: a stale page does not silently
 * overwrite a newer save. Without it (an API user's PUT), the list replaces whatever is in force.
 */
export async function replaceMappings(runtime: Runtime, body: unknown): Promise<[number, unknown]> {
  const wrapped = Array.isArray(body) ? undefined : (body as { mappings?: unknown; version?: unknown } | null)
  const list = wrapped ? wrapped.mappings : body
  const version = wrapped?.version
  if (version !== undefined && typeof version !== 'string') {
    return [400, { message: 'Not saved: "version" must be the text GET /api/mappings gave, or left out.' }]
  }
  try {
    await runtime.mappings.replace(list, version)
  } catch (error) {
    if (error instanceof MappingsChangedError) {
      return [
        409,
        {
          message:
            'Not saved: the mappings changed elsewhere since this list was read: reload to edit the ones in force.',
          version: runtime.mappings.version()
        }
      ]
    }
    if (!(error instanceof MappingsError)) {
      runtime.log.error('the mappings could not be stored', { reason: (error as Error).message })
      return [
        503,
        { message: 'Not saved: the mappings could not be stored; the mappings in force did not change. Try again.' }
      ]
    }
    return [
      400,
      {
        message: `Not saved: ${error.problems.length === 1 ? 'one problem' : `${error.problems.length} problems`}; the mappings in force did not change.`,
        problems: error.details.map(({ mapping, name, problem }) => ({
          mapping,
          name,
          problem,
          message: mapping === undefined ? problem : `mapping ${mapping}${name ? ` ("${name}")` : ''}: ${problem}`
        }))
      }
    ]
  }
  const enabled = runtime.subscriptions.filter((subscription) => subscription.enabled).length
  return [
    200,
    {
      ...mappingsAnswer(runtime),
      message: `Saved: ${runtime.subscriptions.length} mappings, ${enabled} on. They apply now.`
    }
  ]
}
