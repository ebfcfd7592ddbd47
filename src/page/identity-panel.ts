/**
 * The Match keys panel's part on identity memory and consent: per mapping, the share of its events
 * whose keys came from memory (memory on), or that lacked a key their person had given before (memory
 * off: what turning it on would add); and how many events consent kept from TikTok. Counts only.
 */
import type { Runtime } from '../runtime'
import { REMEMBERED_KEYS, type RememberedKey } from '../runtime/identity/facts'
import type { MappingGain } from '../runtime/identity/gain'
import { percent } from './percent'

const NAMES: Record<RememberedKey, string> = { email: 'email', phone: 'phone', ttclid: 'ttclid', ttp: 'ttp' }

export interface MappingIdentityGain {
  mapping: string
  events: number
  gained: number
  percent: number
  keys: { key: RememberedKey; count: number; percent: number }[]
  /** The gain in a sentence. */
  sentence: string
}

export interface IdentityAnswer {
  memory: 'on' | 'off'
  ttlDays: number
  mappings: MappingIdentityGain[]
}

function sentence(on: boolean, gain: MappingGain, share: number): string {
  const keys = REMEMBERED_KEYS.filter((key) => gain.keys[key] > 0)
    .map((key) => `${NAMES[key]} ${gain.keys[key]}`)
    .join(', ')
  if (on) {
    return gain.gained
      ? `${share}% of ${gain.mapping} events (${gain.gained} of ${gain.events}) got keys from identity memory (${keys}).`
      : `No ${gain.mapping} event needed a key from identity memory yet.`
  }
  return gain.gained
    ? `${gain.gained} of ${gain.events} ${gain.mapping} events (${share}%) lacked a key their person gave before (${keys}): IDENTITY_MEMORY=on would add it.`
    : `No ${gain.mapping} event lacked a key its person gave before.`
}

export function identityAnswer(runtime: Runtime): IdentityAnswer {
  const on = runtime.identity.on
  return {
    memory: on ? 'on' : 'off',
    ttlDays: runtime.config.identityTtlDays,
    mappings: runtime.identity.gain.report().map((gain) => {
      const share = percent(gain.gained, gain.events)
      return {
        mapping: gain.mapping,
        events: gain.events,
        gained: gain.gained,
        percent: share,
        keys: REMEMBERED_KEYS.map((key) => ({
          key,
          count: gain.keys[key],
          percent: percent(gain.keys[key], gain.events)
        })),
        sentence: sentence(on, gain, share)
      }
    })
  }
}
