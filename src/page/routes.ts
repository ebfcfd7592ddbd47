/**
 * The page's HTTP routes: GET / and its two assets, and the /api/ calls the page makes. Requests must
 * name this runtime as their Host (no DNS rebinding); the page and every /api/ call need the admin key
 * (`GET /?key=…` sets it as a cookie, see runtime/admin.ts), else 401; state-changing calls (POST, and
 * PUT /api/mappings) must come from the page's own origin: no CORS here, and a cross-origin one is
 * refused with 403.
 */
import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { MIN_ACCESS_TOKEN_LENGTH } from '../destination/tiktok/api'
import type { Route, Runtime } from '../runtime'
import { ADMIN_KEY_NEEDED, adminCookie, hasAdminKey, sameKey } from '../runtime/http/admin-key'
import { ownHost, readBodyBytes, sendJson } from '../runtime/http/io'
import { mappingsAnswer, replaceMappings } from './mappings-api'
import { matchKeysAnswer } from './match-keys-panel'
import { renderKeyPage, renderPage } from './page'
import { preview, sendTestEvent, testConnection } from './preview'
import { privacyState, savePrivacy } from './privacy'

const asset = (name: string) => readFileSync(join(__dirname, name), 'utf8')
const ASSETS: Record<string, { type: string; body: string }> = {
  '/assets/client.js': { type: 'text/javascript; charset=utf-8', body: asset('client.js') },
  '/assets/mapping-fields.js': { type: 'text/javascript; charset=utf-8', body: asset('mapping-fields.js') },
  '/assets/mappings-editor.js': { type: 'text/javascript; charset=utf-8', body: asset('mappings-editor.js') },
  '/assets/page.css': { type: 'text/css; charset=utf-8', body: asset('page.css') }
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store'
}

/** A POST from the page itself: same origin, or no browser origin at all (curl). */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin
  if (origin !== undefined) return origin === `http://${req.headers.host}`
  const site = req.headers['sec-fetch-site']
  return site === undefined || site === 'same-origin' || site === 'none'
}

/** The largest body the page's API reads (a list of mappings is the largest it takes). */
const PAGE_BODY_LIMIT = 1024 * 1024

/** A page API body past PAGE_BODY_LIMIT: answered 413, with the limit. */
class BodyTooLargeError extends Error {}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const bytes = await readBodyBytes(req, PAGE_BODY_LIMIT, () => new BodyTooLargeError())
  const text = bytes.toString('utf8')
  const body = JSON.parse(text || '{}')
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? body : { list: body }
}

function state(runtime: Runtime) {
  return {
    mode: runtime.mode(),
    pixelCode: runtime.settings.pixelCode ?? '',
    appID: runtime.settings.appID ?? '',
    offlineEventSetID: runtime.settings.offlineEventSetID ?? '',
    accessTokenSet: Boolean(runtime.settings.accessToken),
    appEvents: runtime.appEventsRoute(),
    ...privacyState(runtime)
  }
}

/** A setting as typed: trimmed text, undefined (cleared) when empty or not text. */
const typed = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined)

/** What the page reads: the runtime's state, and what TikTok can match per mapping (counts only). */
const GET_API: Record<string, (runtime: Runtime) => unknown> = {
  '/api/state': state,
  '/api/match-keys': matchKeysAnswer,
  '/api/mappings': mappingsAnswer
}

type Handler = (runtime: Runtime, body: Record<string, unknown>) => Promise<[number, unknown]> | [number, unknown]

/** What the page replaces whole (PUT). */
const PUT_API: Record<string, Handler> = {
  '/api/mappings': (runtime, body) => replaceMappings(runtime, 'list' in body ? body.list : body)
}

