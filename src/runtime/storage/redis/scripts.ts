/**
 * The Lua scripts the runtime runs in Redis, each named for its effect. KEYS[1] is the queue stream and
 * ARGV[1] its consumer group in each; runScript sends a script by its SHA1 once Redis knows it.
 */
import { createHash } from 'node:crypto'
import type Redis from 'ioredis'

const shas = new Map<string, string>()

/** Runs `script` with EVALSHA, and with EVAL when Redis does not know it yet (after a restart too). */
export async function runScript(
  client: Redis,
  script: string,
  keys: string[],
  args: (string | number)[]
): Promise<unknown> {
  let sha = shas.get(script)
  if (!sha) shas.set(script, (sha = createHash('sha1').update(script).digest('hex')))
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return client.eval(script, keys.length, ...keys, ...args)
  }
}

/** Gives `ids` to consumer `to` with idle time `idle` ms (XCLAIM … JUSTID, 500 ids per call). */
const GIVE_TO = `
local function give_to(key, group, to, idle, ids)
  for i = 1, #ids, 500 do
    local args = { 'XCLAIM', key, group, to, 0 }
    for j = i, math.min(i + 499, #ids) do args[#args + 1] = ids[j] end
    args[#args + 1] = 'IDLE'
    args[#args + 1] = idle
    args[#args + 1] = 'JUSTID'
    redis.call(unpack(args))
  end
end
`

/**
 * The heartbeat: sets the idle time of every entry pending for consumer ARGV[2] to 0, so that no
 * other runtime takes them over, and returns {emptied, their ids}. It never touches an entry another
 * runtime has taken over. `emptied` is 1 when the marker KEYS[2] no longer holds ARGV[3], the value this
 * runtime knows: Redis lost its data (restarted without persistence, keys deleted) since. Without the
 * group (gone with the data), no ids.
 */
export const RENEW_OWN_ENTRIES = `${GIVE_TO}
local key, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local emptied = redis.call('GET', KEYS[2]) ~= ARGV[3] and 1 or 0
local pending = redis.pcall('XPENDING', key, group, '-', '+', 1000000000, consumer)
local ids = {}
if pending.err then return { emptied, ids } end
for _, entry in ipairs(pending) do ids[#ids + 1] = entry[1] end
give_to(key, group, consumer, 0, ids)
return { emptied, ids }
`

/**
 * Hands entries back: those of ARGV[5]… still pending for consumer ARGV[2] go to consumer ARGV[3] with
 * idle time ARGV[4] ms (older than any claim time: the next take-over takes them). Returns their ids.
 */
export const HAND_BACK_ENTRIES = `${GIVE_TO}
local key, group, from, to, idle = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ids = {}
for i = 5, #ARGV do
  if #redis.call('XPENDING', key, group, ARGV[i], ARGV[i], 1, from) > 0 then ids[#ids + 1] = ARGV[i] end
end
give_to(key, group, to, idle, ids)
return ids
`

/** Removes the consumers (other than ARGV[3]) that hold nothing and were idle longer than ARGV[2] ms. */
export const REMOVE_IDLE_CONSUMERS = `
local removed = 0
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
  if info['pending'] == 0 and info['idle'] > tonumber(ARGV[2]) and info['name'] ~= ARGV[3] then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    removed = removed + 1
  end
end
return removed
`
