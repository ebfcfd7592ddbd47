/**
 * The admin key, in the manner of Jupyter's token: the settings page, its API and GET /deliveries
 * answer only requests that carry it, in the page's cookie or as `Authorization: Bearer <key>`. It is
 * random at each start unless ADMIN_KEY is set, and the runtime prints the page's URL with it once, at
 * start. `GET /?key=…` trades the key for an HttpOnly, SameSite=Strict cookie and redirects to `/`, so
 * that the key leaves the address bar and the history. The Tracking API and /health do not need it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

export const ADMIN_KEY_NEEDED =
  'This needs the admin key: open the page with the URL the runtime printed at start (…/?key=…), or send Authorization: Bearer <key>.'

/** A new admin key, for a start without ADMIN_KEY: 256 random bits, URL-safe (43 characters). */
export const newAdminKey = () => randomBytes(32).toString('base64url')

/** What the admin key checks need of the runtime: its address (the cookie's port) and its key. */
type KeyHolder = { url: string; config: { adminKey: string } }

const digest = (text: string) => createHash('sha256').update(text).digest()

/** Compares in constant time; comparing digests hides the length too. */
export function sameKey(given: string | undefined, key: string): boolean {
  return given !== undefined && timingSafeEqual(digest(given), digest(key))
}

/** Browsers share cookies between the ports of a host: the port in the name keeps two runtimes apart. */
function adminCookieName(runtime: KeyHolder): string {
  return `tiktok_runtime_key_${new URL(runtime.url).port || '80'}`
}

/** The Set-Cookie value that logs the page in: a session cookie, never sent by another site. */
export function adminCookie(runtime: KeyHolder): string {
  return `${adminCookieName(runtime)}=${runtime.config.adminKey}; HttpOnly; SameSite=Strict; Path=/`
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=')
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim()
  }
  return undefined
}

/** Whether the request carries the admin key: `Authorization: Bearer <key>`, or the page's cookie. */
export function hasAdminKey(runtime: KeyHolder, req: IncomingMessage): boolean {
  const key = runtime.config.adminKey
  const bearer = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')?.[1]
  return sameKey(bearer, key) || sameKey(cookie(req, adminCookieName(runtime)), key)
}
