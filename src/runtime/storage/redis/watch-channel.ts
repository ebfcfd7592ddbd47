/**
 * What a shared value (the settings, the mappings) does to hear that another runtime saved it: a
 * second connection subscribed to the channel named as its key; `reload` runs at each message, after a
 * reconnection (what was saved meanwhile was announced to nobody here), and once subscribed (a save
 * between the first read and the subscription). Returns the subscriber, to close.
 */
import type Redis from 'ioredis'
import { describeError, type Log } from '../../ops/log'

export function watchChannel(client: Redis, channel: string, log: Log, what: string, reload: () => void): Redis {
  const subscriber = client.duplicate()
  let first = true
  subscriber.on('error', () => undefined) // the main connection logs Redis being away
  subscriber.on('message', reload)
  subscriber.on('ready', () => {
    if (!first) reload()
    first = false
  })
  subscriber
    .connect()
    .then(() => subscriber.subscribe(channel))
    .then(reload)
    .catch((error) => log.warn(`cannot watch the saved ${what} in Redis`, { reason: describeError(error) }))
  return subscriber
}

/** Closes a subscriber (politely, else at once). */
export async function closeSubscriber(subscriber: Redis | undefined): Promise<void> {
  await subscriber?.quit().catch(() => subscriber?.disconnect())
}
