// Row-level comparison of one key range on both sides: two ordered streams merged by the
// canonical key order; differing rows become diff records with exactly the differing columns.
import { compareKeys } from '../canonical';
import type { ColumnPair, DiffRecord, Family, KeyRange, KeyTuple, TableSchema } from '../core/types';
import type { ByteBatch, Engine, RawRow, ScanRequest } from '../engines/engine';
import { bytesScan } from './partition';
import { makeEncoder, type EncodedRow, type Side } from './encode';
import { FusedRowHasher, fusedEnabled } from './fused';
import { RowHasher, Sum128 } from './row';
import { subSums, type Narrowed } from '../core/segments';

export interface CompareSide {
  engine: Engine;
  schema: TableSchema;
}

export interface CompareOptions {
  table: string;
  pairs: ColumnPair[];
  where?: string;
  fetchSize: number;
  maskKey?: Buffer;
  signal?: AbortSignal;
}

export interface CompareResult {
  records: DiffRecord[];
  rowsRefetched: { source: number; target: number };
}

/** One side's scan request for the compared columns over the range(s). */
function scanRequest(side: Side, s: CompareSide, o: CompareOptions, range: KeyRange | KeyRange[]): ScanRequest {
  const columns = o.pairs.map((p) => (side === 'source' ? p.source.name : p.target.name));
  return { schema: s.schema, columns, range, where: o.where, fetchSize: o.fetchSize, signal: o.signal };
}

async function* rows(side: Side, s: CompareSide, o: CompareOptions, range: KeyRange | KeyRange[], counter: { n: number }): AsyncGenerator<EncodedRow> {
  const encode = makeEncoder(o.pairs, side, o.maskKey);
  for await (const batch of s.engine.scan(scanRequest(side, s, o, range))) {
    counter.n += batch.length;
    for (const raw of batch) yield encode(raw);
  }
}

/** A byte batch's row r as the string scan gives it (every value UTF-8 text, or NULL). */
function decodeRow(b: ByteBatch, r: number): RawRow {
  const row: RawRow = new Array(b.cols);
  for (let c = 0, at = r * b.cols; c < b.cols; c++, at++) row[c] = b.starts[at] < 0 ? null : b.buf.toString('utf8', b.starts[at], b.ends[at]);
  return row;
}

/**
 * One side of the merge: the current row, its plain key and its fused digest (four lanes).
 * Rows come as bytes where the engine offers them (Engine.scanBytes) and digests are
 * trusted; a row is decoded into strings only when its values are needed (it differs).
 */
class Cursor {
  private readonly it: AsyncIterator<RawRow[] | ByteBatch>;
  private readonly hasher: FusedRowHasher;
  readonly encode: (row: RawRow) => EncodedRow;
  private rows: RawRow[] | undefined;
  private bytes: ByteBatch | undefined;
  private n = 0;
  private i = 0;
  private r = 0;
  key: KeyTuple = [];
  readonly d = new Uint32Array(4);
  private started = false;

  constructor(
    private readonly side: Side,
    s: CompareSide,
    o: CompareOptions,
    range: KeyRange | KeyRange[],
    private readonly counter: { n: number },
    private readonly digests: boolean,
    private readonly families: Family[],
    /** sees every row's key and fused digest (a narrowed chunk checks its sums) */
    private readonly onDigest?: OnDigest,
  ) {
    const req = scanRequest(side, s, o, range);
    this.it = (bytesScan(s.engine, req, digests) ?? s.engine.scan(req))[Symbol.asyncIterator]();
    this.hasher = new FusedRowHasher(o.pairs, side, o.maskKey);
    this.encode = makeEncoder(o.pairs, side, o.maskKey);
  }

  /** moves to the next row; false at the end (a batch is awaited only when this one is used up) */
  async next(): Promise<boolean> {
    for (;;) {
      if (this.step()) return true;
      const r = await this.it.next();
      if (r.done) return false;
      if (Array.isArray(r.value)) {
        this.rows = r.value;
        this.bytes = undefined;
        this.n = r.value.length;
      } else {
        this.bytes = r.value;
        this.rows = undefined;
        this.n = r.value.rows;
      }
      this.i = 0;
      this.counter.n += this.n;
    }
  }

