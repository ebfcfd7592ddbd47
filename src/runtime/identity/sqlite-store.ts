/**
 * Identity memory in SQLite: its own file, `identities.db` in DATA_DIR (mode 0600), so it survives
 * restarts and never touches the queue's. One row per person key: the facts and links as JSON, and
 * when it expires; expired rows are removed at most once a minute.
 */
import { join } from 'node:path'
import Database from 'libsql'
import { privateDir, privateFile } from '../storage/private-files'
import { newest, type Facts } from './facts'
import { SQLITE_FILE, type IdentityStore, type PersonRecord } from './store'

const SWEEP_EVERY_MS = 60_000

export class SqliteIdentityStore implements IdentityStore {
  readonly where: string
  private readonly db: Database.Database
  private lastSweep = 0
  private readonly select: Database.Statement
  private readonly upsert: Database.Statement
  private readonly remove1: Database.Statement
  private readonly linking: Database.Statement

  constructor(
    dataDir: string,
    private readonly now: () => number = Date.now
  ) {
    privateDir(dataDir)
    this.where = join(dataDir, SQLITE_FILE)
    privateFile(this.where)
    this.db = new Database(this.where)
    this.db.pragma('busy_timeout = 5000')
    this.db.pragma('journal_mode = WAL')
    // A machine crash may lose the last facts learned, never the queue's events: memory only helps matching.
    this.db.pragma('synchronous = NORMAL')
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS persons (
        key TEXT PRIMARY KEY,
        facts TEXT NOT NULL,
        links TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS persons_expiry ON persons (expires_at);`
    )
    this.select = this.db.prepare('SELECT facts, links FROM persons WHERE key = ? AND expires_at > ?')
    this.upsert = this.db.prepare(
      'INSERT INTO persons (key, facts, links, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET facts = excluded.facts, links = excluded.links, expires_at = excluded.expires_at'
    )
    this.remove1 = this.db.prepare('DELETE FROM persons WHERE key = ?')
    // A scan, but only a request to forget someone asks.
    this.linking = this.db.prepare(
      'SELECT key FROM persons WHERE expires_at > ? AND EXISTS (SELECT 1 FROM json_each(persons.links) WHERE json_each.value = ?)'
    )
  }

  async load(keys: string[]): Promise<Map<string, PersonRecord>> {
    const found = new Map<string, PersonRecord>()
    const now = this.now()
    for (const key of keys) {
      const row = this.select.get(key, now) as { facts: string; links: string } | undefined
      if (row) found.set(key, { facts: JSON.parse(row.facts), links: JSON.parse(row.links) })
    }
    return found
  }

  async learn(keys: string[], facts: Facts, expiresAt: number, since: number): Promise<void> {
    const now = this.now()
    const { select, upsert } = this
    this.db.exec('BEGIN IMMEDIATE')
    try {
      for (const key of keys) {
        const row = select.get(key, now) as { facts: string; links: string } | undefined
        const known: PersonRecord = row
          ? { facts: JSON.parse(row.facts), links: JSON.parse(row.links) }
          : { facts: {}, links: [] }
        const links = [...new Set([...known.links, ...keys.filter((other) => other !== key)])]
        upsert.run(key, JSON.stringify(newest(known.facts, facts, since)), JSON.stringify(links), expiresAt)
      }
      this.db.exec('COMMIT')
    } catch (error) {
      this.db.exec('ROLLBACK')
      throw error
    }
    this.sweep(now)
  }

  async linkedTo(key: string): Promise<string[]> {
    return (this.linking.all(this.now(), key) as { key: string }[]).map((row) => row.key)
  }

  async remove(keys: string[]): Promise<void> {
    this.db.exec('BEGIN IMMEDIATE')
    try {
      for (const key of keys) this.remove1.run(key)
      this.db.exec('COMMIT')
    } catch (error) {
      this.db.exec('ROLLBACK')
      throw error
    }
  }

  async close(): Promise<void> {
    this.db.close()
  }

  /** Expired rows go, at most once a minute. */
  private sweep(now: number) {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return
    this.lastSweep = now
    this.db.prepare('DELETE FROM persons WHERE expires_at <= ?').run(now)
  }
}
