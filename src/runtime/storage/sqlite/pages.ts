/**
 * A SQLite file read page by page without SQLite, for salvage: SQLite refuses a damaged file as a whole,
 * but most of its pages are still whole. The format (https://www.sqlite.org/fileformat2.html): fixed-size
 * pages; a table is a b-tree whose leaves hold the rows as records; the WAL beside the file holds newer
 * versions of pages, valid up to its last commit whose checksums hold. Nothing here throws on damage:
 * what cannot be read is undefined, for the caller to count.
 */

/** Page type bytes of b-tree pages. */
export const TABLE_LEAF = 13
export const TABLE_INTERIOR = 5
const BTREE_TYPES = new Set([2, 5, 10, 13])

const HEADER = 'SQLite format 3\u0000'
const WAL_MAGIC = 0x377f0682

/** The file's pages as SQLite would see them: the WAL's committed versions over the file's. */
export interface Pages {
  pageSize: number
  /** Bytes of each page the b-tree uses (the page size less the reserved bytes). */
  usable: number
  /** Pages 1..count exist (in the file or the WAL). */
  count: number
  /** Pages whose newest version came from the WAL. */
  fromWal: Set<number>
  /** Whether page 1 starts with SQLite's header (else its numbers were guessed). */
  headerReadable: boolean
  page(n: number): Buffer | undefined
}

const validPageSize = (size: number) => size >= 512 && size <= 65536 && (size & (size - 1)) === 0

/** The pages of a database file `file` and its WAL `wal`. */
export function readPages(file: Buffer, wal?: Buffer): Pages {
  const walPageSize = wal && wal.length >= 32 ? wal.readUInt32BE(8) : 0
  let pageSize = file.subarray(0, 16).toString('latin1') === HEADER ? file.readUInt16BE(16) : 0
  if (pageSize === 1) pageSize = 65536
  if (validPageSize(walPageSize)) pageSize = walPageSize
  else if (!validPageSize(pageSize)) pageSize = 4096
  const frames = wal ? walFrames(wal, pageSize) : new Map<number, Buffer>()
  // Page 1 as SQLite would read it: the WAL's version when it has one.
  const first = frames.get(1) ?? file.subarray(0, pageSize)
  const headerReadable = first.length >= 100 && first.subarray(0, 16).toString('latin1') === HEADER
  const reserved = headerReadable ? first[20] : 0
  const usable = pageSize - (reserved < 64 ? reserved : 0)
  const count = Math.max(Math.floor(file.length / pageSize), ...frames.keys(), 0)
  return {
    pageSize,
    usable,
    count,
    headerReadable,
    fromWal: new Set(frames.keys()),
    page(n) {
      if (n < 1 || n > count) return undefined
      const frame = frames.get(n)
      if (frame) return frame
      const start = (n - 1) * pageSize
      return start + pageSize <= file.length ? file.subarray(start, start + pageSize) : undefined
    }
  }
}

/**
 * The newest committed version of each page in a WAL: frames whose salts match its header and whose
 * cumulative checksums hold, up to the last commit frame among them (what SQLite itself would apply).
 */
function walFrames(wal: Buffer, pageSize: number): Map<number, Buffer> {
  const committed = new Map<number, Buffer>()
  if (wal.length < 32 || (wal.readUInt32BE(0) & ~1) >>> 0 !== WAL_MAGIC || wal.readUInt32BE(8) !== pageSize) {
    return committed
  }
  const bigEndian = (wal.readUInt32BE(0) & 1) === 1
  let sum = checksum(wal.subarray(0, 24), [0, 0], bigEndian)
  if (sum[0] !== wal.readUInt32BE(24) || sum[1] !== wal.readUInt32BE(28)) return committed
  const salt = [wal.readUInt32BE(16), wal.readUInt32BE(20)]
  const pending = new Map<number, Buffer>()
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    const frame = wal.subarray(at, at + 24)
    if (frame.readUInt32BE(8) !== salt[0] || frame.readUInt32BE(12) !== salt[1]) break
    const data = wal.subarray(at + 24, at + 24 + pageSize)
    sum = checksum(data, checksum(frame.subarray(0, 8), sum, bigEndian), bigEndian)
    if (sum[0] !== frame.readUInt32BE(16) || sum[1] !== frame.readUInt32BE(20)) break
    pending.set(frame.readUInt32BE(0), data)
    if (frame.readUInt32BE(4) !== 0) {
      for (const [n, page] of pending) committed.set(n, page)
      pending.clear()
    }
  }
  return committed
}

/** SQLite's WAL checksum over `data` (a multiple of 8 bytes), going on from `[s1, s2]`. */
function checksum(data: Buffer, [s1, s2]: number[], bigEndian: boolean): number[] {
  for (let i = 0; i + 8 <= data.length; i += 8) {
    const x0 = bigEndian ? data.readUInt32BE(i) : data.readUInt32LE(i)
    const x1 = bigEndian ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4)
    s1 = (s1 + x0 + s2) >>> 0
    s2 = (s2 + x1 + s1) >>> 0
  }
  return [s1, s2]
}

