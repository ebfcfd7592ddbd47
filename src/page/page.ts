/**
 * The settings and event tester page, rendered from the destination definition itself: the settings
 * form from `authentication.fields`, the mappings editor from the actions' fields and `presets`
 * (mappings-editor.ts), the field reference from the action's `fields`. No framework, no CDN: one HTML page, one stylesheet, one script.
 */
import destination from '../destination'
import type { Runtime } from '../runtime'
import { ACTIONS, type ActionName } from '../runtime/routing/actions'
import { privacyForm } from './privacy'
import { testerSamples } from './samples'
import { describe, escapeHtml as e, scriptJson } from './html'
import { mappingsEditor } from './mappings-section'

/**
 * The product's name as TikTok spells it, for people. The definition keeps Segment's spelling
 * ("Tiktok Conversions"): it is the key of the integrations object that turns the destination on or off.
 */
const BRAND_NAME = 'TikTok Conversions'

function settingsForm(runtime: Runtime): string {
  const fields = Object.entries(destination.authentication?.fields ?? {})
  const saved = runtime.settings as Record<string, string | undefined>
  const inputs = fields
    .map(([key, field]) => {
      const secret = field.type === 'password'
      const isSet = Boolean(saved[key])
      const value = secret ? '' : e(saved[key] ?? '')
      const placeholder = secret && isSet ? 'Saved. Type a new one to replace it.' : ''
      return `
      <div class="field">
        <div class="label-row"><label for="setting-${e(key)}">${e(field.label)}</label>${field.required ? '<span class="required">required</span>' : ''}</div>
        <input id="setting-${e(key)}" name="${e(key)}" type="${secret ? 'password' : 'text'}" value="${value}"
          placeholder="${e(placeholder)}" autocomplete="${secret ? 'new-password' : 'off'}" spellcheck="false"
          ${field.required && !(secret && isSet) ? 'required' : ''} aria-describedby="setting-${e(key)}-help">
        ${secret ? `<p class="state" data-secret-state="${e(key)}">${isSet ? 'An access token is saved (not shown).' : 'No access token saved.'}</p>` : ''}
        <p class="help" id="setting-${e(key)}-help">${describe(field.description)}</p>
      </div>`
    })
    .join('')
  return `
  <section aria-labelledby="settings-title">
    <h2 id="settings-title">Settings</h2>
    <form id="settings-form">
      ${inputs}
      <div class="actions">
        <button type="submit">Save</button>
        <button type="button" id="test-connection">Test connection</button>
      </div>
      <p id="settings-status" role="status" aria-live="polite"></p>
    </form>
  </section>`
}

function eventTester(): string {
  const names = Object.keys(testerSamples)
  const first = names.find((name) => name === 'Complete Payment') ?? names[0]
  const options = names
    .map((name) => `<option value="${e(name)}"${name === first ? ' selected' : ''}>${e(name)}</option>`)
    .join('')
  return `
  <section aria-labelledby="tester-title">
    <h2 id="tester-title">Event tester</h2>
    <p>Paste a Segment event, or pick a sample. <strong>Preview</strong> shows what TikTok would receive, hashed; nothing is sent.
      <strong>Send test event</strong> sends it to TikTok for real, marked with your test event code.</p>
    <div class="field">
      <label for="sample">Sample event</label>
      <select id="sample">${options}</select>
    </div>
    <div class="field">
      <label for="event">Segment event</label>
      <textarea id="event" rows="16" spellcheck="false">${e(JSON.stringify(testerSamples[first], null, 2))}</textarea>
    </div>
    <div class="field">
      <label for="test-event-code">Test event code</label>
      <input id="test-event-code" type="text" spellcheck="false" placeholder="TEST12345" aria-describedby="test-event-code-help">
      <p class="help" id="test-event-code-help">From TikTok Events Manager, Test Events tab. Needed to send a test event.</p>
    </div>
    <div class="actions">
      <button type="button" id="preview">Preview</button>
      <button type="button" id="send-test">Send test event</button>
    </div>
    <div id="tester-result" role="region" aria-live="polite" aria-label="Tester result"></div>
  </section>`
}

