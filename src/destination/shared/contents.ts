/** Contents and Content Type as TikTok receives them, for every action. Pure. */
import type { TikTokContent } from '../tiktok/types'
import { finite, list, text, withoutEmpty } from './values'

/**
 * The Contents items that have anything in them: price and quantity when finite numbers (a price of
 * 0 is a price), the texts trimmed.
 */
export function buildContents(contents: unknown): TikTokContent[] | undefined {
  const out: TikTokContent[] = []
  for (const item of list(contents)) {
    if (typeof item !== 'object' || item === null) continue
    const content = item as Record<string, unknown>
    const built = withoutEmpty<TikTokContent>({
      price: finite(content.price),
      quantity: finite(content.quantity),
      content_id: text(content.content_id),
      content_category: text(content.content_category),
      content_name: text(content.content_name),
      brand: text(content.brand)
    })
    if (built) out.push(built)
  }
  return out.length ? out : undefined
}

/** The values of Content Type TikTok knows. */
export const CONTENT_TYPES: ReadonlySet<string> = new Set(['product', 'product_group'])

/** Content Type, lowercased, when TikTok knows it; `product` (TikTok's default) otherwise. */
export function contentTypeOf(value: unknown): string {
  const given = text(value)?.toLowerCase()
  return given !== undefined && CONTENT_TYPES.has(given) ? given : 'product'
}

/** Content Type as sent: only with contents or content IDs, whose kind it says; without them it means nothing. */
export const sentContentType = (value: unknown, contents: unknown[] | undefined, ids: unknown[] | undefined) =>
  contents || ids ? contentTypeOf(value) : undefined
