// Pushdown mode: per-segment digests computed by each database in one aggregate query per
// partition, from SQL-built canonical row text (docs/pushdown.md). Digests are comparable
// only with pushdown digests of the other side, never with extract mode's.

import type { ColumnPair, KeyRange, KeyTuple, TableSchema } from '../core/types';
import type { SegmentDigest } from '../core/segments';
import type { Engine } from '../engines/engine';
import { PUSHDOWN_FAMILIES, pushdownQuery, sumDigest } from './sql';

export { PUSHDOWN_FAMILIES, pushdownQuery, sumDigest, segmentCaseSql, pgFields, myFields } from './sql';

/** PostgreSQL reports its database encoding in upper case ('UTF8'); MariaDB charsets are lower case. */
function pgEncodingNotUtf8(charset: string | undefined): boolean {
  return charset !== undefined && /^[A-Z0-9_]+$/.test(charset) && charset !== 'UTF8';
}

const WHY: Partial<Record<string, string>> = {
  float: 'the engines write binary64 values in different text forms and neither exposes the bits in SQL (R14)',
  json: 'JSON is compared as parsed documents (R20–R23), which neither engine can canonicalize in SQL',
};

/** Whether every compared column can be put into the same canonical text by SQL on both engines. */
export function pushdownSupport(pairs: ColumnPair[]): { ok: boolean; reasons: string[] } {
  const reasons: string[] = [];
  for (const p of pairs) {
    if (p.mask) {
      reasons.push(`column "${p.name}": masked (${p.mask}); tokenizing in SQL would need the masking key in the database`);
      continue;
    }
    if (!PUSHDOWN_FAMILIES.has(p.family)) {
      reasons.push(`column "${p.name}": compared as ${p.family}; ${WHY[p.family] ?? 'no SQL canonical form on both engines'}`);
      continue;
    }
    for (const side of ['source', 'target'] as const) {
      if (pgEncodingNotUtf8(p[side].charset)) {
        reasons.push(`column "${p.name}": ${side} database encoding ${p[side].charset} is not UTF8, so MD5 would hash other bytes`);
      }
    }
  }
  return { ok: reasons.length === 0, reasons };
}

export interface PushdownTask {
  /** this side's schema, with paired families (as for Engine.scan) */
  schema: TableSchema;
  pairs: ColumnPair[];
  range: KeyRange;
  /** index of the partition's first segment */
  segFrom: number;
  /** boundaries between the partition's segments (count = segments - 1) */
  inner: KeyTuple[];
  where?: string;
  signal?: AbortSignal;
}

/**
 * One partition's segment digests on one side, computed by the database in one aggregate
 * query: segment index = segFrom + number of inner boundaries ≤ key (as digestPartition), n
 * rows, s = Σ of the rows' 128-bit MD5s mod 2^128. Segments without rows are left out.
 */
export async function pushdownPartition(
  engine: Engine,
  side: 'source' | 'target',
  task: PushdownTask,
): Promise<{ segments: SegmentDigest[]; rows: number }> {
  if (!engine.aggregate) throw new Error(`pushdown: the ${engine.dialect} engine cannot run aggregate queries`);
  const support = pushdownSupport(task.pairs);
  if (!support.ok) throw new Error(`pushdown not possible: ${support.reasons.join('; ')}`);
  const build = pushdownQuery(engine.dialect, {
    schema: task.schema,
    pairs: task.pairs,
    side,
    range: task.range,
    inner: task.inner,
    where: task.where,
  });
  const out = await engine.aggregate({ schema: task.schema, build, signal: task.signal });
  const segments: SegmentDigest[] = [];
  let rows = 0;
  for (const r of out) {
    const [seg, count, sum] = r.map((v) => (v === null ? '0' : String(v)));
    const n = Number(count);
    if (n === 0) continue;
    rows += n;
    segments.push({ i: task.segFrom + Number(seg), n, s: sumDigest(sum) });
  }
  segments.sort((a, b) => a.i - b.i);
  return { segments, rows };
}
