// Key bounds in SQL. A bound may come from the other engine and hold a value this column
// cannot (an unsigned 2^64−1 for a PostgreSQL bigint, a MariaDB zero date, a BC date, an
// uppercase uuid, U+0000). Such a bound is replaced by the smallest value this column can
// hold that is ≥ it in canonical key order, or the condition collapses to its prefix, so
// the rows selected are exactly those compareKeys puts in range — and no cast ever fails.

import type { Dialect, Family, KeyTuple } from '../core/types';
import { compareIntText, normalizeDecimal } from './numbers';

export type BoundValue = string;

/** What a dialect says about one key column, for bounds. */
export interface KeyBoundColumn {
  family: Family;
  dialect: Dialect;
  /** integer storage range when the column is an integer type */
  intRange?: [bigint, bigint];
  /** DECIMAL(p,s) of the column (MariaDB) */
  decimal?: { precision: number; scale: number };
  isUuidType?: boolean;
  isBoolType?: boolean;
  /** SQL for a bound parameter placeholder cast to this column's comparison type */
  cast(placeholder: string, value: BoundValue): string;
  /** the driver parameter for a (representable) bound value */
  toParam(value: BoundValue): unknown;
}

type Repr = { kind: 'exact'; v: string } | { kind: 'ceil'; v: string } | { kind: 'below' } | { kind: 'above' };

const exact = (v: string): Repr => ({ kind: 'exact', v });

/** Integer ceiling of a plain decimal text ('1.5' → '2', '-1.5' → '-1'). */
function ceilInt(d: string): { v: string; isInt: boolean } {
  const dot = d.indexOf('.');
  if (dot < 0) return { v: d, isInt: true };
  const ip = d.slice(0, dot);
  if (d.charCodeAt(0) === 45) {
    const t = ip === '-0' ? '0' : ip;
    return { v: t, isInt: false };
  }
  return { v: (BigInt(ip) + 1n).toString(), isInt: false };
}

function intRepr(v: string, range: [bigint, bigint] | undefined, wasInt: boolean): Repr {
  if (range) {
    const b = BigInt(v);
    if (b < range[0]) return { kind: 'below' };
    if (b > range[1]) return { kind: 'above' };
  }
  return wasInt ? exact(v) : { kind: 'ceil', v };
}

function decimalRepr(col: KeyBoundColumn, v: string): Repr {
  if (v === 'NaN' || v === 'Infinity') return col.dialect === 'postgres' ? exact(v) : { kind: 'above' };
  if (v === '-Infinity') return col.dialect === 'postgres' ? exact(v) : { kind: 'below' };
  const n = normalizeDecimal(v);
  if (n === undefined) return { kind: 'above' };
  if (col.intRange) {
    const c = ceilInt(n);
    return intRepr(c.v, col.intRange, c.isInt);
  }
  if (col.decimal) {
    const neg = n.charCodeAt(0) === 45;
    const dot = n.indexOf('.');
    const intPart = n.slice(neg ? 1 : 0, dot < 0 ? n.length : dot);
    if (intPart !== '0' && intPart.length > col.decimal.precision - col.decimal.scale) {
      return neg ? { kind: 'below' } : { kind: 'above' };
    }
  }
  return exact(n);
}

function isDash(i: number): boolean {
  return i === 8 || i === 13 || i === 18 || i === 23;
}

