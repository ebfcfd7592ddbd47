/**
 * What the HTTP surface needs of the runtime it serves: a narrow view, so that http/ never imports the
 * runtime that composes it (the Runtime class satisfies it as it is).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Pipeline } from '../delivery/pipeline'
import type { RuntimeConfig } from '../ops/config'
import type { Log } from '../ops/log'
import type { RuntimeMetrics } from '../ops/metrics'
import type { DeliveryStore, StorageTrouble } from '../storage/store'

/** Extra routes (the settings page): true when the route answered. */
export type Route = (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean> | boolean

export interface HttpHost {
  readonly url: string
  readonly config: RuntimeConfig
  readonly log: Log
  /** True once a stop began: intake answers 503. */
  readonly closing: boolean
  readonly pipeline: Pick<Pipeline, 'accept' | 'health' | 'pending' | 'counts'>
  readonly storage: {
    readonly store: Pick<DeliveryStore, 'consumer' | 'description'>
    trouble?(): StorageTrouble
  }
  readonly metrics: Pick<RuntimeMetrics, 'registry'>
  /** What GET /deliveries shows. */
  readonly deliveries: readonly unknown[]
  readonly routes: readonly Route[]
  /** Identity memory: whether it is on, and forgetting a person (DELETE /api/identities/<id>). */
  readonly identity: { readonly on: boolean; forget(id: string): Promise<number> }
  mode(): 'live' | 'dry-run'
  /** Where events from mobile apps go now, in a sentence (an App ID set, or the Pixel). */
  appEventsRoute(): string
}
