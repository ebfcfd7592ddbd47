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

/**
 * `then` when the event has a value at `p`, else `otherwise`. (Not `@if` `blank`: it compares the
 * value with "" and throws on an object that cannot become a string, such as `{"toString": 1}`.)
 */
export const ifExists = (p: string, then: object, otherwise: object): object => ({
  '@if': { exists: path(p), then, else: otherwise }
})

/** Each element of the list at `p` (or the object at `p`, as a list of one) shaped by `item`. */
export const eachOf = (p: string, item: object) => ({ '@arrayPath': [p, item] })

/** `$.properties.<key>` for each key: the defaults of an object field whose sub-fields share the event's names. */
export const fromProperties = (keys: string[]): Record<string, object> =>
  Object.fromEntries(keys.map((key) => [key, path(`$.properties.${key}`)]))
