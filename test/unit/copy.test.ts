// PostgreSQL COPY text parsing (src/engines/postgres/copy.ts): fields back exactly as the
// server's text for values full of COPY's special bytes, '\N' NULL vs the text '\N', rows
// cut at every possible chunk boundary (inside escapes and multi-byte characters).
import { describe, expect, test } from 'vitest';
import { copyBatches, unescapeInPlace } from '../../src/engines/postgres/copy';
import { rng } from '../../scripts/fixtures';

/** PostgreSQL's COPY TO text escaping (CopyAttributeOutText) */
function escape(v: string): string {
  return v.replace(/[\\\b\f\n\r\t\v]/g, (c) => ({ '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' })[c]!);
}

function copyText(rows: (string | null)[][]): Buffer {
  return Buffer.from(rows.map((r) => r.map((v) => (v === null ? '\\N' : escape(v))).join('\t') + '\n').join(''), 'utf8');
}

async function* chunked(buf: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (const c of cuts) {
    // a copy, as the socket would hand over: the parser may write into it
    yield Buffer.from(buf.subarray(at, c));
    at = c;
  }
  yield Buffer.from(buf.subarray(at));
}

async function parse(buf: Buffer, cols: number, maxRows: number, cuts: number[]): Promise<(string | null)[][]> {
  const out: (string | null)[][] = [];
  for await (const b of copyBatches(chunked(buf, cuts), cols, maxRows)) {
    expect(b.rows).toBeLessThanOrEqual(maxRows);
    for (let r = 0; r < b.rows; r++) {
      const row: (string | null)[] = [];
      for (let c = 0; c < cols; c++) {
        const s = b.starts[r * cols + c];
        row.push(s < 0 ? null : b.buf.toString('utf8', s, b.ends[r * cols + c]));
      }
      out.push(row);
    }
  }
  return out;
}

const ALPHABET = ['\t', '\n', '\r', '\b', '\f', '\v', '\\', 'N', '\\N', 'a', ' ', 'é', '😀', '0', 'x', "'"];

describe('COPY text → fields', () => {
  test('random rows of special bytes, every chunk boundary, small and large batches', async () => {
    const r = rng(7);
    const cols = 3;
    const rows: (string | null)[][] = [['\\N', null, ''], ['', '', ''], [null, null, null]];
    for (let i = 0; i < 60; i++) {
      const row: (string | null)[] = [];
      for (let c = 0; c < cols; c++) {
        if (r() < 0.1) row.push(null);
        else row.push(Array.from({ length: Math.floor(r() * 6) }, () => ALPHABET[Math.floor(r() * ALPHABET.length)]).join(''));
      }
      rows.push(row);
    }
    const buf = copyText(rows);
    // the text '\N' is escaped as '\\N' and stays text; only a bare \N field is NULL
    expect(await parse(buf, cols, 1000, [])).toEqual(rows);
    for (let cut = 1; cut < buf.length; cut++) expect(await parse(buf, cols, 4, [cut])).toEqual(rows);
    const cuts: number[] = [];
    for (let at = 0; at < buf.length; at += 1 + Math.floor(r() * 5)) cuts.push(at);
    expect(await parse(buf, cols, 1, cuts)).toEqual(rows);
  });

  test('escapes the server reads are undone too (octal, \\x); a bad shape is an error, not a row', async () => {
    const b = Buffer.from('\\101\\x42\\7\\x\\q');
    expect(b.toString('latin1', 0, unescapeInPlace(b, 0, b.length))).toBe('AB\u0007xq');
    await expect(parse(Buffer.from('a\tb\n'), 3, 10, [])).rejects.toThrow(/2 columns, 3 asked for/);
    await expect(parse(Buffer.from('a\tb\tc\td\n'), 3, 10, [])).rejects.toThrow(/more than the 3 columns/);
    await expect(parse(Buffer.from('a\tb\tc\na\tb'), 3, 10, [])).rejects.toThrow(/ended inside a row/);
  });
});
