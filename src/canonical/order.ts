// The canonical key order (R4, R5): code-point order for text, numeric for numbers,
// chronological for temporal keys, bytewise for binary. Engines must ORDER BY exactly this.

import type { Family, KeyTuple } from '../core/types';
import { compareDecimalText, compareIntText } from './numbers';

/**
 * Code-point order (= UTF-8 byte order) of two JS strings. JavaScript's `<` compares UTF-16
 * code units, which puts astral characters (surrogate pairs) before U+E000–U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // surrogates (D800–DFFF) encode code points above FFFF: lift them over E000–FFFF
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareAscii(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Decimal keys: finite values numerically; PostgreSQL's -Infinity < numbers < Infinity < NaN. */
function decimalRank(s: string): number {
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || (c === 45 && s.charCodeAt(1) !== 73 /* I */)) return 1;
  if (s === '-Infinity') return 0;
  if (s === 'Infinity') return 2;
  return 3; // NaN
}

function compareDecimalKey(a: string, b: string): number {
  const ra = decimalRank(a);
  const rb = decimalRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  return ra === 1 ? compareDecimalText(a, b) : 0;
}

function boolRank(s: string): string {
  return s === 'false' ? '0' : s === 'true' ? '1' : s;
}

/**
 * Temporal keys. Fixed-width 'YYYY-MM-DD[ HH:MM:SS.ffffff]' for years 1000–9999 compares as
 * plain text; the rest (R31): '-infinity' < BC values (older first) < AD values by numeric
 * year (MariaDB's year 0000 and zero dates sort before year 1) < 'infinity'.
 */
function compareTemporal(a: string, b: string): number {
  const fa = a.length >= 10 && a.charCodeAt(4) === 45 && !a.endsWith(' BC');
  const fb = b.length >= 10 && b.charCodeAt(4) === 45 && !b.endsWith(' BC');
  if (fa && fb) return compareAscii(a, b);
  const ca = temporalClass(a);
  const cb = temporalClass(b);
  if (ca !== cb) return ca < cb ? -1 : 1;
  if (ca === 0 || ca === 3) return 0;
  const ya = a.indexOf('-');
  const yb = b.indexOf('-');
  const yearA = a.slice(0, ya);
  const yearB = b.slice(0, yb);
  if (ca === 1) {
    // BC: larger year number is older
    if (yearA !== yearB) return -compareIntText(stripZeros(yearA), stripZeros(yearB));
    return compareAscii(a.slice(ya), b.slice(yb));
  }
  if (yearA !== yearB) return compareIntText(stripZeros(yearA), stripZeros(yearB));
  return compareAscii(a.slice(ya), b.slice(yb));
}

function stripZeros(y: string): string {
  let i = 0;
  while (i < y.length - 1 && y.charCodeAt(i) === 48) i++;
  return y.slice(i);
}

function temporalClass(s: string): number {
  if (s === '-infinity') return 0;
  if (s === 'infinity') return 3;
  if (s.endsWith(' BC')) return 1;
  return 2;
}

export type KeyComparator = (a: string, b: string) => number;

export function keyComparator(family: Family): KeyComparator {
  switch (family) {
    case 'int':
      return compareIntText;
    case 'decimal':
      return compareDecimalKey;
    case 'bool':
      return (a, b) => (a === b ? 0 : compareIntText(boolRank(a), boolRank(b)));
    case 'date':
    case 'timestamp':
    case 'timestamptz':
      return compareTemporal;
    case 'binary':
      return compareAscii; // lowercase hex: text order is byte order
    default:
      return compareCodePoints;
  }
}

const comparatorCache = new Map<Family, KeyComparator>();

/** The canonical order of two key tuples (R10/R10a text), one family per key column. */
export function compareKeys(a: KeyTuple, b: KeyTuple, families: Family[]): number {
  for (let i = 0; i < families.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    // a shorter tuple (a key prefix used as a bound) sorts before every key it prefixes
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    let cmp = comparatorCache.get(families[i]);
    if (!cmp) {
      cmp = keyComparator(families[i]);
      comparatorCache.set(families[i], cmp);
    }
    const r = cmp(x, y);
    if (r !== 0) return r;
  }
  return 0;
}