function validUuidChar(i: number, c: number): boolean {
  return isDash(i) ? c === 45 : (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
}

function smallestUuidCharAbove(i: number, c: number): string | undefined {
  if (isDash(i)) return c < 45 ? '-' : undefined;
  if (c < 48) return '0';
  if (c < 57) return String.fromCharCode(c + 1);
  if (c < 97) return 'a';
  if (c < 102) return String.fromCharCode(c + 1);
  return undefined;
}

function uuidFill(from: number): string {
  let s = '';
  for (let i = from; i < 36; i++) s += isDash(i) ? '-' : '0';
  return s;
}

/** Smallest canonical (lowercase 8-4-4-4-12) uuid text ≥ x in code-point order. */
export function ceilCanonicalUuid(x: string): string | undefined {
  let i = 0;
  while (i < 36 && i < x.length && validUuidChar(i, x.charCodeAt(i))) i++;
  if (i === 36 && x.length === 36) return x;
  let prefix: string;
  if (i < 36 && i === x.length) return x + uuidFill(i);
  if (i < 36) {
    const c = smallestUuidCharAbove(i, x.charCodeAt(i));
    if (c) return x.slice(0, i) + c + uuidFill(i + 1);
    prefix = x.slice(0, i);
  } else prefix = x.slice(0, 36); // x longer than a uuid: need something above its prefix
  for (let j = prefix.length - 1; j >= 0; j--) {
    const c = smallestUuidCharAbove(j, prefix.charCodeAt(j));
    if (c) return prefix.slice(0, j) + c + uuidFill(j + 1);
  }
  return undefined;
}

/** MariaDB-only temporal text (year 0000, month or day 00) → the next PostgreSQL value. */
function ceilPgTemporal(v: string): Repr {
  if (v.length < 10 || v.charCodeAt(4) !== 45) return exact(v);
  let y = v.slice(0, 4);
  let m = v.slice(5, 7);
  let d = v.slice(8, 10);
  let rest = v.slice(10);
  if (y === '0000') {
    y = '0001';
    m = '01';
    d = '01';
  } else if (m === '00') {
    m = '01';
    d = '01';
  } else if (d === '00') d = '01';
  else return exact(v);
  if (rest) rest = rest.replace(/[0-9]/g, '0');
  return { kind: 'ceil', v: `${y}-${m}-${d}${rest}` };
}

function mysqlTemporal(v: string): Repr {
  if (v === '-infinity' || v.endsWith(' BC')) return { kind: 'below' };
  if (v === 'infinity') return { kind: 'above' };
  const dash = v.indexOf('-');
  if (dash > 4) return { kind: 'above' }; // years past 9999
  return exact(v);
}

function represent(col: KeyBoundColumn, v: string): Repr {
  switch (col.family) {
    case 'int': {
      const n = normalizeDecimal(v);
      if (n === undefined) return { kind: 'above' };
      const c = ceilInt(n);
      return intRepr(c.v, col.intRange, c.isInt);
    }
    case 'decimal':
      return decimalRepr(col, v);
    case 'bool': {
      const r = v === 'false' ? '0' : v === 'true' ? '1' : v;
      if (col.isBoolType) {
        if (r === '0') return exact('false');
        if (r === '1') return exact('true');
        return compareIntText(r, '0') < 0 ? { kind: 'below' } : { kind: 'above' };
      }
      return intRepr(r, col.intRange, true);
    }
    case 'uuid':
      if (col.isUuidType) {
        const c = ceilCanonicalUuid(v);
        return c === undefined ? { kind: 'above' } : c === v ? exact(v) : { kind: 'ceil', v: c };
      }
      return textRepr(col, v);
    case 'date':
    case 'timestamp':
    case 'timestamptz':
      return col.dialect === 'postgres' ? ceilPgTemporal(v) : mysqlTemporal(v);
    case 'text':
    case 'char':
    case 'enum':
      return textRepr(col, v);
    default:
      return exact(v);
  }
}

function textRepr(col: KeyBoundColumn, v: string): Repr {
  if (col.dialect === 'postgres') {
    const z = v.indexOf('\u0000');
    // PostgreSQL text cannot hold U+0000; the next string up without it (R31)
    if (z >= 0) return { kind: 'ceil', v: v.slice(0, z) + '\u0001' };
  }
  return exact(v);
}

/**
 * SQL for `keyExprs op tuple` in canonical key order, binding each value through `bind`.
 * op is '>=' (range lo), '>' (resume after) or '<' (range hi). Returns 'TRUE' or 'FALSE'
 * when the bound lies beyond every value the column can hold.
 */
export function boundSql(
  cols: KeyBoundColumn[],
  exprs: string[],
  tuple: KeyTuple,
  op: '>=' | '>' | '<',
  bind: (value: BoundValue, col: KeyBoundColumn) => string,
): string {
  const vals: string[] = [];
  let op2: string = op;
  let cut: 'below' | 'above' | undefined;
  for (let i = 0; i < cols.length && i < tuple.length; i++) {
    const r = represent(cols[i], tuple[i]);
    if (r.kind === 'exact') {
      vals.push(r.v);
      continue;
    }
    if (r.kind === 'ceil') {
      vals.push(r.v);
      op2 = op === '<' ? '<' : '>=';
      break;
    }
    cut = r.kind;
    if (r.kind === 'above') op2 = op === '<' ? '<=' : '>';
    else op2 = op === '<' ? '<' : '>=';
    break;
  }
  if (vals.length === 0) {
    if (cut === 'above') return op === '<' ? 'TRUE' : 'FALSE';
    if (cut === 'below') return op === '<' ? 'FALSE' : 'TRUE';
    return 'TRUE';
  }
  const k = vals.length;
  // a key prefix stands for its smallest completion: 'after (2)' still includes (2, x)
  if (op2 === '>' && cut === undefined && k < cols.length) op2 = '>=';
  const binds = vals.map((v, i) => bind(v, cols[i]));
  if (k === 1) return `${exprs[0]} ${op2} ${binds[0]}`;
  return `(${exprs.slice(0, k).join(', ')}) ${op2} (${binds.join(', ')})`;
}
