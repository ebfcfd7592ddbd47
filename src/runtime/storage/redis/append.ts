/**
 * A request's deliveries into the shared queue, all or none, in one Lua script: each distinct messageId
 * is claimed with `SET seen:<messageId> 1 NX PX <window>` and the deliveries of those claimed are added
 * (XADD) in the same step, so that no other runtime, and no late run of a command the client gave up on
 * (a Redis that stalled), can store the same event twice. A messageId already claimed within the window
 * is a duplicate: nothing of it is stored. Each key expires with its window: the index stays bounded.
 */
import type Redis from 'ioredis'
import type { AppendOptions, AppendResult, NewDelivery } from '../store'
import { entryFields } from './entries'
import type { RedisKeys } from './keys'
import { runScript } from './scripts'

/** Fields per delivery (entryFields), after its messageId's key number. */
const FIELDS = 12

/**
 * KEYS[1] the queue stream, KEYS[2..] one seen key per distinct messageId. ARGV[1] the window in ms (0:
 * no deduplication), then per delivery the number of its seen key (1 for KEYS[2]; 0: none) and its 12
 * fields. Returns the numbers of the seen keys found taken (duplicates). The first write (SET or XADD)
 * is the one Redis may refuse when it is over maxmemory: then nothing was written.
 */
const APPEND = `
local window = tonumber(ARGV[1])
local fresh, duplicates = {}, {}
for k = 2, #KEYS do
  if window == 0 or redis.call('SET', KEYS[k], '1', 'NX', 'PX', window) then
    fresh[k - 1] = true
  else
    duplicates[#duplicates + 1] = k - 1
  end
end
for i = 2, #ARGV, ${FIELDS + 1} do
  local k = tonumber(ARGV[i])
  if k == 0 or fresh[k] then redis.call('XADD', KEYS[1], '*', unpack(ARGV, i + 1, i + ${FIELDS})) end
end
return duplicates
`

export async function appendDeliveries(
  client: Redis,
  keys: RedisKeys,
  deliveries: NewDelivery[],
  { dedupeWindowMs }: AppendOptions
): Promise<AppendResult> {
  // An event for several subscriptions is several deliveries with one messageId.
  const messageIds = dedupeWindowMs > 0 ? [...new Set(deliveries.map((d) => d.messageId).filter(Boolean))] : []
  const number = new Map(messageIds.map((id, i) => [id, i + 1]))
  const args: (string | number)[] = [Math.max(0, Math.round(dedupeWindowMs))]
  for (const d of deliveries) args.push(number.get(d.messageId) ?? 0, ...entryFields(d))
  const taken = (await runScript(client, APPEND, [keys.queue, ...messageIds.map((id) => keys.seen + id)], args)) as
    number[] | null
  return { duplicates: (taken ?? []).map((k) => messageIds[k - 1]) }
}
