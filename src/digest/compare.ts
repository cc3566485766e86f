// Row-level comparison of one key range on both sides: two ordered streams merged by the
// canonical key order; differing rows become diff records with exactly the differing columns.
import { compareKeys } from '../canonical';
import type { ColumnPair, DiffRecord, KeyRange, TableSchema } from '../core/types';
import type { Engine, RawRow } from '../engines/engine';
import { makeEncoder, type EncodedRow, type Side } from './encode';
import { RowHasher } from './row';

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

async function* rows(side: Side, s: CompareSide, o: CompareOptions, range: KeyRange | KeyRange[], counter: { n: number }): AsyncGenerator<EncodedRow> {
  const encode = makeEncoder(o.pairs, side, o.maskKey);
  const columns = o.pairs.map((p) => (side === 'source' ? p.source.name : p.target.name));
  for await (const batch of s.engine.scan({ schema: s.schema, columns, range, where: o.where, fetchSize: o.fetchSize, signal: o.signal }) as AsyncIterable<RawRow[]>) {
    counter.n += batch.length;
    for (const raw of batch) yield encode(raw);
  }
}

/**
 * Compares one key range, or the union of disjoint ascending ranges (one query per side for
 * a whole refinement batch: the merge is the same over the union as range by range).
 */
export async function compareRange(source: CompareSide, target: CompareSide, range: KeyRange | KeyRange[], o: CompareOptions, out: DiffRecord[]): Promise<{ source: number; target: number }> {
  const families = o.pairs.filter((p) => p.isKey).map((p) => p.family);
  const keyCount = families.length;
  const sc = { n: 0 }, tc = { n: 0 };
  const a = rows('source', source, o, range, sc);
  const b = rows('target', target, o, range, tc);
  // both scans are closed on every exit: a failed side must not leave the other holding its
  // connection (and its transaction) open, or closing the engine would wait for it forever
  try {
    let x = await a.next();
    let y = await b.next();
    while (!x.done || !y.done) {
      const c = x.done ? 1 : y.done ? -1 : compareKeys(x.value.key, y.value.key, families);
      if (c < 0) {
        out.push({ table: o.table, key: x.value!.shown, kind: 'missing_in_target', columns: [] });
        x = await a.next();
      } else if (c > 0) {
        out.push({ table: o.table, key: y.value!.shown, kind: 'extra_in_target', columns: [] });
        y = await b.next();
      } else {
        const columns: string[] = [];
        const xv = x.value!.values, yv = y.value!.values;
        for (let i = keyCount; i < o.pairs.length; i++) if (!xv[i].equals(yv[i])) columns.push(o.pairs[i].name);
        if (columns.length) out.push({ table: o.table, key: x.value!.shown, kind: 'changed', columns });
        x = await a.next();
        y = await b.next();
      }
    }
  } finally {
    await Promise.allSettled([a.return(undefined), b.return(undefined)]);
  }
  return { source: sc.n, target: tc.n };
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

/** The ranges in groups of at most RANGES_PER_QUERY, in order. */
export function rangeChunks(ranges: KeyRange[]): KeyRange[][] {
  const out: KeyRange[][] = [];
  for (let i = 0; i < ranges.length; i += RANGES_PER_QUERY) out.push(ranges.slice(i, i + RANGES_PER_QUERY));
  return out;
}
