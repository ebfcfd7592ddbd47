/**
 * Settings that several runtimes share (Redis, when REDIS_URL is set): saved on the page of one,
 * applied by all. The access token is stored here and nowhere else; it is never logged.
 */
import type { RuntimeSettings } from '../ops/config'

export interface SharedSettings {
  /** Where they are kept, for logs (never the token). */
  readonly where: string
  /**
   * The settings at start. What the shared place holds wins; each setting it does not hold is taken
   * from `seed` (TIKTOK_ACCESS_TOKEN / TIKTOK_PIXEL_CODE, else SETTINGS_FILE) and stored there, so the
   * first runtime to start with them gives them to all.
   */
  load(seed: RuntimeSettings): Promise<RuntimeSettings>
  /** Replaces the settings for every runtime; rejects (nothing changed) when they could not be stored. */
  save(settings: RuntimeSettings): Promise<void>
  /** Calls `onChange` with the settings whenever any runtime saves them (and after a reconnection). */
  watch(onChange: (settings: RuntimeSettings) => void): void
  close(): Promise<void>
}
