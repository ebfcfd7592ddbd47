// The mappings editor's fields: one row per field of an action, built from the field's definition
// (label, type, default, sub-fields). A field takes its default, a path in the event, a fixed value,
// its sub-fields one by one (object fields), or a mapping written as JSON. Plain browser JavaScript;
// everything shown is set with textContent. Used by mappings-editor.js as window.MappingFields.
'use strict'
;(function () {
  let serial = 0
  const nextId = (prefix) => `${prefix}-${++serial}`

  function element(tag, text, className) {
    const node = document.createElement(tag)
    if (text !== undefined) node.textContent = text
    if (className) node.className = className
    return node
  }

  const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value)
  const isDirective = (value) => isObject(value) && Object.keys(value).some((key) => key.startsWith('@'))
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b)
  const clone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)))

  /** A mapping value in words: a path, "a, else b", "each of …", or the value as JSON. */
  function describeValue(value) {
    if (value === undefined) return 'nothing (not sent)'
    if (!isObject(value)) return JSON.stringify(value)
    if (typeof value['@path'] === 'string') return value['@path']
    if (typeof value['@template'] === 'string') return value['@template']
    const test = value['@if']
    if (isObject(test) && isObject(test.exists) && same(test.exists, test.then)) {
      return `${describeValue(test.then)}, else ${describeValue(test.else)}`
    }
    if (Array.isArray(value['@arrayPath'])) return `each of ${value['@arrayPath'][0]}`
    if (!isDirective(value)) {
      return Object.entries(value)
        .map(([key, sub]) => `${key}: ${describeValue(sub)}`)
        .join('; ')
    }
    const text = JSON.stringify(value)
    return text.length > 140 ? `${text.slice(0, 140)}…` : text
  }

  /** The first `{'@arrayPath': [path, item map]}` in a value (a list field's default may wrap it in @if). */
  function firstEach(value) {
    if (!isObject(value)) return undefined
    const each = value['@arrayPath']
    if (Array.isArray(each) && typeof each[0] === 'string' && isObject(each[1]) && !isDirective(each[1])) return each
    for (const sub of Object.values(value)) {
      const found = firstEach(sub)
      if (found) return found
    }
    return undefined
  }

  /** How a field's value is set: default, path, value, fields (sub-field by sub-field) or json. */
  function modeOf(field, value) {
    if (value === undefined || same(value, field.default)) return 'default'
    if (isObject(value) && Object.keys(value).length === 1 && typeof value['@path'] === 'string') return 'path'
    if (field.properties && isObject(value) && !isDirective(value) && !field.multiple) return 'fields'
    if (field.properties && field.multiple && isObject(value) && Object.keys(value).length === 1) {
      const each = value['@arrayPath']
      if (Array.isArray(each) && typeof each[0] === 'string' && isObject(each[1]) && !isDirective(each[1])) {
        return 'fields'
      }
    }
    if (!isDirective(value) && (!isObject(value) || !field.properties)) return 'value'
    return 'json'
  }

  const MODES = [
    ['default', 'Default'],
    ['path', 'Path in the event'],
    ['value', 'Fixed value'],
    ['fields', 'Sub-field by sub-field'],
    ['json', 'Mapping as JSON']
  ]

  /** A fixed value as typed, as the field's type reads it (text stays text for a text field). */
  function literal(field, text) {
    if (field.type === 'string' && !field.multiple) return text
    if ((field.type === 'number' || field.type === 'integer') && text.trim() !== '' && !isNaN(Number(text))) {
      return Number(text)
    }
    if (field.type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true'
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }

  const shownLiteral = (value) => (typeof value === 'string' ? value : JSON.stringify(value))

  /** The value a field starts with in a mode. */
  function startValue(field, mode, value) {
    const current = value === undefined ? clone(field.default) : value
    // A list item's sub-field is read inside each item: $.price, not $.properties.price.
    if (mode === 'path') return { '@path': field.inItem ? `$.${field.key}` : `$.properties.${field.key}` }
    if (mode === 'value') return field.type === 'boolean' ? false : ''
    if (mode === 'json') return current === undefined ? '' : current
    if (field.multiple) {
      // Starts from the default's list and item map (each of $.properties.products, item by item).
      const each = firstEach(current) || firstEach(field.default)
      return { '@arrayPath': [each ? each[0] : '$.properties.products', clone(each ? each[1] : {})] }
    }
    return isObject(current) && !isDirective(current) ? current : {}
  }

  /**
   * One row of a field of `mapping` (an object holding fields by key: a mapping, or an object field's
   * value): it reads and writes `mapping[field.key]`, and calls `changed` after each change.
   */
  function fieldRow(field, mapping, changed, labelPrefix) {
    const label = labelPrefix ? `${labelPrefix} ${field.label}` : field.label
    const row = element('div', undefined, 'mapping-field')
    row.dataset.field = field.key
    const head = element('div', undefined, 'label-row')
    const id = nextId('field')
    const title = element('label', field.label)
    title.htmlFor = id
    head.append(title, element('code', field.key, 'key'))
    if (field.required) head.append(element('span', 'required', 'required'))
    row.append(head)
    row.append(element('p', `Default: ${describeValue(field.default)}`, 'help default'))

    const controls = element('div', undefined, 'value-row')
    const mode = element('select')
    mode.setAttribute('aria-label', `${label}: set as`)
    for (const [value, text] of MODES) {
      if (value === 'fields' && !field.properties) continue
      const option = element('option', text)
      option.value = value
      mode.append(option)
    }
    const input = element(field.type === 'string' && !field.multiple ? 'input' : 'textarea')
    input.id = id
    input.setAttribute('aria-label', label)
    input.spellcheck = false
    if (input.tagName === 'TEXTAREA') input.rows = 1
    if (field.choices) {
      const list = element('datalist')
      list.id = nextId('choices')
      for (const choice of field.choices) list.append(Object.assign(element('option'), { value: choice }))
      input.setAttribute('list', list.id)
      controls.append(list)
    }
    const subFields = element('div', undefined, 'sub-fields')
    controls.prepend(mode, input)
    row.append(controls, subFields)

    /** Shows the value as `chosen` says (just picked: a value equal to the default is still shown as picked). */
    function show(chosen) {
      const value = mapping[field.key]
      const current = chosen || modeOf(field, value)
      mode.value = current
      input.hidden = current === 'fields'
      input.disabled = current === 'default'
      input.placeholder =
        current === 'path' ? '$.properties.name' : current === 'default' ? describeValue(field.default) : ''
      if (current === 'default') input.value = ''
      else if (current === 'path') input.value = value['@path']
      else if (current === 'value') input.value = shownLiteral(value)
      else if (current === 'json') input.value = JSON.stringify(value, null, 2)
      if (current === 'fields') showSubFields(value)
      else subFields.replaceChildren()
    }

    function showSubFields(value) {
      subFields.replaceChildren()
      let holder = value
      if (field.multiple) {
        holder = value['@arrayPath'][1]
        const eachId = nextId('each')
        const eachLabel = element('label', 'Each item of', 'inline')
        eachLabel.htmlFor = eachId
        const each = element('input')
        each.id = eachId
        each.setAttribute('aria-label', `${label}: each item of`)
        each.value = value['@arrayPath'][0]
        each.addEventListener('input', () => {
          value['@arrayPath'][0] = each.value
          changed()
        })
        subFields.append(element('p', 'Paths below are read in each item: $.price is the item\u2019s price.', 'help'))
        subFields.append(eachLabel, each)
      }
      // A sub-field's default is its part of the field's default (an address's city, an item's price…).
      const defaults = field.multiple
        ? (firstEach(field.default) || [])[1] || {}
        : isObject(field.default) && !isDirective(field.default)
          ? field.default
          : {}
      for (const sub of field.properties) {
        const subField = { ...sub, default: defaults[sub.key], inObject: true, inItem: Boolean(field.multiple) }
        subFields.append(fieldRow(subField, holder, changed, label))
      }
    }

    mode.addEventListener('change', () => {
      // In an object written sub-field by sub-field, the default is written out: nothing lays it over.
      if (mode.value === 'default' && field.inObject && field.default !== undefined) {
        mapping[field.key] = clone(field.default)
      } else if (mode.value === 'default') delete mapping[field.key]
      else mapping[field.key] = startValue(field, mode.value, mapping[field.key])
      changed()
      show(mode.value)
      if (!input.hidden && !input.disabled) input.focus()
    })
    input.addEventListener('input', () => {
      const current = mode.value
      if (current === 'path') mapping[field.key] = { '@path': input.value.trim() }
      else if (current === 'value') mapping[field.key] = literal(field, input.value)
      else if (current === 'json') {
        try {
          mapping[field.key] = JSON.parse(input.value)
          input.setCustomValidity('')
        } catch {
          input.setCustomValidity('Not valid JSON yet.')
          return
        }
      }
      changed()
    })
    show()
    return row
  }

  /** The rows of every field of an action, reading and writing `mapping`. */
  function fieldRows(fields, mapping, changed) {
    const box = element('div', undefined, 'mapping-fields')
    for (const field of fields) box.append(fieldRow(field, mapping, changed))
    return box
  }

  window.MappingFields = { fieldRows, describeValue, element }
})()
