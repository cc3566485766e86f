// Byte scans against the string scans, on real servers: PostgreSQL scanBytes (COPY … TO
// STDOUT) gives the rows, values and order of scan (the extended protocol) for keys and
// values full of quotes, backslashes and COPY's special bytes, with key bounds written as
// literals (lo, hi, resume-after, a union of ranges); MySQL/MariaDB scanBytes (row packets
// read in place) gives scan's values for every text-like type, lengths past 250 and 65535
// bytes, NULLs, a latin1 column and astral characters, and declines binary columns.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { KeyRange, KeyTuple, TableSchema } from '../../src/core/types';
import type { ByteBatch, Engine } from '../../src/engines/engine';
import { openEngine } from '../../src/engines/open';
import { MY_URL, openTestDbs, PG_URL, type TestDbs } from '../helpers/db';

let db: TestDbs;
let pg: Engine;
let my: Engine;
let myTable: string;
let mySchema: TableSchema;
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
  myTable = db.name('mybytes');
  await db.createMy(myTable, `k varchar(40) primary key, v longtext, l varchar(20) character set latin1, n decimal(20,6), d datetime(6), j json, e enum('a','b'), st set('x','y'), f double, b blob`);
  for (const [i, k] of KEYS.entries()) {
    const v = i % 4 === 0 ? null : `${k}|\t\n\\|😀|${'é'.repeat([0, 10, 200, 20_000, 40_000][i % 5])}`;
    await db.my(`INSERT INTO \`${myTable}\` VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [k, v, i % 3 ? 'caf\u00e9' : null, `${i}.5`, `2024-01-0${1 + (i % 9)} 12:00:00.${i}`, JSON.stringify({ k, i }), i % 2 ? 'a' : 'b', 'x,y', i / 3, Buffer.from([0, 255, i])]);
  }
  my = await openEngine(MY_URL, { applicationName: 'parity-test:copy' });
  mySchema = await my.introspect(myTable);
});

afterAll(async () => {
  await pg?.close();
  await my?.close();
  await db?.close();
});

async function viaScan(range: KeyRange | KeyRange[], after?: KeyTuple): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for await (const b of pg.scan({ schema, columns: COLS, range, after, fetchSize: 3 })) out.push(...b);
  return out;
}

/** A byte batch's rows as the strings the string scan gives (NULL as null). */
function decoded(b: ByteBatch): unknown[][] {
  const out: unknown[][] = [];
  for (let r = 0; r < b.rows; r++) {
    const row: unknown[] = [];
    for (let c = 0; c < b.cols; c++) {
      const s = b.starts[r * b.cols + c];
      row.push(s < 0 ? null : b.buf.toString('utf8', s, b.ends[r * b.cols + c]));
    }
    out.push(row);
  }
  return out;
}

async function viaBytes(range: KeyRange | KeyRange[], after?: KeyTuple): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for await (const b of pg.scanBytes!({ schema, columns: COLS, range, after, fetchSize: 3 })!) {
    expect(b.cols).toBe(COLS.length);
    out.push(...decoded(b));
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

  test('not with a user predicate (COPY would run it on the simple protocol), nor for a non-UTF8 database', async () => {
    expect(pg.scanBytes!({ schema, columns: COLS, range: {}, where: 'true', fetchSize: 10 })).toBeUndefined();
    const latin = { ...schema, columns: schema.columns.map((c) => (c.charset ? { ...c, charset: 'SQL_ASCII' } : c)) };
    expect(pg.scanBytes!({ schema: latin, columns: COLS, range: {}, fetchSize: 10 })).toBeUndefined();
    expect(pg.scanBytes!({ schema, columns: COLS, range: {}, fetchSize: 10 })).toBeDefined();
  });
});

describe('MySQL/MariaDB scanBytes = scan', () => {
  const MY_COLS = ['k', 'v', 'l', 'n', 'd', 'j', 'e', 'st', 'f'];
  test('every text-like type, long values, NULLs, latin1, a bounded range: the values scan decodes', async () => {
    for (const [range, after, fetchSize] of [[{}, undefined, 4], [{ lo: ["O'Brien"], hi: ['é'] }, ['\\N'], 1000]] as [KeyRange, KeyTuple | undefined, number][]) {
      const want: unknown[][] = [];
      for await (const b of my.scan({ schema: mySchema, columns: MY_COLS, range, after, fetchSize })) want.push(...b);
      const got: unknown[][] = [];
      for await (const b of my.scanBytes!({ schema: mySchema, columns: MY_COLS, range, after, fetchSize })!) {
        expect(b.rows).toBeLessThanOrEqual(fetchSize);
        got.push(...decoded(b));
      }
      expect(want.length).toBeGreaterThan(2);
      expect(got).toEqual(want);
    }
    // the values were what the test claims: long ones (3-byte lengths), NULLs, latin1 text
    const all: unknown[][] = [];
    for await (const b of my.scan({ schema: mySchema, columns: MY_COLS, range: {}, fetchSize: 100 })) all.push(...b);
    expect(all.some((r) => typeof r[1] === 'string' && Buffer.byteLength(r[1]) > 65_535)).toBe(true);
    expect(all.some((r) => r[1] === null)).toBe(true);
    expect(all.some((r) => r[2] === 'caf\u00e9')).toBe(true);
  });

  test('declines binary columns (their bytes are not text)', () => {
    expect(my.scanBytes!({ schema: mySchema, columns: [...MY_COLS, 'b'], range: {}, fetchSize: 10 })).toBeUndefined();
  });
});