  /** the next row of the batch in hand, without a promise; undefined when the batch is used up */
  step(): true | undefined {
    if (this.i >= this.n) return undefined;
    const r = (this.r = this.i++);
    const prev = this.key;
    const b = this.bytes;
    this.key = b ? this.hasher.keyBytes(b, r) : this.hasher.key(this.rows![r]);
    // the merge is only right if both sides arrive in canonical key order: a scan that does
    // not (a collation the plan did not expect) stops the comparison instead of misreporting
    if (this.started && compareKeys(prev, this.key, this.families) >= 0) {
      throw new Error(`${this.side} rows arrived out of canonical key order (${JSON.stringify(prev)} then ${JSON.stringify(this.key)})`);
    }
    this.started = true;
    if (this.digests) {
      this.d.set(b ? this.hasher.digestBytes(b, r) : this.hasher.digest(this.rows![r]));
      this.onDigest?.(this.side, this.key, this.d);
    }
    return true;
  }

  /** the current row's values (strings and bytes, as Engine.scan gives them) */
  raw(): RawRow {
    return this.bytes ? decodeRow(this.bytes, this.r) : this.rows![this.r];
  }

  /** the key as reports may show it (masked key columns as tokens) */
  shown(): KeyTuple {
    return this.encode(this.raw()).shown;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

type OnDigest = (side: Side, key: KeyTuple, digest: Uint32Array) => void;

const sameDigest = (a: Uint32Array, b: Uint32Array) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];

/**
 * Compares one key range, or the union of disjoint ascending ranges (one query per side for
 * a whole refinement batch: the merge is the same over the union as range by range). Rows
 * are matched by their fused digests (the bytes the segment digests were made of); only a
 * pair whose digests differ is encoded value by value to name the differing columns.
 */
export async function compareRange(
  source: CompareSide,
  target: CompareSide,
  range: KeyRange | KeyRange[],
  o: CompareOptions,
  out: DiffRecord[],
  onDigest?: OnDigest,
): Promise<{ source: number; target: number }> {
  const families = o.pairs.filter((p) => p.isKey).map((p) => p.family);
  const keyCount = families.length;
  const sc = { n: 0 }, tc = { n: 0 };
  // PARITY_DIGEST_REFERENCE=1 (the safety valve against a fused-hasher bug) compares every
  // pair value by value, trusting no fused digest
  const digests = fusedEnabled();
  const a = new Cursor('source', source, o, range, sc, digests, families, onDigest);
  const b = new Cursor('target', target, o, range, tc, digests, families, onDigest);
  // both scans are closed on every exit: a failed side must not leave the other holding its
  // connection (and its transaction) open, or closing the engine would wait for it forever
  try {
    let x = a.step() ?? (await a.next());
    let y = b.step() ?? (await b.next());
    while (x || y) {
      const c = !x ? 1 : !y ? -1 : compareKeys(a.key, b.key, families);
      if (c < 0) {
        out.push({ table: o.table, key: a.shown(), kind: 'missing_in_target', columns: [] });
        x = a.step() ?? (await a.next());
      } else if (c > 0) {
        out.push({ table: o.table, key: b.shown(), kind: 'extra_in_target', columns: [] });
        y = b.step() ?? (await b.next());
      } else {
        if (!digests || !sameDigest(a.d, b.d)) {
          const xr = a.encode(a.raw()), yr = b.encode(b.raw());
          const columns: string[] = [];
          for (let i = keyCount; i < o.pairs.length; i++) if (!xr.values[i].equals(yr.values[i])) columns.push(o.pairs[i].name);
          if (columns.length) out.push({ table: o.table, key: xr.shown, kind: 'changed', columns });
        }
        x = a.step() ?? (await a.next());
        y = b.step() ?? (await b.next());
      }
    }
  } finally {
    await Promise.allSettled([a.close(), b.close()]);
  }
  return { source: sc.n, target: tc.n };
}

/**
 * Sub-ranges of unequal segments (src/core/narrow) read in one query, and what each segment
 * must explain: `d` is its source sum minus its target sum. A segment whose re-read rows do
 * not account for it (hints that collided, or data that changed since the digests) is
 * compared whole instead, and only its records from the narrowed read are dropped.
 */
export interface NarrowChunk {
  ranges: KeyRange[];
  /** ascending, disjoint; every sub-range lies in one of them */
  segments: { whole: KeyRange; d: string }[];
}

export type Chunk = KeyRange | KeyRange[] | NarrowChunk;

const isNarrow = (c: Chunk): c is NarrowChunk => !Array.isArray(c) && 'segments' in c;

/** A refinement batch's queries: whole ranges RANGES_PER_QUERY at a time, then the narrowed segments. */
export function refineChunks(ranges: KeyRange[], narrowed: Narrowed[] = []): Chunk[] {
  const out: Chunk[] = rangeChunks(ranges);
  let cur: NarrowChunk | undefined;
  for (const n of narrowed) {
    if (!cur || cur.ranges.length + n.sub.length > NARROW_RANGES_PER_QUERY) out.push((cur = { ranges: [], segments: [] }));
    cur.ranges.push(...n.sub);
    cur.segments.push({ whole: n.whole, d: n.d });
  }
  return out;
}

/** Which of a chunk's ascending segments each key (arriving in ascending order) falls in. */
function segmentLocator(segments: NarrowChunk['segments'], families: Family[]): (key: KeyTuple) => number {
  let j = 0;
  return (key) => {
    while (j < segments.length - 1 && compareKeys(key, segments[j].whole.hi!, families) >= 0) j++;
    return j;
  };
}

/**
 * compareRange over chunks (a refinement batch, in a pool thread or on the activity's
 * thread), one query per side per chunk; `afterChunk` sees the running row counts.
 * `widened` counts narrowed segments that had to be compared whole.
 */
export async function compareChunks(
  source: CompareSide,
  target: CompareSide,
  chunks: Chunk[],
  o: CompareOptions,
  out: DiffRecord[],
  afterChunk?: (read: { source: number; target: number }) => void,
): Promise<{ source: number; target: number; widened: number }> {
  const read = { source: 0, target: 0 };
  const families = o.pairs.filter((p) => p.isKey).map((p) => p.family);
  let widened = 0;
  const run = async (range: KeyRange | KeyRange[], into: DiffRecord[], onDigest?: OnDigest) => {
    const n = await compareRange(source, target, range, o, into, onDigest);
    read.source += n.source;
    read.target += n.target;
  };
  for (const chunk of chunks) {
    if (!isNarrow(chunk)) await run(chunk, out);
    else if (!fusedEnabled()) await run(chunk.segments.map((g) => g.whole), out); // no fused digests to check against
    else {
      const segs = chunk.segments;
      const sums = segs.map(() => ({ source: new Sum128(), target: new Sum128() }));
      const at = { source: segmentLocator(segs, families), target: segmentLocator(segs, families) };
      const mine: DiffRecord[] = [];
      await run(chunk.ranges, mine, (side, key, d) => sums[at[side](key)][side].add(d));
      const failed = new Set<number>();
      sums.forEach((x, j) => subSums(x.source.toHex(), x.target.toHex()) !== segs[j].d && failed.add(j));
      const rec = segmentLocator(segs, families);
      for (const r of mine) if (!failed.has(rec(r.key))) out.push(r);
      if (failed.size) {
        widened += failed.size;
        await run([...failed].map((j) => segs[j].whole), out);
      }
    }
    afterChunk?.(read);
  }
  return { ...read, widened };
}

import type { RowDigest } from '../core/rowdiff';

/** Per-row digests of a range on one side (cross-region refinement: only digests and keys travel). */
export async function rowDigests(side: Side, s: CompareSide, range: KeyRange | KeyRange[], o: CompareOptions): Promise<{ rows: RowDigest[]; read: number }> {
  const hasher = new RowHasher();
  const counter = { n: 0 };
  const out: RowDigest[] = [];
  const keyCount = o.pairs.filter((p) => p.isKey).length;
  for await (const r of rows(side, s, o, range, counter)) {
    const row = hasher.hex(r.values);
    const cols: string[] = [];
    for (let i = keyCount; i < r.values.length; i++) cols.push(hasher.hex([r.values[i]]).slice(0, 16));
    out.push([r.shown, row, cols]);
  }
  return { rows: out, read: counter.n };
}

export { diffRowDigests } from '../core/rowdiff';

/** Ranges per refinement query: each side's optimizer turns them into index range scans. */
export const RANGES_PER_QUERY = 32;

/**
 * Sub-ranges per narrowed query: each holds about a sixteenth of a segment's rows, so a query
 * takes more of them. Per-query costs (planning, a round trip, buffers) dominate queries of a
 * few thousand rows: 1,000 sub-ranges of 16 rows took 186-339 ms in 32-range queries and
 * 159-240 ms in 128-range ones (both sides, compared).
 */
export const NARROW_RANGES_PER_QUERY = 128;

/** The ranges in groups of at most RANGES_PER_QUERY, in order. */
export function rangeChunks(ranges: KeyRange[]): KeyRange[][] {
  const out: KeyRange[][] = [];
  for (let i = 0; i < ranges.length; i += RANGES_PER_QUERY) out.push(ranges.slice(i, i + RANGES_PER_QUERY));
  return out;
}
