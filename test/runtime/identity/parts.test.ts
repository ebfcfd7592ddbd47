/**
 * Identity memory's pure parts and its store logic with a fake store: what an event teaches (hashed as
 * the plugin hashes), what is added to a later event (and where), links followed both ways, TTL, and
 * the bounded "would have had" memory of memory off.
 */
import type { SegmentEvent } from '@segment/actions-core'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newest, personKey, type Facts } from '../../../src/runtime/identity/facts'
import { IdentityGain, KeysSeen } from '../../../src/runtime/identity/gain'
import { lackedKeys, withRemembered } from '../../../src/runtime/identity/enrich'
import { factsOf, personKeysOf } from '../../../src/runtime/identity/learn'
import { IdentityMemory } from '../../../src/runtime/identity/memory'
import { SqliteIdentityStore } from '../../../src/runtime/identity/sqlite-store'
import { forgetPerson, recall } from '../../../src/runtime/identity/store'
import { createLog } from '../../../src/runtime/ops/log'
import { hashPhone } from '../../../src/destination/shared/normalize'
import { sha } from '../../helpers'

const event = (fields: object) => ({ type: 'track', event: 'Order Completed', ...fields }) as SegmentEvent
const DAY = 86_400_000

describe('factsOf', () => {
  it('learns the email and phone hashed as the plugin hashes them, from identify traits, context.traits or properties', () => {
    const identify = event({
      type: 'identify',
      traits: { email: ' Ada@Example.COM ', phone: '(415) 555-0142', address: { country: 'United States' } }
    })
    expect(factsOf(identify, 5)).toEqual({
      email: { value: sha('ada@example.com'), at: 5 },
      phone: { value: sha('+14155550142'), at: 5 }
    })
    expect(factsOf(event({ context: { traits: { email: ['', 'b@example.com'] } } }), 1).email?.value).toBe(
      sha('b@example.com')
    )
    expect(factsOf(event({ properties: { email: sha('c@example.com') } }), 1).email?.value).toBe(sha('c@example.com'))
  })

  it('reads a phone’s country where the plugin does: properties.address, else context.traits.address', () => {
    const london = event({
      properties: { phone: '020 7946 0958' },
      context: { traits: { address: { country: 'GB' } } }
    })
    expect(factsOf(london, 1).phone?.value).toBe(hashPhone('020 7946 0958', 'GB'))
    expect(hashPhone('020 7946 0958', 'GB')).toBe(sha('+442079460958'))
    const both = event({
      properties: { phone: '020 7946 0958', address: { country: 'United Kingdom' } },
      context: { traits: { address: { country: 'US' } } }
    })
    expect(factsOf(both, 1).phone?.value).toBe(sha('+442079460958'))
  })

  it('learns the ttclid from properties, the integrations object or the page URL, and the ttp', () => {
    expect(factsOf(event({ context: { page: { url: 'https://s.example/?a=1&ttclid=CLICK' } } }), 1)).toEqual({
      ttclid: { value: 'CLICK', at: 1 }
    })
    expect(factsOf(event({ integrations: { 'TikTok Conversions': { ttclid: 'I', ttp: 'T' } } }), 1)).toEqual({
      ttclid: { value: 'I', at: 1 },
      ttp: { value: 'T', at: 1 }
    })
    expect(factsOf(event({ properties: { ttclid: 'P', ttp: 'Q' } }), 1)).toMatchObject({ ttclid: { value: 'P' } })
    expect(factsOf(event({ properties: { email: '  ' } }), 1)).toEqual({})
  })

  it('knows a person by their userId and anonymousId, hashed', () => {
    expect(personKeysOf(event({ userId: 'u', anonymousId: 'a' }))).toEqual([
      personKey('user', 'u'),
      personKey('anonymous', 'a')
    ])
    expect(personKey('user', 'u')).toBe(`u:${sha('user:u')}`)
    expect(personKey('anonymous', 'u')).toBe(`a:${sha('anonymous:u')}`)
    expect(personKeysOf(event({ userId: ' ' }))).toEqual([])
  })
})

