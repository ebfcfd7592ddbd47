/**
 * GET and PUT /api/mappings: the mappings in force in the mappings file's format, each with `enabled`;
 * a list PUT replaces them all, checked as a mappings file is (parseMappings). A refused list is
 * answered 400 with every problem, each with the number and name of its mapping, and changes nothing.
 */
import type { Runtime } from '../runtime'
import { MappingsError } from '../runtime/routing/subscriptions'

/** What the page needs to edit the list: the mappings in force and where they come from. */
export function mappingsAnswer(runtime: Runtime) {
  return { source: runtime.subscriptionSource, mappings: runtime.mappings.entries() }
}

/** PUT /api/mappings with `{ mappings: [...] }` or the list itself. */
export async function replaceMappings(runtime: Runtime, body: unknown): Promise<[number, unknown]> {
  const list = Array.isArray(body) ? body : (body as { mappings?: unknown } | null)?.mappings
  try {
    await runtime.mappings.replace(list)
  } catch (error) {
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
