/**
 * Every row of `deliveries` still readable in a damaged queue file and its WAL (pages.ts), the way
 * SQLite's own `.recover` goes about it: the table's b-tree is walked from its root (found in the schema
 * on page 1), and any page left over that is neither in a b-tree nor free but reads as a leaf of
 * deliveries (its parent was damaged) gives its rows too. Pages that read as nothing are counted: the
 * rows they held are lost.
 */
import { btreePage, freelist, interiorCell, leafCell, readPages, record, TABLE_INTERIOR, TABLE_LEAF } from './pages'
import type { Pages, Value } from './pages'
import type { Row } from './schema'

/** The columns of `deliveries` as the current schema creates them (when the file's own schema is unreadable). */
const COLUMNS = [
  'id',
  'subscription',
  'batch_key',
  'event',
  'received_at',
  'attempts',
  'first_failed_at',
  'next_at',
  'last_error',
  'dry_run',
  'message_id',
  'sent_at'
]

export interface Recovered {
  /** The rows read, by id. */
  rows: Row[]
  /** Rows whose cell or overflow pages were damaged. */
  unreadableRows: number
  /** Pages that read as nothing: damaged (or the overflow pages of a damaged row). */
  unreadablePages: number
  /** Rows whose newest version was in the WAL. */
  fromWal: number
  /** Whether the list of free pages was read: without it, rows deleted long ago may come back among those read. */
  freelistRead: boolean
  /** Whether the file's schema was read (else the current column order was assumed). */
  schemaRead: boolean
}

export function recoverDeliveries(file: Buffer, wal?: Buffer): Recovered {
  const pages = readPages(file, wal)
  const schema = readSchema(pages)
  const columns = schema.columns ?? COLUMNS
  const free = freelist(pages)
  const seen = new Set<number>([...(free ?? [])])
  const overflow = new Set<number>()
  const rows = new Map<number, Row>()
  const walRows = new Set<number>()
  let unreadableRows = 0
  /** Pages that read as nothing (an overflow page of a row read later is taken out at the end). */
  const unreadable = new Set<number>()

  /** The rows of a leaf of deliveries; false when the page is not one. */
  const readLeaf = (n: number, orphan: boolean): boolean => {
    const page = btreePage(pages, n)
    if (page?.type !== TABLE_LEAF) return false
    const found: Row[] = []
    let damaged = 0
    for (const at of page.cells) {
      const cell = leafCell(pages, n, at, overflow)
      const row = cell && rowOf(cell.rowid, record(cell.payload), columns)
      if (row) found.push(row)
      else damaged++
    }
    // A page found outside the tree is taken only when it is plainly a leaf of deliveries.
    if (orphan && (found.length === 0 || damaged > found.length)) return false
    unreadableRows += damaged
    for (const row of found) {
      if (orphan && rows.has(row.id)) continue
      rows.set(row.id, row)
      if (pages.fromWal.has(n)) walRows.add(row.id)
    }
    return true
  }

  const walk = (n: number, depth: number) => {
    if (seen.has(n) || depth > 20) return
    seen.add(n)
    const page = btreePage(pages, n)
    if (page?.type === TABLE_INTERIOR) {
      for (const at of page.cells) {
        const cell = interiorCell(pages, n, at)
        if (cell) walk(cell.child, depth + 1)
      }
      walk(page.rightChild!, depth + 1)
    } else if (!readLeaf(n, false)) unreadable.add(n)
  }
  if (schema.root) walk(schema.root, 0)
  // Pages of the other b-trees (the schema, the index of messageIds, the indexes) are not rows to salvage.
  for (const root of schema.otherRoots) markTree(pages, root, seen, overflow)

  for (let n = 1; n <= pages.count; n++) {
    if (seen.has(n) || overflow.has(n)) continue
    if (readLeaf(n, true)) continue
    if (!btreePage(pages, n)) unreadable.add(n)
  }
  for (const n of overflow) unreadable.delete(n)
  return {
    rows: [...rows.values()].sort((a, b) => a.id - b.id),
    unreadableRows,
    unreadablePages: unreadable.size,
    fromWal: walRows.size,
    freelistRead: free !== undefined,
    schemaRead: schema.columns !== undefined
  }
}

