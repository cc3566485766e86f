// Row-level diff from two sides' row digests (cross-region refinement). Workflow-safe.
import type { ColumnPair, DiffRecord } from './types';

/** One row as it may cross regions: the shown key (token where masked), row and column digests. */
export type RowDigest = [key: string[], row: string, columns: string[]];

/** Diff records from two sides' row digests, matched by key (no ordering needed). */
export function diffRowDigests(table: string, pairs: ColumnPair[], source: RowDigest[], target: RowDigest[]): DiffRecord[] {
  const names = pairs.filter((p) => !p.isKey).map((p) => p.name);
  const byKey = new Map(target.map((r) => [JSON.stringify(r[0]), r]));
  const out: DiffRecord[] = [];
  for (const s of source) {
    const k = JSON.stringify(s[0]);
    const t = byKey.get(k);
    if (!t) {
      out.push({ table, key: s[0], kind: 'missing_in_target', columns: [] });
      continue;
    }
    byKey.delete(k);
    if (t[1] === s[1]) continue;
    const columns = names.filter((_, i) => s[2][i] !== t[2][i]);
    // 64-bit column digests: if they all collide the row digest still differs; report every column then
    out.push({ table, key: s[0], kind: 'changed', columns: columns.length ? columns : names });
  }
  for (const t of byKey.values()) out.push({ table, key: t[0], kind: 'extra_in_target', columns: [] });
  return out;
}
