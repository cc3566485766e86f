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
  range: KeyRange,
  after: KeyTuple | undefined,
  where: string | undefined,
  placeholder: (n: number) => string,
): WhereClause {
  const params: unknown[] = [];
  const parts: string[] = [];
  const add = (tuple: KeyTuple | undefined, op: '>=' | '>' | '<') => {
    if (!tuple) return;
    const s = boundSql(cols, exprs, tuple, op, (v, c) => {
      const ph = placeholder(params.length);
      params.push(c.toParam(v));
      return c.cast(ph, v);
    });
    if (s !== 'TRUE') parts.push(s);
  };
  add(range.lo, '>=');
  add(after, '>');
  add(range.hi, '<');
  if (where) parts.push(`(${where})`);
  return { sql: parts.length ? 'WHERE ' + parts.join(' AND ') : '', params };
}