/** A record of deliveries as a row, or undefined when it does not look like one. */
function rowOf(rowid: number, values: Value[] | undefined, columns: string[]): Row | undefined {
  if (!values || values.length < 8 || values.length > columns.length) return undefined
  const row: Record<string, Value> = {}
  columns.forEach((name, i) => (row[name] = i < values.length ? values[i] : null))
  // The id column is the rowid (stored as NULL in the record).
  row.id = rowid
  const text = (name: string) => typeof row[name] === 'string'
  const integer = (name: string) => Number.isInteger(row[name])
  if (!text('subscription') || !text('batch_key') || !text('event') || !integer('received_at')) return undefined
  return {
    id: rowid,
    subscription: row.subscription as string,
    batch_key: row.batch_key as string,
    event: row.event as string,
    received_at: row.received_at as number,
    attempts: integer('attempts') ? (row.attempts as number) : 0,
    first_failed_at: integer('first_failed_at') ? (row.first_failed_at as number) : null,
    next_at: integer('next_at') ? (row.next_at as number) : 0,
    last_error: text('last_error') ? (row.last_error as string) : null,
    dry_run: row.dry_run === 1 ? 1 : 0,
    message_id: text('message_id') ? (row.message_id as string) : '',
    sent_at: integer('sent_at') ? (row.sent_at as number) : null
  }
}

/** The schema on page 1: the root page of deliveries with its columns, and the other b-trees' roots. */
function readSchema(pages: Pages): { root?: number; columns?: string[]; otherRoots: number[] } {
  const found: { root?: number; columns?: string[]; otherRoots: number[] } = { otherRoots: [1] }
  if (!pages.headerReadable) return found
  const entries: Value[][] = []
  const visit = (n: number, depth: number) => {
    const page = depth < 10 ? btreePage(pages, n) : undefined
    if (!page) return
    for (const at of page.cells) {
      if (page.type === TABLE_INTERIOR) {
        const cell = interiorCell(pages, n, at)
        if (cell) visit(cell.child, depth + 1)
      } else if (page.type === TABLE_LEAF) {
        const cell = leafCell(pages, n, at, new Set())
        const values = cell && record(cell.payload)
        if (values && values.length === 5) entries.push(values)
      }
    }
    if (page.rightChild) visit(page.rightChild, depth + 1)
  }
  visit(1, 0)
  for (const [, name, , root, sql] of entries) {
    if (typeof root !== 'number' || root < 1) continue
    if (name === 'deliveries' && typeof sql === 'string') {
      found.root = root
      found.columns = columnsOf(sql)
    } else found.otherRoots.push(root)
  }
  return found
}

/** The column names of a CREATE TABLE statement (as SQLite keeps it, ALTER TABLE's additions included). */
function columnsOf(sql: string): string[] | undefined {
  const body = sql.slice(sql.indexOf('(') + 1, sql.lastIndexOf(')'))
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const char of body) {
    if (char === '(') depth++
    if (char === ')') depth--
    if (char === ',' && depth === 0) {
      parts.push(current)
      current = ''
    } else current += char
  }
  parts.push(current)
  const names = parts.map((part) =>
    part
      .trim()
      .split(/\s+/)[0]
      .replace(/^["`[]|["`\]]$/g, '')
  )
  return names.includes('event') && names.includes('subscription') ? names : undefined
}

/** Marks the pages of a b-tree (and their overflow pages) as accounted for. */
function markTree(pages: Pages, root: number, seen: Set<number>, overflow: Set<number>) {
  const stack = [root]
  while (stack.length) {
    const n = stack.pop()!
    if (seen.has(n)) continue
    seen.add(n)
    const page = btreePage(pages, n)
    if (!page) continue
    if (page.rightChild) stack.push(page.rightChild)
    for (const at of page.cells) {
      if (page.type === 5 || page.type === 2) stack.push(pages.page(n)!.readUInt32BE(at))
      if (page.type === TABLE_LEAF) leafCell(pages, n, at, overflow)
    }
  }
}
