// MySQL/MariaDB SQL pieces: quoting, key-order expressions, typed key bounds. No I/O.

import type { ColumnInfo, KeyRange, KeyTuple, TableSchema } from '../../core/types';
import { type BoundValue, type KeyBoundColumn } from '../../canonical/bounds';
import { rangePredicate, type WhereClause } from '../sql';
export { keyColumns, type WhereClause } from '../sql';

export function quoteIdent(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

export function sqlName(col: ColumnInfo): string {
  return typeof col.detail?.sqlName === 'string' ? col.detail.sqlName : col.name;
}

/** 'int(11) unsigned' → 'int' */
export function dataType(col: ColumnInfo): string {
  return /^[a-z]+/.exec(col.nativeType.toLowerCase())?.[0] ?? '';
}

export function isUnsigned(col: ColumnInfo): boolean {
  return col.detail?.unsigned === true || /\bunsigned\b/i.test(col.nativeType);
}

const SIGNED: Record<string, [bigint, bigint]> = {
  tinyint: [-128n, 127n],
  smallint: [-32768n, 32767n],
  mediumint: [-8388608n, 8388607n],
  int: [-2147483648n, 2147483647n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
  year: [0n, 2155n],
};

export function intRange(col: ColumnInfo): [bigint, bigint] | undefined {
  const r = SIGNED[dataType(col)];
  if (!r) return undefined;
  if (!isUnsigned(col) || dataType(col) === 'year') return r;
  return [0n, r[1] * 2n + 1n];
}

/** Select-list expression: FLOAT widened to DOUBLE, whose text is exact (R14). */
export function selectExpr(col: ColumnInfo): string {
  const q = quoteIdent(sqlName(col));
  return dataType(col) === 'float' ? `CAST(${q} AS DOUBLE)` : q;
}

const UTF8_CHARSETS = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'ascii']);

/**
 * ORDER BY / comparison expression in canonical key order. Text compares as its UTF-8 bytes
 * (= code points), never through a collation: utf8mb4_bin is PAD SPACE, *_ci folds (R5).
 */
export function keyExpr(col: ColumnInfo): string {
  const q = quoteIdent(sqlName(col));
  switch (col.family) {
    case 'text':
    case 'char':
    case 'enum':
    case 'uuid':
      if (dataType(col) !== 'uuid' && UTF8_CHARSETS.has((col.charset ?? 'utf8mb4').toLowerCase())) return `CAST(${q} AS BINARY)`;
      return `CAST(CONVERT(${q} USING utf8mb4) AS BINARY)`;
    default:
      return q;
  }
}

function decimalCast(value: string): string {
  const neg = value.startsWith('-') ? 1 : 0;
  const dot = value.indexOf('.');
  const intDigits = Math.max(1, (dot < 0 ? value.length : dot) - neg);
  const frac = dot < 0 ? 0 : value.length - dot - 1;
  const scale = Math.max(0, Math.min(38, frac, 65 - intDigits));
  return `DECIMAL(65,${scale})`;
}

export function keyBoundColumn(col: ColumnInfo): KeyBoundColumn {
  const range = intRange(col);
  const family = col.family;
  const intCast = (p: string) => `CAST(${p} AS ${isUnsigned(col) ? 'UNSIGNED' : 'SIGNED'})`;
  const precision = typeof col.detail?.precision === 'number' ? col.detail.precision : undefined;
  const scale = typeof col.detail?.scale === 'number' ? col.detail.scale : 0;
  return {
    family,
    dialect: 'mysql',
    intRange: range,
    decimal: precision !== undefined && !range ? { precision, scale } : undefined,
    isUuidType: false,
    isBoolType: false,
    cast: (p: string, v: BoundValue) => {
      switch (family) {
        case 'int':
        case 'bool':
          return intCast(p);
        case 'decimal':
          return range ? intCast(p) : `CAST(${p} AS ${decimalCast(v)})`;
        case 'text':
        case 'char':
        case 'enum':
        case 'uuid':
          return `CAST(${p} AS BINARY)`;
        default:
          return p; // temporal: a string compared with a temporal column converts to it; binary: bytes
      }
    },
    toParam: (v: BoundValue) => (family === 'binary' ? Buffer.from(v, 'hex') : v),
  };
}

export function rangeWhere(keyCols: ColumnInfo[], range: KeyRange | KeyRange[], after: KeyTuple | undefined, where: string | undefined): WhereClause {
  return rangePredicate(keyCols.map(keyBoundColumn), keyCols.map(keyExpr), range, after, where, () => '?');
}

export function orderBy(keyCols: ColumnInfo[]): string {
  return 'ORDER BY ' + keyCols.map(keyExpr).join(', ');
}

