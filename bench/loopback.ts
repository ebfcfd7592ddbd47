/**
 * Sends TikTok's traffic to the stand-in, the same way for both destinations: the published one
 * hard-codes https://business-api.tiktok.com, so instead of setting TIKTOK_API_URL (which only ours
 * reads) every worker replaces `https.request`, which node-fetch v2 (under actions-core) looks up at
 * call time. Requests for TikTok's host go to the stand-in over plain http; all others pass through.
 */
import http from 'node:http'
import https from 'node:https'
import { urlToHttpOptions } from 'node:url'

const TIKTOK_HOST = 'business-api.tiktok.com'

let routed = 0
/** Requests sent to the stand-in instead of TikTok so far. */
export const routedRequests = () => routed

type Options = http.RequestOptions
type Callback = (response: http.IncomingMessage) => void

export function routeTikTokTo(standInUrl: string): void {
  const { hostname, port } = new URL(standInUrl)
  const original = https.request
  const patched = (...args: unknown[]): http.ClientRequest => {
    const [first, second, third] = args
    const isUrl = typeof first === 'string' || first instanceof URL
    const target: Options | undefined = isUrl ? urlToHttpOptions(new URL(first)) : (first as Options | undefined)
    const host = target?.hostname ?? target?.host?.split(':')[0]
    if (host !== TIKTOK_HOST) return (original as (...a: unknown[]) => http.ClientRequest).apply(https, args)
    const extra = isUrl && typeof second === 'object' ? (second as Options) : {}
    const callback = [second, third].find((arg): arg is Callback => typeof arg === 'function')
    const options: Options = { ...target, ...extra, protocol: 'http:', hostname, host: hostname, port: Number(port) }
    delete options.agent
    routed++
    return http.request(options, callback)
  }
  https.request = patched as typeof https.request
}
