// MySQL/MariaDB row packets as bytes (src/engines/mysql/bytes.ts): length-coded fields of
// every header size, NULLs, batches that fill and a buffer that grows, and malformed packets.
import { describe, expect, test } from 'vitest';
import { RowBytes } from '../../src/engines/mysql/bytes';
import type { ByteBatch } from '../../src/engines/engine';

/** a row packet's payload: each value length-coded, null as 0xfb */
function packet(values: (string | null)[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) {
    if (v === null) {
      parts.push(Buffer.from([0xfb]));
      continue;
    }
    const b = Buffer.from(v);
    const n = b.length;
    const head = n < 0xfb ? Buffer.from([n]) : n < 1 << 16 ? Buffer.from([0xfc, n & 255, n >> 8]) : Buffer.from([0xfd, n & 255, (n >> 8) & 255, n >> 16]);
    parts.push(head, b);
  }
  return Buffer.concat(parts);
}

const values = (b: ByteBatch) =>
  Array.from({ length: b.rows }, (_, r) => Array.from({ length: b.cols }, (_, c) => (b.starts[r * b.cols + c] < 0 ? null : b.buf.toString('utf8', b.starts[r * b.cols + c], b.ends[r * b.cols + c]))));

describe('RowBytes', () => {
  test('fields of every length header, NULLs and empty strings come back as written, batch by batch', () => {
    const rows: (string | null)[][] = [
      ['1', null, ''],
      ['2', 'é😀', 'x'.repeat(250)],
      ['3', 'y'.repeat(300), null],
      ['4', 'z'.repeat(70_000), 'tail'],
      ['5', '', ''],
    ];
    const rb = new RowBytes(3, 2);
    // packets sit inside a larger buffer, as they do in mysql2's reads
    for (const r of rows) {
      const p = packet(r);
      const framed = Buffer.concat([Buffer.from('junk'), p, Buffer.from('more')]);
      rb.add(framed, 4, 4 + p.length);
    }
    rb.flush();
    expect(rb.full.map((b) => b.rows)).toEqual([2, 2, 1]);
    expect(rb.full.flatMap(values)).toEqual(rows);
    // a released batch is reused empty
    const first = rb.full.shift()!;
    rb.release(first);
    rb.add(packet(['6', 'a', 'b']), 0, packet(['6', 'a', 'b']).length);
    rb.flush();
    expect(values(rb.full[rb.full.length - 1])).toEqual([['6', 'a', 'b']]);
  });

  test('a packet with a bad length, a field past its end or bytes past its columns is refused', () => {
    const rb = new RowBytes(2, 10);
    expect(() => rb.add(Buffer.from([0xff, 0x00]), 0, 2)).toThrow(/not a length/);
    expect(() => rb.add(Buffer.from([0x01, 0x41, 0x05, 0x42]), 0, 4)).toThrow(/ends inside column 2 of 2/);
    expect(() => rb.add(Buffer.from([0x01, 0x41, 0x01, 0x42, 0x00]), 0, 5)).toThrow(/1 bytes past its 2 columns/);
  });
});
