/**
 * The list of mappings saved on the page (PUT /api/mappings): kept in DATA_DIR (mappings-file.ts), or
 * in Redis when REDIS_URL is set (redis/mappings.ts), shared by every runtime there. Stored as the JSON
 * list the page sent once it was checked; read back through the same check at start.
 */
export interface SavedMappings {
  /** Where it is kept, for logs and the page. */
  readonly where: string
  /** The list saved, or undefined when none was ever saved. */
  load(): Promise<unknown[] | undefined>
  /** Replaces it (for every runtime sharing it); rejects (nothing changed) when it could not be stored. */
  save(entries: unknown[]): Promise<void>
  /** Calls `onChange` with the list whenever another runtime saves it (shared places only). */
  watch?(onChange: (entries: unknown[]) => void): void
  close?(): Promise<void>
}
