// Raw rows as one flat byte buffer, so a batch crosses to a hashing thread as a transferred
// ArrayBuffer (zero-copy) instead of a structured clone of thousands of JS objects.
// Layout: u32 rows, u16 columns, then per value: u8 kind (0 NULL, 1 UTF-8 text, 2 bytes), u32 length, bytes.
import type { RawRow } from '../engines/engine';

export function packRows(rows: RawRow[], columns: number): ArrayBuffer {
  let size = 6;
  const texts: (Buffer | null)[] = [];
  for (const row of rows) {
    for (const v of row) {
      if (v === null) { texts.push(null); size += 1; continue; }
      const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
      texts.push(b);
      size += 5 + b.length;
    }
  }
  // allocUnsafeSlow: never a slice of Node's shared pool, so the whole ArrayBuffer can be transferred
  const out = Buffer.allocUnsafeSlow(size);
  out.writeUInt32LE(rows.length, 0);
  out.writeUInt16LE(columns, 4);
  let o = 6, k = 0;
  for (const row of rows) {
    for (const v of row) {
      const b = texts[k++];
      if (b === null) { out[o++] = 0; continue; }
      out[o++] = typeof v === 'string' ? 1 : 2;
      out.writeUInt32LE(b.length, o);
      o += 4;
      o += b.copy(out, o);
    }
  }
  return out.buffer as ArrayBuffer;
}

export function unpackRows(ab: ArrayBuffer): RawRow[] {
  const buf = Buffer.from(ab);
  const n = buf.readUInt32LE(0);
  const cols = buf.readUInt16LE(4);
  const rows: RawRow[] = new Array(n);
  let o = 6;
  for (let r = 0; r < n; r++) {
    const row: RawRow = new Array(cols);
    for (let c = 0; c < cols; c++) {
      const kind = buf[o++];
      if (kind === 0) { row[c] = null; continue; }
      const len = buf.readUInt32LE(o);
      o += 4;
      row[c] = kind === 1 ? buf.toString('utf8', o, o + len) : buf.subarray(o, o + len);
      o += len;
    }
    rows[r] = row;
  }
  return rows;
}
