/**
 * What deduplication on messageId costs on Redis (npm run bench, one line): the same requests of 500
 * deliveries appended through the store's script (storage/redis/append.ts) with DEDUPE_WINDOW_MS 24 h and
 * with 0, on the benchmark's redis-server. Redis's CPU per event (INFO cpu) and the memory the messageIds
 * keep for the window (INFO memory, after the queue's entries are deleted).
 */
import Redis from 'ioredis'
import { appendDeliveries } from '../src/runtime/storage/redis/append'
import { redisKeys } from '../src/runtime/storage/redis/keys'
import type { NewDelivery } from '../src/runtime/storage/store'
import { orderCompleted } from './events'

export interface RedisDedupeCost {
  events: number
  /** Redis CPU µs per event, with the messageIds claimed and without. */
  withMicros: number
  withoutMicros: number
  /** Bytes of Redis memory each messageId keeps for the window. */
  bytesPerMessageId: number
}

const number = (info: string, field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info)?.[1])

export async function redisDedupeCost(url: string, requests = 100, size = 500): Promise<RedisDedupeCost> {
  const client = new Redis(url)
  const event = JSON.stringify(orderCompleted(0))
  const run = async (label: string, dedupeWindowMs: number) => {
    const keys = redisKeys(`bench-dedupe-${label}-${process.pid}:`)
    const cpu = async () => {
      const info = await client.info('cpu')
      return number(info, 'used_cpu_user') + number(info, 'used_cpu_sys')
    }
    const memoryBefore = number(await client.info('memory'), 'used_memory')
    const cpuBefore = await cpu()
    for (let r = 0; r < requests; r++) {
      const deliveries: NewDelivery[] = Array.from({ length: size }, (_, i) => ({
        subscription: 'Order Completed',
        batchKey: '',
        event,
        receivedAt: Date.now(),
        dryRun: false,
        messageId: `ajs-next-${label}-${process.pid}-${r}-${i}-5f0e8c1d2b3a4c5d6e7f8091a2b3c4d5`
      }))
      await appendDeliveries(client, keys, deliveries, { now: Date.now(), dedupeWindowMs })
    }
    const micros = ((await cpu()) - cpuBefore) * 1e6
    // The queue's entries go once delivered: what stays is the messageIds' keys.
    await client.del(keys.queue)
    const kept = number(await client.info('memory'), 'used_memory') - memoryBefore
    const seen = await client.keys(`${keys.seen}*`)
    for (let i = 0; i < seen.length; i += 1000) await client.del(...seen.slice(i, i + 1000))
    return { micros: micros / (requests * size), kept: kept / (requests * size) }
  }
  try {
    const without = await run('off', 0)
    const withDedupe = await run('on', 24 * 3_600_000)
    return {
      events: requests * size,
      withMicros: withDedupe.micros,
      withoutMicros: without.micros,
      bytesPerMessageId: Math.round(withDedupe.kept - without.kept)
    }
  } finally {
    client.disconnect()
  }
}

if (require.main === module) {
  redisDedupeCost(process.argv[2] ?? 'redis://127.0.0.1:6379').then((cost) => console.log(JSON.stringify(cost)))
}
