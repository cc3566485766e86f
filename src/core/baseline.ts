// Schema baselines (parity baseline) and drift against them. Workflow-safe, pure.
import type { TableSchema } from './types';

/** A schema baseline: what both sides looked like, stamped with the canonical version. */
export interface TableBaseline { canonicalVersion?: number; source: ColumnSig[]; target: ColumnSig[]; primaryKey: { source: string[]; target: string[] } }

export interface Baseline {
  canonicalVersion: number;
  createdAt: string;
  tables: Record<string, { source: ColumnSig[]; target: ColumnSig[]; primaryKey: { source: string[]; target: string[] } }>;
}
export type ColumnSig = { name: string; type: string; nullable: boolean };
export const columnSigs = (s: TableSchema): ColumnSig[] => s.columns.map((c) => ({ name: c.name, type: c.nativeType, nullable: c.nullable }));

/** Drift of current schemas against a baseline, in words. Empty = no drift. */
export function baselineDrift(b: TableBaseline, source: TableSchema, target: TableSchema): string[] {
  const out: string[] = [];
  for (const [side, now, then, pk] of [['source', columnSigs(source), b.source, source.primaryKey], ['target', columnSigs(target), b.target, target.primaryKey]] as const) {
    const byName = new Map(now.map((c) => [c.name, c]));
    for (const c of then) {
      const n = byName.get(c.name);
      if (!n) out.push(`${side}: column "${c.name}" (${c.type}) is gone since the baseline`);
      else if (n.type !== c.type) out.push(`${side}: column "${c.name}" changed type ${c.type} → ${n.type}`);
      else if (n.nullable !== c.nullable) out.push(`${side}: column "${c.name}" changed nullability ${c.nullable ? 'NULL' : 'NOT NULL'} → ${n.nullable ? 'NULL' : 'NOT NULL'}`);
      byName.delete(c.name);
    }
    for (const n of byName.values()) out.push(`${side}: column "${n.name}" (${n.type}) is new since the baseline`);
    const thenPk = side === 'source' ? b.primaryKey.source : b.primaryKey.target;
    if (JSON.stringify(thenPk) !== JSON.stringify(pk)) out.push(`${side}: primary key (${thenPk.join(', ')}) → (${pk.join(', ')})`);
  }
  return out;
}

