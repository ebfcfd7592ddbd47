// The settings and event tester page. Plain browser JavaScript, no dependency. Everything shown is set
// with textContent: nothing from an event or an answer can become markup.
'use strict'
;(function () {
  const $ = (id) => document.getElementById(id)
  const LOST_KEY = 'This page lost its admin key (did the runtime restart?): open the URL it printed at start.'

  function element(tag, text, className) {
    const node = document.createElement(tag)
    if (text !== undefined) node.textContent = text
    if (className) node.className = className
    return node
  }

  async function call(path, body) {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body || {})
    })
    if (response.status === 401) return { ok: false, answer: { message: LOST_KEY } }
    const answer = await response.json().catch(() => ({ message: `The runtime answered HTTP ${response.status}.` }))
    return { ok: response.ok, answer }
  }

  function say(node, text, ok) {
    node.textContent = text
    node.className = ok === undefined ? '' : ok ? 'ok' : 'bad'
  }

  function showMode(mode) {
    const badge = $('mode')
    badge.textContent = mode === 'live' ? 'Live: sending to TikTok' : 'Dry-run: nothing leaves this machine'
    badge.className = `mode ${mode}`
  }

  // Settings: the token goes to the runtime and is never shown again.
  $('settings-form').addEventListener('submit', async (submitted) => {
    submitted.preventDefault()
    const status = $('settings-status')
    const token = $('setting-accessToken')
    say(status, 'Saving…')
    const { ok, answer } = await call('/api/settings', {
      accessToken: token.value,
      pixelCode: $('setting-pixelCode').value,
      appID: $('setting-appID').value,
      offlineEventSetID: $('setting-offlineEventSetID').value
    })
    if (!ok) return say(status, answer.message || 'Could not save.', false)
    token.value = ''
    token.required = false
    token.placeholder = 'Saved. Type a new one to replace it.'
    const secretState = document.querySelector('[data-secret-state="accessToken"]')
    if (secretState)
      secretState.textContent = answer.accessTokenSet
        ? 'An access token is saved (not shown).'
        : 'No access token saved.'
    showMode(answer.mode)
    $('app-events').textContent = `Events from mobile apps: ${answer.appEvents}.`
    say(status, answer.message, true)
  })

  $('test-connection').addEventListener('click', async () => {
    const status = $('settings-status')
    say(status, 'Asking TikTok…')
    const { answer } = await call('/api/test-connection')
    say(status, answer.message, Boolean(answer.ok))
  })

  // Event tester.
  const samples = JSON.parse($('samples').textContent)
  $('sample').addEventListener('change', (changed) => {
    $('event').value = JSON.stringify(samples[changed.target.value], null, 2)
  })

  function issues(title, list, className) {
    if (!list || list.length === 0) return null
    const box = element('div')
    box.append(element('p', title, className))
    const items = element('ul', undefined, 'issues')
    for (const issue of list) items.append(element('li', issue.message, className))
    box.append(items)
    return box
  }

  /** The event in the box, when it reads as one: what "add a mapping for this event" starts from. */
  function typedEvent() {
    try {
      const event = JSON.parse($('event').value)
      return event && typeof event === 'object' && !Array.isArray(event) ? event : undefined
    } catch {
      return undefined
    }
  }

  /** No mapping takes the event: offer one that does, in the mappings editor. */
  function offerMapping(box) {
    const event = typedEvent()
    if (!event || !window.mappingsEditor) return
    const offer = element('button', 'Add a mapping for this event')
    offer.type = 'button'
    offer.addEventListener('click', () => window.mappingsEditor.addFor(event))
    const line = element('p', 'Nothing would be sent. ')
    line.append(offer)
    box.append(line)
  }

  function showPreview(result) {
    const box = $('tester-result')
    box.replaceChildren()
    if (result.message) box.append(element('p', result.message, 'bad'))
    if (result.routedAs && (result.matches || []).length === 0) offerMapping(box)
    else if (!result.message && result.routedAs)
      box.append(element('p', `Routed as ${result.routedAs === 'app' ? 'an app' : 'a web'} event.`))
    for (const match of result.matches || []) {
      const section = element('div', undefined, 'match')
      section.append(
        element('h3', `Matches ${match.mapping} (${match.trigger}) → TikTok event ${match.tiktokEvent || '(mapped)'}`)
      )
      const errors = issues('What is wrong (nothing would be sent):', match.errors, 'bad')
      if (errors) section.append(errors)
      const warnings = issues('Warnings:', match.warnings)
      if (warnings) section.append(warnings)
      if (match.body) {
        section.append(element('p', 'Body TikTok would receive (PII hashed):'))
        section.append(element('pre', JSON.stringify(match.body, null, 2)))
      }
      box.append(section)
    }
  }

  $('preview').addEventListener('click', async () => {
    const { ok, answer } = await call('/api/preview', { event: $('event').value })
    refreshMatchKeys()
    if (!ok) return showPreview({ message: answer.message || 'Preview failed.' })
    showPreview(answer)
  })

  $('send-test').addEventListener('click', async () => {
    const box = $('tester-result')
    box.replaceChildren(element('p', 'Sending…'))
    const { ok, answer } = await call('/api/send-test', {
      event: $('event').value,
      testEventCode: $('test-event-code').value
    })
    refreshMatchKeys()
    box.replaceChildren()
    if (!ok) return box.append(element('p', answer.message, 'bad'))
    for (const result of answer.results)
      box.append(element('p', `${result.mapping}: ${result.message}`, result.ok ? 'ok' : 'bad'))
  })

  // Consent and identity: saved like the settings, applied to every event.
  $('privacy-form').addEventListener('submit', async (submitted) => {
    submitted.preventDefault()
    const status = $('privacy-status')
    say(status, 'Saving…')
    const { ok, answer } = await call('/api/privacy', {
      consentCategories: $('privacy-consentCategories').value,
      limitedDataUse: $('privacy-limitedDataUse').checked,
      identityMemory: $('privacy-identityMemory').checked
    })
    if (!ok) return say(status, answer.message || 'Could not save.', false)
    $('privacy-consentCategories').value = answer.consentCategories
    $('privacy-identityMemory').checked = answer.identityMemory
    say(status, answer.message, true)
    refreshMatchKeys()
  })

  // Match keys: per mapping, the share of its last delivered events that carried each key (counts only).
  const plural = (count, noun) => `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`

  function showMatchKeys(answer) {
    const box = $('match-keys')
    box.replaceChildren()
    if (answer.message) box.append(element('p', answer.message, answer.mappings ? undefined : 'bad'))
    for (const mapping of answer.mappings || []) {
      const block = element('div', undefined, 'match-keys')
      block.append(element('h3', mapping.mapping))
      block.append(element('p', `Out of ${plural(mapping.events, 'delivered event')}.`, 'help'))
      const labels = element('tr')
      const shares = element('tr')
      for (const share of mapping.shares) {
        const label = element('th', share.label)
        label.scope = 'col'
        labels.append(label)
        shares.append(element('td', `${share.percent}% (${share.count} of ${mapping.events})`))
      }
      const head = element('thead')
      const body = element('tbody')
      head.append(labels)
      body.append(shares)
      const table = element('table')
      table.append(head, body)
      block.append(table)
      block.append(element('p', mapping.advice, 'advice'))
      box.append(block)
    }
    const identity = answer.identity
    if (identity) {
      box.append(element('p', `Identity memory: ${identity.memory} (forgets after ${identity.ttlDays} days).`))
      for (const gain of identity.mappings) box.append(element('p', gain.sentence, 'help'))
    }
    if (answer.consentCategories && answer.consentCategories.length) {
      box.append(
        element(
          'p',
          `Consent: ${plural(answer.consentRefused, 'event')} neither delivered nor remembered (not granted: ${answer.consentCategories.join(', ')}).`,
          'help'
        )
      )
    }
  }

  // The latest answer wins: refreshes that cross on the way back do not overwrite a newer one.
  let matchKeysAsked = 0
  async function refreshMatchKeys() {
    const asked = ++matchKeysAsked
    let answer
    try {
      const response = await fetch('/api/match-keys')
      answer = response.status === 401 ? { message: LOST_KEY } : await response.json()
    } catch {
      answer = { message: 'Could not reach the runtime.' }
    }
    if (asked === matchKeysAsked) showMatchKeys(answer)
  }

  $('match-keys-refresh').addEventListener('click', () => refreshMatchKeys())
  refreshMatchKeys()
})()
