/**
 * `DELETE /api/identities/<userId or anonymousId>` (admin key): identity memory forgets the person at
 * once: their userId and every device (anonymousId) seen with it. The answer
 * says how many records went; it never echoes the id. 401 without the key, 405 for another method.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ADMIN_KEY_NEEDED, hasAdminKey } from './admin-key'
import type { HttpHost } from './host'
import { ownHost, sendJson } from './io'

export const IDENTITIES_PATH = '/api/identities/'

export async function identitiesRoute(runtime: HttpHost, req: IncomingMessage, res: ServerResponse, pathname: string) {
  if (!ownHost(runtime, req.headers.host))
    return sendJson(res, 421, { message: 'This runtime only answers to its own address.' })
  if (req.method !== 'DELETE')
    return sendJson(res, 405, { message: `${IDENTITIES_PATH}<id> takes DELETE only.` }, { allow: 'DELETE' })
  if (!hasAdminKey(runtime, req))
    return sendJson(res, 401, { message: ADMIN_KEY_NEEDED }, { 'www-authenticate': 'Bearer' })
  // A browser on another site never gets here with the cookie: DELETE needs a preflight, which is not answered.
  const origin = req.headers.origin
  if (origin !== undefined && origin !== `http://${req.headers.host}`)
    return sendJson(res, 403, { message: 'Cross-origin requests are refused.' })
  let id: string
  try {
    id = decodeURIComponent(pathname.slice(IDENTITIES_PATH.length)).trim()
  } catch {
    return sendJson(res, 400, { message: 'The id in the path is not valid percent-encoding.' })
  }
  if (!id) return sendJson(res, 400, { message: `Name the person: DELETE ${IDENTITIES_PATH}<userId or anonymousId>.` })
  // Off, what an earlier run (or a runtime sharing Redis) kept is forgotten all the same.
  const forgotten = await runtime.identity.forget(id)
  runtime.log.info('identity forgotten', { records: forgotten })
  return sendJson(res, 200, { memory: runtime.identity.on ? 'on' : 'off', forgotten })
}
