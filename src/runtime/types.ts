/** The runtime's shared vocabulary: what its parts and the floors above exchange. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { TikTokRequestBody } from '../destination/tiktok/types'
import type { BatchSummary } from './delivery/pipeline'

export type Mode = 'live' | 'dry-run'

export type { Route } from './http/host'

/** Answers one request of the runtime's HTTP server. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void

/** Answers what never became a request (malformed, too slow). */
export type ClientErrorHandler = (error: Error & { code?: string }, socket: Duplex) => void

export interface Delivery {
  at: string
  /** Dry-run: the exact body that would have gone to TikTok. */
  body?: TikTokRequestBody
  /** Live: what became of a batch. */
  batch?: BatchSummary
}
