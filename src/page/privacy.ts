/**
 * The page's "Consent and identity" settings: the consent categories this destination needs, Limited
 * Data Use for every event, identity memory on or off. Saved like the destination's settings (the
 * settings file, or Redis for every runtime) by `POST /api/privacy`; the form and what it takes.
 */
import type { Runtime } from '../runtime'
import { consentCategoriesOf } from '../runtime/ops/config'
import { escapeHtml as e } from './html'

/** What the page shows of them (GET /api/state too). */
export function privacyState(runtime: Runtime) {
  return {
    consentCategories: runtime.consentCategories().join(', '),
    limitedDataUse: runtime.settings.limitedDataUse === 'on',
    identityMemory: runtime.identity.on,
    identityTtlDays: runtime.config.identityTtlDays
  }
}

/** `POST /api/privacy`: each field checked, named when wrong; then saved and applied. */
export async function savePrivacy(runtime: Runtime, body: Record<string, unknown>): Promise<[number, unknown]> {
  const { consentCategories, limitedDataUse, identityMemory } = body
  if (typeof consentCategories !== 'string')
    return [400, { field: 'consentCategories', message: 'Consent categories must be text (comma-separated).' }]
  if (typeof limitedDataUse !== 'boolean')
    return [400, { field: 'limitedDataUse', message: 'Limited Data Use must be true or false.' }]
  if (typeof identityMemory !== 'boolean')
    return [400, { field: 'identityMemory', message: 'Identity memory must be true or false.' }]
  await runtime.updateSettings({
    consentCategories: consentCategoriesOf(consentCategories).join(','),
    limitedDataUse: limitedDataUse ? 'on' : 'off',
    identityMemory: identityMemory ? 'on' : 'off'
  })
  return [200, { ...privacyState(runtime), message: 'Saved.' }]
}

export function privacyForm(runtime: Runtime): string {
  const state = privacyState(runtime)
  const checked = (on: boolean) => (on ? 'checked' : '')
  return `
  <section aria-labelledby="privacy-title">
    <h2 id="privacy-title">Consent and identity</h2>
    <form id="privacy-form">
      <div class="field">
        <div class="label-row"><label for="privacy-consentCategories">Consent categories</label></div>
        <input id="privacy-consentCategories" name="consentCategories" type="text" value="${e(state.consentCategories)}"
          autocomplete="off" spellcheck="false" aria-describedby="privacy-consentCategories-help">
        <p class="help" id="privacy-consentCategories-help">Comma-separated (e.g. Advertising). An event whose
          context.consent.categoryPreferences does not grant each one is neither delivered nor remembered; an event
          without a consent object goes. Empty: consent is not read.</p>
      </div>
      <div class="field">
        <label><input id="privacy-limitedDataUse" name="limitedDataUse" type="checkbox" ${checked(state.limitedDataUse)}>
          Limited Data Use for every event</label>
        <p class="help">Sends limited_data_use: true with every event that does not say otherwise.</p>
      </div>
      <div class="field">
        <label><input id="privacy-identityMemory" name="identityMemory" type="checkbox" ${checked(state.identityMemory)}>
          Identity memory</label>
        <p class="help">Adds to a person's later events the hashed email and phone, ttclid and ttp they gave before,
          across their devices, for ${e(String(state.identityTtlDays))} days (IDENTITY_TTL_DAYS).
          DELETE /api/identities/&lt;id&gt; forgets someone.</p>
      </div>
      <div class="actions"><button type="submit">Save consent and identity</button></div>
      <p id="privacy-status" role="status" aria-live="polite"></p>
    </form>
  </section>`
}
