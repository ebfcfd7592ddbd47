/** A share as the page shows it: whole percent, never 0 when one counted, never 100 when one did not. */
export function percent(count: number, total: number): number {
  if (total <= 0 || count <= 0) return 0
  if (count >= total) return 100
  return Math.min(99, Math.max(1, Math.round((count / total) * 100)))
}
