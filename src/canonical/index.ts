// Canonical values (../../docs/canonical-rules.md, ../shared/RULES.md R1–R31): the one place
// raw driver values become comparable bytes and key text.

import type { ColumnPair, Family, KeyTuple } from '../core/types';
import type { RawRow } from '../engines/engine';
import { keyEncoder, NULL_BYTES, valueEncoder, type KeyEncoder, type ValueEncoder } from './encode';

/** Bump when any canonical byte or key text changes; recorded in checkpoints and baselines. */
export const CANONICAL_VERSION = 1;

export { familyOf, checkSchemas, withPairFamilies, isFloat32, baseTypeName, KEY_FAMILIES } from './families';
export { compareKeys, compareCodePoints, keyComparator } from './order';
export { TAG, NULL_BYTES, valueEncoder, keyEncoder } from './encode';
export { canonicalJson } from './json';
export { normalizeInt, normalizeDecimal, compareIntText, compareDecimalText } from './numbers';
export { normalizeTime, normalizeTimestamp, normalizeTimestamptz } from './temporal';

export interface EncodedRow {
  /** R10/R10a text of the key columns, in key order */
  key: KeyTuple;
  /** canonical bytes of every column, in `pairs` order (NULL → NULL_BYTES, R11) */
  values: Buffer[];
}

/**
 * A row encoder for one side. Row values arrive in `pairs` order, as the engine delivered
 * them (text, Buffers, null). Encoders are built once per column.
 */
export function makeRowEncoder(pairs: ColumnPair[], side: 'source' | 'target'): (row: RawRow) => EncodedRow {
  const n = pairs.length;
  const enc: ValueEncoder[] = pairs.map((p) => valueEncoder(p.family, p[side]));
  const keyIdx: number[] = [];
  const keyEnc: KeyEncoder[] = [];
  pairs.forEach((p, i) => {
    if (p.isKey) {
      keyIdx.push(i);
      keyEnc.push(keyEncoder(p.family));
    }
  });
  const k = keyIdx.length;
  return (row: RawRow): EncodedRow => {
    const values = new Array<Buffer>(n);
    for (let i = 0; i < n; i++) {
      const v = row[i];
      values[i] = v === null || v === undefined ? NULL_BYTES : enc[i](v);
    }
    const key = new Array<string>(k);
    for (let j = 0; j < k; j++) {
      const v = row[keyIdx[j]];
      key[j] = v === null || v === undefined ? '' : keyEnc[j](v);
    }
    return { key, values };
  };
}

/** Key text for raw key values (as sampled), one family per key column. */
export function makeKeyEncoder(families: Family[]): (raw: RawRow) => KeyTuple {
  const enc = families.map((f) => keyEncoder(f));
  return (raw) => enc.map((e, i) => (raw[i] === null || raw[i] === undefined ? '' : e(raw[i] as string | Buffer)));
}
