/**
 * The mappings editor's part of the page: its section, and what its script (mappings-editor.js,
 * mapping-fields.js) builds the editor from, taken from the definition itself: each action's fields
 * (label, type, default, sub-fields, choices), and the presets a new mapping can start from. The
 * mappings in force come with it; Save sends the whole list to PUT /api/mappings.
 */
import type { InputField } from '@segment/actions-core'
import type { Runtime } from '../runtime'
import { mappingEntries } from '../runtime/routing/entries'
import { ACTIONS, defaultsFor, fieldsOf, titleOf } from '../runtime/routing/actions'
import { presetSubscriptions } from '../runtime/routing/subscriptions'
import { escapeHtml as e, scriptJson } from './html'
import { mappingsAnswer } from './mappings-api'

/** A field as the editor shows it. */
interface EditorField {
  key: string
  label: string
  type: string
  multiple: boolean
  required: boolean
  default?: unknown
  choices?: string[]
  /** An object field's sub-fields, edited one by one. */
  properties?: EditorField[]
}

function editorField(key: string, field: InputField): EditorField {
  const choices = field.choices?.map((choice) => (typeof choice === 'string' ? choice : String(choice.value)))
  const properties = field.properties
    ? Object.entries(field.properties).map(([sub, subField]) => editorField(sub, subField as InputField))
    : undefined
  return {
    key,
    label: field.label,
    type: field.type,
    multiple: field.multiple === true,
    required: field.required === true,
    default: field.default,
    choices: choices?.length ? choices : undefined,
    properties
  }
}

/** What the editor is built from: per action its title and fields (hidden ones left out), and the presets. */
export function editorDefinition() {
  return {
    actions: Object.fromEntries(
      ACTIONS.map((action) => [
        action,
        {
          title: titleOf(action),
          fields: Object.entries(fieldsOf(action))
            .filter(([, field]) => !field.unsafe_hidden)
            .map(([key, field]) => editorField(key, field))
        }
      ])
    ),
    // Each preset as what it writes over its action's defaults: a new mapping made from it is laid over them again.
    presets: mappingEntries(presetSubscriptions()).map((preset) => {
      const defaults = defaultsFor(preset.action, preset.mapping)
      const own = Object.entries(preset.mapping).filter(
        ([key, value]) => JSON.stringify(value) !== JSON.stringify(defaults[key])
      )
      return { ...preset, mapping: Object.fromEntries(own) }
    })
  }
}

let definition: string | undefined

/** The editor's section, and the JSON its script reads (the definition once, the mappings in force each time). */
export function mappingsEditor(runtime: Runtime): { section: string; data: string } {
  definition ??= scriptJson(editorDefinition())
  const section = `
  <section aria-labelledby="mappings-title" id="mappings-section">
    <h2 id="mappings-title">Mappings</h2>
    <p>Which events go to TikTok, and how. Each mapping has a trigger (which Segment events it takes), the action it
      reports with, and its fields: each takes its default, a path in the event (<code>$.properties.x</code>) or a
      fixed value. Turn one off to stop it without losing it. <strong>Save mappings</strong> checks the whole list,
      as a mappings file is checked, and applies it at once: no restart.</p>
    <p class="help">In force: <span id="mappings-source">${e(runtime.subscriptionSource)}</span>. A list saved here is
      kept (${e(runtime.storage.mappings?.where ?? 'in memory')}) and wins over a <code>MAPPINGS</code> file at the next
      start; <code>tiktok-conversions mappings export</code> writes the list in force as a mappings file.</p>
    <div id="mappings-problems" role="alert"></div>
    <ol id="mappings" aria-label="Mappings"></ol>
    <div class="actions add-mapping">
      <label for="add-mapping-from" class="inline">Add a mapping</label>
      <select id="add-mapping-from"></select>
      <button type="button" id="add-mapping">Add</button>
    </div>
    <div class="actions">
      <button type="button" id="save-mappings" class="primary">Save mappings</button>
    </div>
    <p id="mappings-status" role="status" aria-live="polite"></p>
  </section>`
  const data = `
  <script type="application/json" id="mapping-definition">${definition}</script>
  <script type="application/json" id="mappings-in-force">${scriptJson(mappingsAnswer(runtime))}</script>`
  return { section, data }
}