function matchKeysPanel(runtime: Runtime): string {
  return `
  <section aria-labelledby="match-keys-title">
    <h2 id="match-keys-title">Match keys</h2>
    <p>What TikTok can match your events on. For each mapping, over its last ${runtime.matchKeys.size.toLocaleString('en-US')}
      events delivered (in dry-run too; a Preview does not count), the share that carried each key. Only counts are kept,
      never a value.</p>
    <div class="actions">
      <button type="button" id="match-keys-refresh">Refresh</button>
    </div>
    <div id="match-keys" role="region" aria-live="polite" aria-label="Match keys by mapping"></div>
  </section>`
}

function fieldsReference(name: ActionName): string {
  const action = destination.actions[name]
  const shown = Object.entries(action.fields).filter(([, field]) => !field.unsafe_hidden)
  const rows = shown
    .map(([key, field]) => {
      const type = `${field.type}${field.multiple ? ' (one or a list)' : ''}`
      const required = field.required === true ? 'Yes' : typeof field.required === 'object' ? 'When CRM' : 'No'
      return `<tr><td>${e(field.label)}</td><td><code>${e(key)}</code></td><td>${e(type)}</td><td>${required}</td><td>${describe(field.description)}</td></tr>`
    })
    .join('')
  return `
  <section aria-labelledby="fields-title-${e(name)}">
    <h2 id="fields-title-${e(name)}">${e(action.title)} fields</h2>
    <details><summary>Show the ${shown.length} fields</summary>
      <table id="fields-${e(name)}"><thead><tr><th scope="col">Field</th><th scope="col">Key</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Description</th></tr></thead>
      <tbody>${rows}</tbody></table>
    </details>
  </section>`
}

/** The page's scripts, run in this order once the page is read (the editor's first: client.js offers it events). */
const SCRIPTS = ['mapping-fields.js', 'mappings-editor.js', 'client.js']
  .map((name) => `\n  <script src="/assets/${name}" defer></script>`)
  .join('')

/** The page's HTML around its header and main parts; the scripts only where there is something to drive. */
function document(header: string, main: string, { script = false, tail = '' } = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${e(BRAND_NAME)} · local runtime</title>
  <link rel="stylesheet" href="/assets/page.css">${script ? SCRIPTS : ''}
</head>
<body>
  <header>
    <h1>${e(BRAND_NAME)}</h1>
    ${header}
  </header>
  <main>
    ${main}
  </main>${tail}
</body>
</html>`
}

export function renderPage(runtime: Runtime): string {
  const mode = runtime.mode()
  const editor = mappingsEditor(runtime)
  return document(
    `<p>Local runtime · <span id="mode" class="mode ${mode}">${mode === 'live' ? 'Live: sending to TikTok' : 'Dry-run: nothing leaves this machine'}</span>
      · Tracking API <code>${e(runtime.url)}/v1/batch</code></p>
    <p id="app-events">Events from mobile apps: ${e(runtime.appEventsRoute())}.</p>`,
    [
      settingsForm(runtime),
      privacyForm(runtime),
      editor.section,
      eventTester(),
      matchKeysPanel(runtime),
      ...ACTIONS.map(fieldsReference)
    ].join('\n    '),
    {
      script: true,
      tail: `\n  <script type="application/json" id="samples">${scriptJson(testerSamples)}</script>${editor.data}`
    }
  )
}

/**
 * What `GET /` shows without the admin key: how to open the page, nothing else (no settings, no data).
 * `wrongKey` when a `?key=` was given that is not this runtime's.
 */
export function renderKeyPage(wrongKey: boolean): string {
  return document(
    '<p>Local runtime</p>',
    `<section aria-labelledby="key-title">
      <h2 id="key-title">Open this page with its key</h2>
      ${wrongKey ? `<p class="bad">That key is not this runtime's. Unless ADMIN_KEY is set, the key changes at each start.</p>` : ''}
      <p>The settings page and its API need the runtime's admin key. Open the URL the runtime printed when it
        started, the one ending in <code>/?key=…</code> (the <code>settings page</code> line of its log).
        With <code>ADMIN_KEY</code> set, open <code>/?key=</code> followed by that key.</p>
    </section>`
  )
}