describe('withRemembered', () => {
  const facts: Facts = {
    email: { value: 'e'.repeat(64), at: 1 },
    phone: { value: 'f'.repeat(64), at: 1 },
    ttclid: { value: 'CLICK', at: 1 },
    ttp: { value: 'TTP', at: 1 }
  }

  it('adds what the event lacks where the default mappings read it, on a copy', () => {
    const given = event({ properties: { order_id: 'o' }, context: { ip: '1.2.3.4' } })
    const { event: out, added } = withRemembered(given, facts)
    expect(added).toEqual(['email', 'phone', 'ttclid', 'ttp'])
    expect(out.properties).toEqual({ order_id: 'o', ttclid: 'CLICK', ttp: 'TTP' })
    expect(out.context).toEqual({ ip: '1.2.3.4', traits: { email: 'e'.repeat(64), phone: 'f'.repeat(64) } })
    expect(given.properties).toEqual({ order_id: 'o' })
  })

  it('keeps every key the event carries, wherever the plugin reads it', () => {
    const carries = event({
      properties: { email: 'own@example.com' },
      context: { traits: { phone: '+1 415 555 0100' }, page: { url: 'https://s.example/?ttclid=OWN' } },
      integrations: { 'TikTok Conversions': { ttp: 'OWN' } }
    })
    expect(lackedKeys(carries)).toEqual([])
    expect(withRemembered(carries, facts)).toEqual({ event: carries, added: [] })
  })

  it('fills an empty properties.email there, where the mapping reads first', () => {
    const empty = event({ properties: { email: '' } })
    expect(withRemembered(empty, { email: facts.email }).event.properties).toEqual({ email: 'e'.repeat(64) })
  })
})

describe('newest', () => {
  it('keeps the newer fact of each key, and none seen before `since`', () => {
    const a: Facts = { email: { value: 'old', at: 1 }, ttp: { value: 'a', at: 9 } }
    const b: Facts = { email: { value: 'new', at: 5 }, ttp: { value: 'b', at: 2 } }
    expect(newest(a, b)).toEqual({ email: { value: 'new', at: 5 }, ttp: { value: 'a', at: 9 } })
    expect(newest(a, b, 6)).toEqual({ ttp: { value: 'a', at: 9 } })
  })
})

describe('the SQLite store', () => {
  const open = () => {
    let now = 1_000 * DAY
    const store = new SqliteIdentityStore(mkdtempSync(join(tmpdir(), 'identity-')), () => now)
    return { store, tick: (ms: number) => (now += ms), now: () => now }
  }
  const [user, anon1, anon2, other] = [
    personKey('user', 'u'),
    personKey('anonymous', 'a1'),
    personKey('anonymous', 'a2'),
    personKey('anonymous', 'x')
  ]

  it('follows links both ways: a device, its user, the user’s other device', async () => {
    const { store, now } = open()
    await store.learn([anon1], { ttclid: { value: 'CLICK', at: now() } }, now() + DAY, 0)
    await store.learn([user, anon1], { email: { value: 'E', at: now() } }, now() + DAY, 0)
    await store.learn([user, anon2], {}, now() + DAY, 0)
    await store.learn([other], { email: { value: 'OTHER', at: now() } }, now() + DAY, 0)
    expect(await recall(store, [anon2], 0)).toEqual({
      ttclid: { value: 'CLICK', at: now() },
      email: { value: 'E', at: now() }
    })
    expect(await recall(store, [anon1], 0)).toMatchObject({ email: { value: 'E' } })
    expect(await forgetPerson(store, [anon2])).toBe(3)
    expect(await recall(store, [anon1], 0)).toEqual({})
    expect(await recall(store, [other], 0)).toEqual({ email: { value: 'OTHER', at: now() } })
    await store.close()
  })

  it('never gives one user the keys of another who used the same device', async () => {
    const { store, now } = open()
    const [userA, userB, shared] = [personKey('user', 'A'), personKey('user', 'B'), personKey('anonymous', 'kiosk')]
    await store.learn([userA, shared], { email: { value: 'A', at: now() } }, now() + DAY, 0)
    // B logs in on the same device later, without giving an email.
    await store.learn([userB, shared], {}, now() + DAY, 0)
    expect(await recall(store, [userB, shared], 0)).toEqual({})
    expect(await recall(store, [shared], 0)).toEqual({})
    expect(await recall(store, [userA], 0)).toEqual({ email: { value: 'A', at: now() } })
    // Forgetting A takes the shared device too (it held A's email), and leaves B.
    expect(await forgetPerson(store, [userA])).toBe(2)
    expect((await store.load([userB])).size).toBe(1)
    await store.close()
  })

  it('forgets a record once it expires', async () => {
    const { store, tick, now } = open()
    await store.learn([user], { email: { value: 'E', at: now() } }, now() + DAY, 0)
    tick(DAY - 1)
    expect((await store.load([user])).size).toBe(1)
    tick(1)
    expect((await store.load([user])).size).toBe(0)
    await store.close()
  })
})

