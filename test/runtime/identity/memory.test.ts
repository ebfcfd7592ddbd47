/**
 * Identity memory on SQLite (IDENTITY_MEMORY=on, DATA_DIR): the session of issue 18 delivers its
 * purchase with the hashed email and phone and the ttclid given before; another device of the same
 * user too; so does a purchase after a restart; consent refused: nothing delivered, nothing kept;
 * DELETE /api/identities/<id> forgets; the store's files hold none of the raw inputs.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { personKey } from '../../../src/runtime/identity/facts'
import { sha } from '../../helpers'
import { printedEvents, startTestRuntime, waitFor, withKey, type TestRuntime } from '../helpers'
import { EMAIL, HASHED_EMAIL, HASHED_PHONE, identify, page, PHONE, purchase, send, sentOrder, TTCLID } from './session'

const ON = { IDENTITY_MEMORY: 'on', CONSENT_CATEGORIES: 'Advertising', FLUSH_INTERVAL_MS: '20' }
const granted = { context: { consent: { categoryPreferences: { Advertising: true } } } }

const delivered = (test: TestRuntime, orderId: string) =>
  waitFor(() => sentOrder(test, orderId) !== undefined).then(() => sentOrder(test, orderId)!)

describe('identity memory (SQLite in DATA_DIR)', () => {
  it('delivers the purchase of the session with the email, phone and ttclid given before it', async () => {
    const test = await startTestRuntime(ON)
    await send(test.runtime.url, page('anon-1'), identify('anon-1', 'u-77'), purchase('anon-1', 'u-77', 'order-1'))
    const order = await delivered(test, 'order-1')
    expect(order.user).toMatchObject({
      email: [HASHED_EMAIL],
      phone: [HASHED_PHONE],
      ttclid: TTCLID,
      external_id: [sha('u-77')]
    })
    // The PageView carried its own ttclid; nothing was added to it.
    const pageView = () => printedEvents(test).find((event) => event.event === 'PageView')
    await waitFor(() => pageView() !== undefined)
    expect(pageView()!.user).toMatchObject({ ttclid: TTCLID, external_id: [sha('anon-1')] })

    const panel = await (await fetch(`${test.runtime.url}/api/match-keys`, { headers: withKey(test.runtime) })).json()
    expect(panel.identity.memory).toBe('on')
    expect(panel.identity.mappings).toContainEqual(
      expect.objectContaining({ mapping: 'Complete Payment', events: 1, gained: 1, percent: 100 })
    )
  })

  it('adds the email to a purchase from another device of the same user, and after a restart', async () => {
    const first = await startTestRuntime(ON)
    await send(first.runtime.url, page('anon-1'), identify('anon-1', 'u-77'))
    await send(first.runtime.url, purchase('anon-2', 'u-77', 'order-2'))
    expect((await delivered(first, 'order-2')).user).toMatchObject({ email: [HASHED_EMAIL], ttclid: TTCLID })
    await first.runtime.close()

    const second = await startTestRuntime({ ...ON, DATA_DIR: first.dataDir })
    await send(second.runtime.url, purchase('anon-3', 'u-77', 'order-3'))
    expect((await delivered(second, 'order-3')).user).toMatchObject({ email: [HASHED_EMAIL], phone: [HASHED_PHONE] })
    // anon-2 is linked to u-77: a later purchase of that device alone, without the userId, is known too.
    await send(second.runtime.url, purchase('anon-2', undefined, 'order-4'))
    expect((await delivered(second, 'order-4')).user).toMatchObject({ email: [HASHED_EMAIL] })
  })

  it('keeps an event its own email and phone', async () => {
    const test = await startTestRuntime(ON)
    await send(test.runtime.url, identify('anon-1', 'u-77'))
    const own = purchase('anon-1', 'u-77', 'order-5', { context: { traits: { email: 'other@example.com' } } })
    await send(test.runtime.url, own)
    expect((await delivered(test, 'order-5')).user).toMatchObject({
      email: [sha('other@example.com')],
      phone: [HASHED_PHONE]
    })
  })

  it('delivers and remembers nothing of a user who refused Advertising', async () => {
    const test = await startTestRuntime(ON)
    const refused = { context: { consent: { categoryPreferences: { Advertising: false, Analytics: true } } } }
    const session = [page('anon-9'), identify('anon-9', 'u-9'), purchase('anon-9', 'u-9', 'order-9')].map((event) => ({
      ...event,
      context: { ...(event as { context?: object }).context, ...refused.context }
    }))
    await send(test.runtime.url, ...session)
    // Then the same user consents, on another device: nothing of before is known.
    await send(test.runtime.url, { ...purchase('anon-10', 'u-9', 'order-10'), ...granted })
    const order = await delivered(test, 'order-10')
    expect(order.user.email).toBeUndefined()
    expect(order.user.phone).toBeUndefined()
    expect(order.user.ttclid).toBeUndefined()
    expect(sentOrder(test, 'order-9')).toBeUndefined()
    expect(test.runtime.pipeline.counts.refused).toBe(3)
    // What is kept came from the consented purchase only: u-9 seen with anon-10, no key, no trace of anon-9.
    const kept = await test.runtime.identity.store!.load([personKey('user', 'u-9'), personKey('anonymous', 'anon-9')])
    expect([...kept.values()]).toEqual([{ facts: {}, links: [personKey('anonymous', 'anon-10')] }])
  })

  it('forgets a person and every linked id on DELETE /api/identities/<id> with the admin key (401 without)', async () => {
    const test = await startTestRuntime(ON)
    const { url } = test.runtime
    await send(url, page('anon-1'), identify('anon-1', 'u-77'), purchase('anon-2', 'u-77', 'order-1'))
    await delivered(test, 'order-1')

    const without = await fetch(`${url}/api/identities/u-77`, { method: 'DELETE' })
    expect(without.status).toBe(401)
    expect((await fetch(`${url}/api/identities/u-77`, { headers: withKey(test.runtime) })).status).toBe(405)
    const answer = await fetch(`${url}/api/identities/u-77`, { method: 'DELETE', headers: withKey(test.runtime) })
    expect(answer.status).toBe(200)
    // u-77, anon-1 and anon-2.
    expect(await answer.json()).toEqual({ memory: 'on', forgotten: 3 })

    await send(url, purchase('anon-1', 'u-77', 'order-2'), purchase('anon-2', undefined, 'order-3'))
    for (const orderId of ['order-2', 'order-3']) {
      const order = await delivered(test, orderId)
      expect(order.user.email).toBeUndefined()
      expect(order.user.ttclid).toBeUndefined()
    }
  })

  it('never logs the id it was asked to forget, even when forgetting fails', async () => {
    const test = await startTestRuntime(ON)
    test.runtime.identity.forget = async () => {
      throw new Error('the identity store does not answer')
    }
    const answer = await fetch(`${test.runtime.url}/api/identities/jane%40example.com`, {
      method: 'DELETE',
      headers: withKey(test.runtime)
    })
    expect(answer.status).toBe(500)
    const logs = test.logs.join('\n')
    expect(logs).toContain('request failed path="/api/identities/<id>" reason="the identity store does not answer"')
    expect(logs).not.toMatch(/jane/)
  })

  it('keeps none of the raw inputs in its files: only hashes, the ttclid and times', async () => {
    const test = await startTestRuntime(ON)
    await send(test.runtime.url, page('anon-1'), identify('anon-1', 'u-77'), purchase('anon-1', 'u-77', 'order-1'))
    await delivered(test, 'order-1')
    await test.runtime.close()
    const files = readdirSync(test.dataDir).filter((name) => name.startsWith('identities.db'))
    expect(files).toContain('identities.db')
    const bytes = files.map((name) => readFileSync(join(test.dataDir, name)).toString('latin1')).join('\n')
    expect(bytes).toContain(HASHED_EMAIL) // what it holds is in view
    for (const raw of [
      EMAIL,
      EMAIL.toLowerCase(),
      PHONE,
      '+14155550142',
      '5550142',
      'Ada',
      'Lovelace',
      'u-77',
      'anon-1'
    ]) {
      expect(bytes).not.toContain(raw)
    }
  })
})

describe('identity memory off', () => {
  it('adds nothing, and counts the events that lacked a key their person gave before', async () => {
    const test = await startTestRuntime({ FLUSH_INTERVAL_MS: '20' })
    await send(test.runtime.url, page('anon-1'), identify('anon-1', 'u-77'), purchase('anon-1', 'u-77', 'order-1'))
    const order = await delivered(test, 'order-1')
    expect(order.user.email).toBeUndefined()
    expect(order.user.ttclid).toBeUndefined()
    const panel = await (await fetch(`${test.runtime.url}/api/match-keys`, { headers: withKey(test.runtime) })).json()
    expect(panel.identity.memory).toBe('off')
    const payment = panel.identity.mappings.find((m: { mapping: string }) => m.mapping === 'Complete Payment')
    expect(payment).toMatchObject({ events: 1, gained: 1 })
    expect(payment.keys).toEqual([
      { key: 'email', count: 1, percent: 100 },
      { key: 'phone', count: 1, percent: 100 },
      { key: 'ttclid', count: 1, percent: 100 },
      { key: 'ttp', count: 0, percent: 0 }
    ])
    expect(payment.sentence).toBe(
      '1 of 1 Complete Payment events (100%) lacked a key their person gave before (email 1, phone 1, ttclid 1): IDENTITY_MEMORY=on would add it.'
    )
  })
})
