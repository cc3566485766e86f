// PostgreSQL SQL pieces: quoting, key-order expressions, typed key bounds. No I/O.

import type { ColumnInfo, KeyRange, KeyTuple, TableSchema } from '../../core/types';
import { baseTypeName } from '../../canonical';
import { type BoundValue, type KeyBoundColumn } from '../../canonical/bounds';
import { rangePredicate, type WhereClause } from '../sql';
export { keyColumns, type WhereClause } from '../sql';

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** 'sales.orders' → {schema: 'sales', name: 'orders'}; unqualified → public. */
export function splitTableName(table: string): { schema: string; name: string } {
  const dot = table.indexOf('.');
  if (dot < 0) return { schema: 'public', name: table };
  return { schema: table.slice(0, dot), name: table.slice(dot + 1) };
}

export function quoteTable(schema: string, name: string): string {
  return quoteIdent(schema) + '.' + quoteIdent(name);
}

/** The column's real SQL name (introspection keeps it when it is not all lowercase). */
export function sqlName(col: ColumnInfo): string {
  return typeof col.detail?.sqlName === 'string' ? col.detail.sqlName : col.name;
}

const INT_RANGE: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/** Select-list expression: float4 widened to float8 so its text is exact (R14). */
export function selectExpr(col: ColumnInfo): string {
  const q = quoteIdent(sqlName(col));
  return baseTypeName(col.nativeType) === 'real' ? `${q}::float8` : q;
}

/** ORDER BY / comparison expression in canonical key order. */
export function keyExpr(col: ColumnInfo): string {
  const q = quoteIdent(sqlName(col));
  switch (col.family) {
    case 'text':
    case 'char':
    case 'enum':
      return `${q} COLLATE "C"`;
    case 'uuid':
      // a uuid column orders by bytes = lowercase text order; a text column needs "C"
      return baseTypeName(col.nativeType) === 'uuid' ? q : `${q} COLLATE "C"`;
    default:
      return q;
  }
}

/** How one key column's bound values are made representable and bound. */
export function keyBoundColumn(col: ColumnInfo): KeyBoundColumn {
  const base = baseTypeName(col.nativeType);
  const family = col.family;
  const cast = (p: string): string => {
    switch (family) {
      case 'int':
        return `${p}::${base === 'smallint' || base === 'integer' || base === 'bigint' ? base : 'numeric'}`;
      case 'decimal':
        return `${p}::numeric`;
      case 'bool':
        return base === 'boolean' ? `${p}::boolean` : `${p}::bigint`;
      case 'uuid':
        return base === 'uuid' ? `${p}::uuid` : `${p}::text COLLATE "C"`;
      case 'date':
        return `${p}::date`;
      case 'timestamp':
        return `${p}::timestamp`;
      case 'timestamptz':
        return `${p}::timestamptz`; // session TimeZone is UTC
      case 'binary':
        return `${p}::bytea`;
      case 'char':
        return base === 'character' || base === 'bpchar' ? `${p}::bpchar COLLATE "C"` : `${p}::text COLLATE "C"`;
      default:
        return `${p}::text COLLATE "C"`;
    }
  };
  return {
    family,
    dialect: 'postgres',
    intRange: INT_RANGE[base],
    isUuidType: base === 'uuid',
    isBoolType: base === 'boolean',
    cast,
    toParam: (v: BoundValue) => (family === 'binary' ? '\\x' + v : v),
  };
}

/**
 * WHERE text for a key range (lo inclusive, hi exclusive) and a resume point (after,
 * exclusive), using row-value comparison so composite keys follow the canonical order.
 */
export function rangeWhere(keyCols: ColumnInfo[], range: KeyRange | KeyRange[], after: KeyTuple | undefined, where: string | undefined, firstParam = 1): WhereClause {
  return rangePredicate(keyCols.map(keyBoundColumn), keyCols.map(keyExpr), range, after, where, (n) => `$${firstParam + n}`);
}

/**
 * rangeWhere with the bound values written as quoted literals (for COPY, which takes no
 * parameters): '…' with quotes doubled, under standard_conforming_strings (a session setting
 * of every Parity session), then the same casts as the parameters get.
 */
export function literalRangeWhere(keyCols: ColumnInfo[], range: KeyRange | KeyRange[], after: KeyTuple | undefined): string {
  const w = rangePredicate(keyCols.map(keyBoundColumn), keyCols.map(keyExpr), range, after, undefined, (n) => `\u0000${n}\u0000`);
  return w.sql.replace(/\u0000(\d+)\u0000/g, (_, n: string) => {
    const v = w.params[Number(n)];
    if (typeof v !== 'string' || v.includes('\u0000')) throw new Error(`key bound ${JSON.stringify(v)} cannot be written as a literal`);
    return `'${v.replace(/'/g, "''")}'`;
  });
}

export function orderBy(keyCols: ColumnInfo[]): string {
  return 'ORDER BY ' + keyCols.map(keyExpr).join(', ');
}

