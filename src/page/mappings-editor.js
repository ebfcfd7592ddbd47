// The mappings editor: every mapping in force with an on/off switch, its name, its trigger (as text,
// and with a builder for `event = "…"` and `type = "…"` conditions) and its fields (mapping-fields.js);
// add one from a preset or from scratch, rename, delete; Save sends the whole list to PUT
// /api/mappings, and each problem it refuses shows next to its mapping. Plain browser JavaScript;
// everything shown is set with textContent. client.js calls window.mappingsEditor.addFor (Preview).
'use strict'
;(function () {
  const $ = (id) => document.getElementById(id)
  const { fieldRows, element } = window.MappingFields
  const LOST_KEY = 'This page lost its admin key (did the runtime restart?): open the URL it printed at start.'
  const definition = JSON.parse($('mapping-definition').textContent)
  const inForce = JSON.parse($('mappings-in-force').textContent)

  /** The list being edited (sent whole on Save), the problems of the last refused Save, which are open. */
  let entries = inForce.mappings
  let version = inForce.version
  let problems = []
  const open = new Set()

  // FQL reads a string up to the next double quote, backslashes as they are: a value is written
  // between quotes unchanged, and one holding a double quote cannot be matched with = at all.
  const quote = (text) => `"${text}"`
  const QUOTE_HELP = (value) =>
    `FQL cannot match ${value} with =: it contains a double quote ("). Write the trigger by hand, e.g. contains(event, "…") with a part that has none.`
  const tiktokEvent = (entry) =>
    typeof entry.mapping.event === 'string' ? entry.mapping.event : entry.mapping.event ? '(mapped)' : '(not set)'

  function say(text, ok) {
    const status = $('mappings-status')
    status.textContent = text
    status.className = ok === undefined ? '' : ok ? 'ok' : 'bad'
  }

  const edited = () => say('Changes not saved yet: Save mappings applies them.')

  /** A name no other mapping has: `name`, else `name 2`, `name 3`… */
  function uniqueName(name) {
    const taken = new Set(entries.map((entry) => entry.name))
    if (!taken.has(name)) return name
    let n = 2
    while (taken.has(`${name} ${n}`)) n++
    return `${name} ${n}`
  }

  function header(entry, index) {
    const row = element('div', undefined, 'mapping-head')
    const switchId = `mapping-on-${index}`
    const toggle = element('input')
    toggle.type = 'checkbox'
    toggle.id = switchId
    toggle.setAttribute('role', 'switch')
    toggle.setAttribute('aria-label', `${entry.name}: on`)
    toggle.checked = entry.enabled !== false
    toggle.addEventListener('change', () => {
      entry.enabled = toggle.checked
      state.textContent = toggle.checked ? 'On' : 'Off'
      row.parentElement.classList.toggle('off', !toggle.checked)
      edited()
    })
    const state = element('label', entry.enabled === false ? 'Off' : 'On', 'switch-state')
    state.htmlFor = switchId
    const remove = element('button', 'Delete', 'small')
    remove.type = 'button'
    remove.setAttribute('aria-label', `Delete ${entry.name}`)
    remove.addEventListener('click', () => {
      entries.splice(index, 1)
      problems = []
      reopen(index, -1)
      render()
      edited()
    })
    row.append(
      toggle,
      state,
      element('strong', entry.name, 'mapping-name'),
      element('code', entry.subscribe, 'trigger')
    )
    const action = definition.actions[entry.action] || definition.actions.reportWebEvent
    row.append(element('span', `${action.title} → ${tiktokEvent(entry)}`, 'reports'), remove)
    return row
  }

  /** After a mapping at `index` is removed (-1), the open ones after it move up. */
  function reopen(index, by) {
    const moved = [...open].filter((at) => at !== index).map((at) => (at > index ? at + by : at))
    open.clear()
    for (const at of moved) open.add(at)
  }

  /** The trigger's builder: adds `event = "…"` or `type = "…"`, joined with and / or. */
  function builder(trigger, changed) {
    const box = element('div', undefined, 'value-row builder')
    const what = element('select')
    what.setAttribute('aria-label', 'Condition on')
    for (const [value, text] of [
      ['event', 'Event name is'],
      ['type', 'Event type is']
    ]) {
      what.append(Object.assign(element('option', text), { value }))
    }
    const value = element('input')
    value.setAttribute('aria-label', 'Condition value')
    value.placeholder = 'Order Completed'
    what.addEventListener('change', () => (value.placeholder = what.value === 'type' ? 'page' : 'Order Completed'))
    const join = element('select')
    join.setAttribute('aria-label', 'Joined with')
    for (const word of ['and', 'or']) join.append(Object.assign(element('option', word), { value: word }))
    const add = element('button', 'Add condition', 'small')
    add.type = 'button'
    const refused = element('p', '', 'bad builder-problem')
    refused.setAttribute('role', 'alert')
    refused.hidden = true
    value.addEventListener('input', () => (refused.hidden = true))
    add.addEventListener('click', () => {
      if (!value.value.trim()) return value.focus()
      refused.hidden = !value.value.includes('"')
      if (!refused.hidden) return void (refused.textContent = QUOTE_HELP(value.value.trim()))
      const condition = `${what.value} = ${quote(value.value.trim())}`
      const current = trigger.value.trim()
      trigger.value = current ? `${current} ${join.value} ${condition}` : condition
      changed()
      value.value = ''
    })
    box.append(what, value, join, add, refused)
    return box
  }

  function body(entry, index, li) {
    const box = element('div', undefined, 'mapping-body')
    const refresh = () => {
      li.replaceChild(header(entry, index), li.firstChild)
      li.setAttribute('aria-label', entry.name)
      li.querySelector('summary').textContent = `Edit ${entry.name}`
    }
    const nameId = `mapping-name-${index}`
    const nameLabel = element('label', 'Name')
    nameLabel.htmlFor = nameId
    const name = Object.assign(element('input'), { id: nameId, value: entry.name, spellcheck: false })
    name.addEventListener('input', () => {
      entry.name = name.value
      refresh()
      edited()
    })
    const triggerId = `mapping-trigger-${index}`
    const triggerLabel = element('label', 'Trigger')
    triggerLabel.htmlFor = triggerId
    const trigger = Object.assign(element('textarea'), { id: triggerId, rows: 2, spellcheck: false })
    trigger.value = entry.subscribe
    const triggerChanged = () => {
      entry.subscribe = trigger.value
      refresh()
      edited()
    }
    trigger.addEventListener('input', triggerChanged)
    const help = element('p', 'FQL, as in Segment: event = "Order Completed", type = "page", joined with and / or.')
    help.className = 'help'
    const action = definition.actions[entry.action] || definition.actions.reportWebEvent
    const nameField = element('div', undefined, 'field')
    nameField.append(nameLabel, name)
    const triggerField = element('div', undefined, 'field')
    triggerField.append(triggerLabel, trigger, help, builder(trigger, triggerChanged))
    box.append(nameField, triggerField, element('h4', `${action.title} fields`))
    box.append(
      fieldRows(action.fields, entry.mapping, () => {
        refresh()
        edited()
      })
    )
    return box
  }

  function render() {
    const list = $('mappings')
    list.replaceChildren()
    entries.forEach((entry, index) => {
      const li = element('li', undefined, entry.enabled === false ? 'mapping off' : 'mapping')
      li.dataset.index = String(index)
      li.setAttribute('aria-label', entry.name)
      li.append(header(entry, index))
      const mine = problems.filter((problem) => problem.mapping === index + 1)
      if (mine.length) {
        const list = element('ul', undefined, 'issues bad mapping-problems')
        for (const problem of mine) list.append(element('li', problem.problem, 'bad'))
        li.append(list)
      }
      const details = element('details')
      details.open = open.has(index)
      details.append(element('summary', `Edit ${entry.name}`))
      let built = false
      const build = () => {
        if (built || !details.open) return
        built = true
        details.append(body(entry, index, li))
      }
      details.addEventListener('toggle', () => {
        if (details.open) open.add(index)
        else open.delete(index)
        build()
      })
      build()
      li.append(details)
      list.append(li)
    })
    const general = $('mappings-problems')
    general.replaceChildren()
    for (const problem of problems.filter((p) => p.mapping === undefined)) {
      general.append(element('p', problem.message, 'bad'))
    }
  }

  function addOptions() {
    const select = $('add-mapping-from')
    const scratch = element('optgroup')
    scratch.label = 'From scratch'
    for (const [name, action] of Object.entries(definition.actions)) {
      scratch.append(Object.assign(element('option', `New ${action.title} mapping`), { value: `scratch:${name}` }))
    }
    const presets = element('optgroup')
    presets.label = 'From a preset'
    definition.presets.forEach((preset, i) => {
      presets.append(Object.assign(element('option', preset.name), { value: `preset:${i}` }))
    })
    select.append(scratch, presets)
  }

  /** Adds a mapping at the end, open, and brings it into view. */
  function add(entry) {
    entries.push(entry)
    open.add(entries.length - 1)
    problems = []
    render()
    edited()
    const li = $('mappings').lastElementChild
    li.scrollIntoView({ block: 'start' })
    li.querySelector('input[id^="mapping-name-"]').focus()
    return li
  }

  $('add-mapping').addEventListener('click', () => {
    const [kind, which] = $('add-mapping-from').value.split(':')
    if (kind === 'preset') {
      const preset = JSON.parse(JSON.stringify(definition.presets[Number(which)]))
      add({ ...preset, name: uniqueName(preset.name), enabled: true })
    } else {
      add({ name: uniqueName('New mapping'), enabled: true, subscribe: '', action: which, mapping: {} })
    }
  })

  $('save-mappings').addEventListener('click', async () => {
    say('Saving…')
    const response = await fetch('/api/mappings', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      // The version the list was edited from: a save made elsewhere since is not overwritten (409).
      body: JSON.stringify({ mappings: entries, version })
    })
    if (response.status === 401) return say(LOST_KEY, false)
    const answer = await response.json().catch(() => ({ message: `The runtime answered HTTP ${response.status}.` }))
    if (response.ok) {
      entries = answer.mappings
      version = answer.version
      problems = []
      $('mappings-source').textContent = answer.source
    } else {
      problems = answer.problems || []
    }
    render()
    say(answer.message || 'Could not save.', response.ok)
    const first = document.querySelector('.mapping-problems')
    if (first) first.scrollIntoView({ block: 'center' })
  })

  /** Preview found no mapping for an event: a new one (Report Web Event) with its trigger written. */
  function addFor(event) {
    // A track call without a name gets a trigger on its type, as other calls do.
    const track = (event.type === 'track' || event.type === undefined) && typeof event.event === 'string'
    if (typeof event.type !== 'string' && !track) event = { ...event, type: 'track' }
    const value = track ? event.event : event.type
    if (value.includes('"')) return say(QUOTE_HELP(value), false)
    const subscribe = track ? `event = ${quote(event.event)}` : `type = ${quote(event.type || 'track')}`
    const name = uniqueName(track ? event.event : `${event.type} calls`)
    return add({ name, enabled: true, subscribe, action: 'reportWebEvent', mapping: {} })
  }

  addOptions()
  render()
  window.mappingsEditor = { addFor }
})()
