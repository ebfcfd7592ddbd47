/** Small helpers to write field defaults as actions-core mapping directives. */

export const path = (p: string) => ({ '@path': p })

/** The first of the given paths that exists in the event. */
export function firstOf(...paths: string[]): object {
  const [head, ...rest] = paths
  if (rest.length === 0) return path(head)
  return { '@if': { exists: path(head), then: path(head), else: firstOf(...rest) } }
}

/** `$.properties.<key>` else `$.context.traits.<key>`. */
export const fromPropertiesOrTraits = (key: string) => firstOf(`$.properties.${key}`, `$.context.traits.${key}`)
