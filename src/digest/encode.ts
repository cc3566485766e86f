// A row encoder with masking applied: what every hashing path uses, so a plain value of a
// masked column never outlives the function that read it.
import { makeRowEncoder } from '../canonical';
import type { ColumnPair, KeyTuple } from '../core/types';
import type { RawRow } from '../engines/engine';
import { tokenize, tokenText } from '../policy/mask';

export type Side = 'source' | 'target';
/** key: the plain canonical key (orders rows, stays in this process); shown: what reports may show */
export interface EncodedRow { key: KeyTuple; values: Buffer[]; shown: KeyTuple }

export function makeEncoder(pairs: ColumnPair[], side: Side, maskKey?: Buffer): (row: RawRow) => EncodedRow {
  const encode = makeRowEncoder(pairs, side);
  const masked = pairs.map((p, i) => (p.mask === 'tokenize' ? i : -1)).filter((i) => i >= 0);
  if (masked.length === 0) return (row) => { const r = encode(row); return { key: r.key, values: r.values, shown: r.key }; };
  if (!maskKey) throw new Error('a column is masked with tokenize but this worker has no masking key (PARITY_MASK_KEY)');
  const keyCount = pairs.filter((p) => p.isKey).length;
  return (row) => {
    const r = encode(row);
    const shown = r.key.slice();
    for (const i of masked) {
      if (i < keyCount) shown[i] = tokenText(maskKey, r.values[i]);
      r.values[i] = tokenize(maskKey, r.values[i]);
    }
    return { key: r.key, values: r.values, shown };
  };
}