const API: Record<string, Handler> = {
  '/api/settings': async (runtime, body) => {
    const pixelCode = typeof body.pixelCode === 'string' ? body.pixelCode.trim() : ''
    const accessToken = typeof body.accessToken === 'string' ? body.accessToken.trim() : ''
    if (!pixelCode) return [400, { field: 'pixelCode', message: 'Pixel Code is required.' }]
    if (!accessToken && !runtime.settings.accessToken) {
      return [400, { field: 'accessToken', message: 'Access Token is required.' }]
    }
    if (accessToken && accessToken.length < MIN_ACCESS_TOKEN_LENGTH) {
      return [
        400,
        {
          field: 'accessToken',
          message: `Access Token must be at least ${MIN_ACCESS_TOKEN_LENGTH} characters: paste the whole token from TikTok.`
        }
      ]
    }
    // App ID and offline event set are optional: an empty one clears it (app events then go to the Pixel).
    const ids = { pixelCode, appID: typed(body.appID), offlineEventSetID: typed(body.offlineEventSetID) }
    await runtime.updateSettings(accessToken ? { accessToken, ...ids } : ids)
    return [
      200,
      { ...state(runtime), message: `Saved. ${runtime.mode() === 'live' ? 'Events now go to TikTok.' : ''}`.trim() }
    ]
  },
  '/api/privacy': savePrivacy,
  '/api/test-connection': async (runtime) => [200, await testConnection(runtime)],
  '/api/preview': async (runtime, body) => [200, await preview(runtime, String(body.event ?? ''))],
  '/api/send-test': async (runtime, body) => {
    const result = await sendTestEvent(runtime, String(body.event ?? ''), String(body.testEventCode ?? ''))
    return typeof result === 'string' ? [400, { message: result }] : [200, { results: result }]
  }
}

export function pageRoutes(runtime: Runtime): Route {
  return async (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    if (pathname === '/favicon.ico') {
      res.writeHead(204, SECURITY_HEADERS)
      res.end()
      return true
    }
    const known = pathname === '/' || pathname in ASSETS || pathname.startsWith('/api/')
    if (!known) return false
    if (!ownHost(runtime, req.headers.host)) {
      sendJson(res, 421, { message: 'This runtime only answers to its own address.' })
      return true
    }
    if (req.method === 'GET' && pathname === '/') {
      const given = new URL(req.url ?? '/', 'http://runtime.local').searchParams.get('key') ?? undefined
      if (given !== undefined && sameKey(given, runtime.config.adminKey)) {
        // The key goes into the cookie and out of the address bar and the history.
        res.writeHead(303, { location: '/', 'set-cookie': adminCookie(runtime), ...SECURITY_HEADERS })
        res.end()
      } else if (given === undefined && hasAdminKey(runtime, req)) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS })
        res.end(renderPage(runtime))
      } else {
        res.writeHead(401, { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS })
        res.end(renderKeyPage(given !== undefined))
      }
    } else if (pathname.startsWith('/api/') && !hasAdminKey(runtime, req)) {
      sendJson(res, 401, { message: ADMIN_KEY_NEEDED }, { 'www-authenticate': 'Bearer', ...SECURITY_HEADERS })
    } else if (pathname.startsWith('/api/') && !(pathname in GET_API) && !(pathname in API) && !(pathname in PUT_API)) {
      sendJson(res, 404, { message: `Nothing at ${pathname}.` }, SECURITY_HEADERS)
    } else if (req.method === 'GET' && pathname in ASSETS) {
      res.writeHead(200, { 'content-type': ASSETS[pathname].type, ...SECURITY_HEADERS })
      res.end(ASSETS[pathname].body)
    } else if (req.method === 'GET' && pathname in GET_API) {
      sendJson(res, 200, GET_API[pathname](runtime), SECURITY_HEADERS)
    } else if ((req.method === 'POST' && pathname in API) || (req.method === 'PUT' && pathname in PUT_API)) {
      if (!sameOrigin(req)) {
        sendJson(res, 403, { message: 'Cross-origin requests are refused.' }, SECURITY_HEADERS)
      } else if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
        sendJson(res, 415, { message: 'Send JSON (Content-Type: application/json).' }, SECURITY_HEADERS)
      } else {
        let body: Record<string, unknown>
        try {
          body = await jsonBody(req)
        } catch (error) {
          if (error instanceof BodyTooLargeError) {
            const message = `The request body is larger than 1 MiB (${PAGE_BODY_LIMIT} bytes), the most the page's API reads.`
            sendJson(res, 413, { message }, SECURITY_HEADERS)
          } else sendJson(res, 400, { message: 'The request body is not valid JSON.' }, SECURITY_HEADERS)
          return true
        }
        const [status, answer] = await (req.method === 'PUT' ? PUT_API : API)[pathname](runtime, body)
        sendJson(res, status, answer, SECURITY_HEADERS)
      }
    } else {
      sendJson(res, 405, { message: `${req.method} is not allowed here.` }, SECURITY_HEADERS)
    }
    return true
  }
}