/** A SQLite varint at `at`: its value and length (undefined past the end). */
export function varint(buf: Buffer, at: number): { value: number; length: number } | undefined {
  let value = 0
  for (let i = 0; i < 9; i++) {
    if (at + i >= buf.length) return undefined
    const byte = buf[at + i]
    if (i === 8) return { value: value * 256 + byte, length: 9 }
    value = value * 128 + (byte & 0x7f)
    if (byte < 0x80) return { value, length: i + 1 }
  }
  return undefined
}

/** A b-tree page: its type, its cells' offsets, and an interior page's right-most child. */
export interface BtreePage {
  type: number
  cells: number[]
  rightChild?: number
}

/** Page `n` as a b-tree page, or undefined when it is not one (damaged, an overflow or freelist page). */
export function btreePage(pages: Pages, n: number): BtreePage | undefined {
  const buf = pages.page(n)
  if (!buf) return undefined
  const head = n === 1 ? 100 : 0
  const type = buf[head]
  if (!BTREE_TYPES.has(type)) return undefined
  const interior = type === 2 || type === 5
  const count = buf.readUInt16BE(head + 3)
  const pointers = head + (interior ? 12 : 8)
  if (pointers + 2 * count > pages.usable) return undefined
  const cells: number[] = []
  for (let i = 0; i < count; i++) {
    const at = buf.readUInt16BE(pointers + 2 * i)
    if (at < pointers + 2 * count || at >= pages.usable) return undefined
    cells.push(at)
  }
  const rightChild = interior ? buf.readUInt32BE(head + 8) : undefined
  if (rightChild !== undefined && (rightChild < 1 || rightChild > pages.count)) return undefined
  return { type, cells, rightChild }
}

/** An interior table cell: the child page left of it and the largest rowid there. */
export function interiorCell(pages: Pages, n: number, at: number): { child: number; rowid: number } | undefined {
  const buf = pages.page(n)!
  if (at + 5 > buf.length) return undefined
  const child = buf.readUInt32BE(at)
  const key = varint(buf, at + 4)
  if (!key || child < 1 || child > pages.count) return undefined
  return { child, rowid: key.value }
}

/**
 * A table leaf cell: its rowid and its record's bytes, its overflow pages followed (marked in
 * `overflow`); undefined when the cell or its overflow chain is damaged.
 */
export function leafCell(
  pages: Pages,
  n: number,
  at: number,
  overflow: Set<number>
): { rowid: number; payload: Buffer } | undefined {
  const buf = pages.page(n)!
  const size = varint(buf, at)
  const rowid = size && varint(buf, at + size.length)
  if (!size || !rowid) return undefined
  const start = at + size.length + rowid.length
  const total = size.value
  const u = pages.usable
  const most = u - 35
  let local = total
  if (total > most) {
    const least = Math.floor(((u - 12) * 32) / 255) - 23
    const k = least + ((total - least) % (u - 4))
    local = k <= most ? k : least
  }
  if (start + local + (local < total ? 4 : 0) > u) return undefined
  const parts = [buf.subarray(start, start + local)]
  let got = local
  let next = local < total ? buf.readUInt32BE(start + local) : 0
  const chain = new Set<number>()
  while (got < total) {
    const page = next >= 1 && !chain.has(next) ? pages.page(next) : undefined
    if (!page) return undefined
    chain.add(next)
    const take = Math.min(u - 4, total - got)
    parts.push(page.subarray(4, 4 + take))
    got += take
    next = page.readUInt32BE(0)
  }
  for (const page of chain) overflow.add(page)
  return { rowid: rowid.value, payload: Buffer.concat(parts) }
}

export type Value = null | number | string | Buffer

/** A record's values, or undefined when it is not a well-formed record. */
export function record(payload: Buffer): Value[] | undefined {
  const head = varint(payload, 0)
  if (!head || head.value > payload.length) return undefined
  const types: number[] = []
  for (let at = head.length; at < head.value;) {
    const type = varint(payload, at)
    if (!type) return undefined
    types.push(type.value)
    at += type.length
  }
  const values: Value[] = []
  let at = head.value
  for (const type of types) {
    const size = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0][type] ?? Math.floor((type - 12) / 2)
    if (type === 10 || type === 11 || at + size > payload.length) return undefined
    if (type === 0) values.push(null)
    else if (type <= 6) values.push(size === 8 ? Number(payload.readBigInt64BE(at)) : payload.readIntBE(at, size))
    else if (type === 7) values.push(payload.readDoubleBE(at))
    else if (type === 8 || type === 9) values.push(type - 8)
    else if (type % 2 === 1) values.push(payload.toString('utf8', at, at + size))
    else values.push(payload.subarray(at, at + size))
    at += size
  }
  return values
}

/** The pages on the freelist (free, holding nothing live), or undefined when it cannot be read whole. */
export function freelist(pages: Pages): Set<number> | undefined {
  const free = new Set<number>()
  if (!pages.headerReadable) return undefined
  const first = pages.page(1)!
  let trunk = first.readUInt32BE(32)
  const expected = first.readUInt32BE(36)
  while (trunk !== 0) {
    const page = !free.has(trunk) ? pages.page(trunk) : undefined
    if (!page) return undefined
    free.add(trunk)
    const leaves = page.readUInt32BE(4)
    if (8 + 4 * leaves > pages.usable) return undefined
    for (let i = 0; i < leaves; i++) free.add(page.readUInt32BE(8 + 4 * i))
    trunk = page.readUInt32BE(0)
  }
  return free.size === expected ? free : undefined
}
