// SQL pieces both dialects build the same way from their own key expressions and casts.
import type { ColumnInfo, KeyRange, KeyTuple, TableSchema } from '../core/types';
import { boundSql, type KeyBoundColumn } from '../canonical/bounds';

export interface WhereClause {
  sql: string;
  params: unknown[];
}

/** The key columns of a schema, in key order. */
export function keyColumns(schema: TableSchema): ColumnInfo[] {
  return schema.primaryKey.map((k) => {
    const c = schema.columns.find((x) => x.name === k.toLowerCase());
    if (!c) throw new Error(`key column "${k}" not in schema of ${schema.table}`);
    return c;
  });
}

/**
 * WHERE text for a key range (lo inclusive, hi exclusive) and a resume point (after,
 * exclusive), using row-value comparison so composite keys follow the canonical order.
 * `placeholder(n)` names the n-th parameter (0-based) in the dialect's syntax.
 */
export function rangePredicate(
  cols: KeyBoundColumn[],
  exprs: string[],
  range: KeyRange | KeyRange[],
  after: KeyTuple | undefined,
  where: string | undefined,
  placeholder: (n: number) => string,
): WhereClause {
  const params: unknown[] = [];
  const add = (into: string[], tuple: KeyTuple | undefined, op: '>=' | '>' | '<') => {
    if (!tuple) return;
    const s = boundSql(cols, exprs, tuple, op, (v, c) => {
      const ph = placeholder(params.length);
      params.push(c.toParam(v));
      return c.cast(ph, v);
    });
    if (s !== 'TRUE') into.push(s);
  };
  const parts: string[] = [];
  if (Array.isArray(range)) {
    // a union of ranges: (lo1 <= k < hi1) OR (lo2 <= k < hi2) …; an empty list selects nothing
    const alts = range.map((r) => {
      const p: string[] = [];
      add(p, r.lo, '>=');
      add(p, r.hi, '<');
      return p.length ? `(${p.join(' AND ')})` : 'TRUE';
    });
    parts.push(alts.length ? `(${alts.join(' OR ')})` : 'FALSE');
  } else add(parts, range.lo, '>=');
  add(parts, after, '>');
  if (!Array.isArray(range)) add(parts, range.hi, '<');
  if (where) parts.push(`(${where})`);
  return { sql: parts.length ? 'WHERE ' + parts.join(' AND ') : '', params };
}