describe('IdentityMemory', () => {
  it('does not read the events it is told are not eligible', async () => {
    const store = new SqliteIdentityStore(mkdtempSync(join(tmpdir(), 'identity-')))
    const loaded: string[] = []
    const load = store.load.bind(store)
    store.load = (keys) => {
      loaded.push(...keys)
      return load(keys)
    }
    const memory = new IdentityMemory(
      store,
      28,
      createLog(() => undefined)
    )
    await memory.prepare([event({ userId: 'u' }), event({ userId: 'v' })], (e) => e.userId === 'u')
    expect(loaded).toContain(personKey('user', 'u'))
    expect(loaded).not.toContain(personKey('user', 'v'))
    await memory.close()
  })

  it('leaves events as they came when the store fails, with one warning', async () => {
    const lines: string[] = []
    const failing = {
      where: 'nowhere',
      load: () => Promise.reject(new Error('down')),
      learn: () => Promise.reject(new Error('down')),
      linkedTo: () => Promise.reject(new Error('down')),
      remove: () => Promise.resolve(),
      close: () => Promise.resolve()
    }
    const memory = new IdentityMemory(
      failing,
      28,
      createLog((line) => lines.push(line))
    )
    const events = [event({ userId: 'u' }), event({ userId: 'w' })]
    const { events: out, gains } = await memory.prepare(events, () => true)
    expect(out).toEqual(events)
    expect(gains.size).toBe(0)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('warn identity memory unavailable: events go as they came store=nowhere reason=down')
  })
})

describe('IdentityMemory writes', () => {
  it('writes what is new, not what it was told within the hour', async () => {
    let now = 1_000 * DAY
    const store = new SqliteIdentityStore(mkdtempSync(join(tmpdir(), 'identity-')), () => now)
    const writes: number[] = []
    const learn = store.learn.bind(store)
    store.learn = (keys, facts, expiresAt, since) => {
      writes.push(now)
      return learn(keys, facts, expiresAt, since)
    }
    const memory = new IdentityMemory(
      store,
      28,
      createLog(() => undefined),
      () => now
    )
    const identify = event({ type: 'identify', userId: 'u', anonymousId: 'a', traits: { email: 'e@example.com' } })
    await memory.prepare([identify, identify], () => true)
    now += 3_599_999
    await memory.prepare([identify], () => true)
    expect(writes).toHaveLength(1)
    // More than an hour after: written again (its expiry moves), and so is what is new.
    now += 2
    await memory.prepare([identify, event({ userId: 'u', properties: { ttclid: 'NEW' } })], () => true)
    expect(writes).toHaveLength(3)
    await memory.close()
  })
})

describe('KeysSeen (memory off)', () => {
  it('counts the keys a person gave before, across their linked ids', () => {
    const seen = new KeysSeen()
    expect(seen.observe(event({ anonymousId: 'a' }), ['ttclid'], ['email', 'phone', 'ttp'])).toEqual([])
    expect(seen.observe(event({ anonymousId: 'a', userId: 'u' }), ['email'], ['ttclid'])).toEqual(['ttclid'])
    expect(seen.observe(event({ userId: 'u' }), [], ['email', 'phone', 'ttclid', 'ttp'])).toEqual(['email', 'ttclid'])
  })

  it('is bounded: the least recently seen ids go first', () => {
    const seen = new KeysSeen(100)
    for (let i = 0; i < 10_000; i++) seen.observe(event({ userId: `u-${i}` }), ['email'], [])
    expect(seen.size).toBe(100)
    expect(seen.observe(event({ userId: 'u-0' }), [], ['email'])).toEqual([])
    expect(seen.observe(event({ userId: 'u-9999' }), [], ['email'])).toEqual(['email'])
  })
})

describe('IdentityMemory turned on or off', () => {
  it('counts the Match keys panel’s events again, so that a share never mixes on and off', async () => {
    const memory = new IdentityMemory(
      undefined,
      28,
      createLog(() => undefined)
    )
    memory.gain.add(['Complete Payment'], ['email'])
    const store = new SqliteIdentityStore(mkdtempSync(join(tmpdir(), 'identity-')))
    memory.use(store)
    expect(memory.gain.report()).toEqual([])
    memory.gain.add(['Complete Payment'], [])
    await memory.use(new SqliteIdentityStore(mkdtempSync(join(tmpdir(), 'identity-'))))?.close()
    // Still on (another store): the counts go on.
    expect(memory.gain.report()).toMatchObject([{ events: 1, gained: 0 }])
    await memory.use(undefined)?.close()
    expect(memory.gain.report()).toEqual([])
  })
})

describe('IdentityGain', () => {
  it('counts, per mapping, the events and those that gained each key', () => {
    const gain = new IdentityGain()
    gain.add(['Complete Payment'], ['email', 'ttclid'])
    gain.add(['Complete Payment'], [])
    gain.add(['Complete Payment', 'Page View'], ['email'])
    expect(gain.report()).toEqual([
      { mapping: 'Complete Payment', events: 3, gained: 2, keys: { email: 2, phone: 0, ttclid: 1, ttp: 0 } },
      { mapping: 'Page View', events: 1, gained: 1, keys: { email: 1, phone: 0, ttclid: 0, ttp: 0 } }
    ])
  })
})
