/** Text safe to put in HTML: nothing in it can become markup. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

/**
 * A field description: escaped text where `[label](https://…)` links and `code` spans of the
 * definition become links and code. Only http(s) links are kept.
 */
export function describe(markdown: string | undefined): string {
  const escaped = escapeHtml(markdown ?? '')
  return escaped
    .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, (_all, label: string, href: string) => {
      return `<a href="${href}" rel="noreferrer noopener" target="_blank">${label}</a>`
    })
    .replace(/`([^`]+)`/g, '<code>$1</code>')
}

/** JSON for a `<script type="application/json">` element: no `<` can close the element early. */
export const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c')
