// PostgreSQL scanBytes (COPY … TO STDOUT) against scan (the extended protocol): the same
// rows, values and order, for keys and values full of quotes, backslashes and COPY's special
// bytes, with key bounds written as literals (lo, hi, resume-after, a union of ranges).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { KeyRange, KeyTuple, TableSchema } from '../../src/core/types';
import type { Engine } from '../../src/engines/engine';
import { openEngine } from '../../src/engines/open';
import { openTestDbs, PG_URL, type TestDbs } from '../helpers/db';

let db: TestDbs;
let pg: Engine;
let table: string;
let schema: TableSchema;

const KEYS = ['a', "O'Brien", "O''Brien", 'back\\slash', '\\x41', 'tab\tkey', 'new\nline', '\\N', 'é', '😀', "'; SELECT 1; --", '$1', 'zz'];
const COLS = ['k', 'v', 'b', 'n', 'ts'];

beforeAll(async () => {
  db = await openTestDbs(__filename);
  table = db.name('copy');
  await db.createPg(table, 'k text primary key, v text, b bytea, n numeric, ts timestamptz');
  for (const [i, k] of KEYS.entries()) {
    const v = i % 4 === 0 ? null : `${k}|\t\n\r\b\f\v\\|\\N|${'x'.repeat(i * 500)}`;
    const b = i % 3 === 0 ? null : Buffer.from([0, 9, 10, 92, 78, i]);
    await db.pg(`INSERT INTO "${table}" VALUES ($1, $2, $3, $4, $5)`, [k, v, b, `${i}.500`, `2024-01-0${1 + (i % 9)} 12:00:0${i % 10}.${i}+00`]);
  }
  pg = await openEngine(PG_URL, { applicationName: 'parity-test:copy' });
  schema = await pg.introspect(table);
});

afterAll(async () => {
  await pg?.close();
  await db?.close();
});

async function viaScan(range: KeyRange | KeyRange[], after?: KeyTuple): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for await (const b of pg.scan({ schema, columns: COLS, range, after, fetchSize: 3 })) out.push(...b);
  return out;
}

async function viaBytes(range: KeyRange | KeyRange[], after?: KeyTuple): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for await (const b of pg.scanBytes!({ schema, columns: COLS, range, after, fetchSize: 3 })) {
    expect(b.cols).toBe(COLS.length);
    for (let r = 0; r < b.rows; r++) {
      const row: unknown[] = [];
      for (let c = 0; c < b.cols; c++) {
        const s = b.starts[r * b.cols + c];
        row.push(s < 0 ? null : b.buf.toString('utf8', s, b.ends[r * b.cols + c]));
      }
      out.push(row);
    }
  }
  return out;
}

describe('PostgreSQL scanBytes = scan', () => {
  test('whole table, bounded ranges, resume after a key, a union of ranges: same rows, values, order', async () => {
    const all = await viaScan({});
    expect(all.length).toBe(KEYS.length);
    expect(await viaBytes({})).toEqual(all);
    const cases: [KeyRange | KeyRange[], KeyTuple | undefined][] = [
      [{ lo: ["O'Brien"], hi: ['é'] }, undefined],
      [{ lo: ['\\N'] }, ['back\\slash']],
      [{ hi: ["'; SELECT 1; --"] }, undefined],
      [[{ lo: ['$1'], hi: ["O''Brien"] }, { lo: ['tab\tkey'], hi: ['😀'] }], undefined],
      [{}, ['new\nline']],
    ];
    for (const [range, after] of cases) {
      const want = await viaScan(range, after);
      expect(want.length).toBeGreaterThan(0);
      expect(want.length).toBeLessThan(KEYS.length);
      expect(await viaBytes(range, after), JSON.stringify({ range, after })).toEqual(want);
    }
  });

  test('a user predicate is refused (COPY would run it on the simple protocol)', async () => {
    const it = pg.scanBytes!({ schema, columns: COLS, range: {}, where: 'true', fetchSize: 10 })[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toThrow(/where predicate/);
  });
});
