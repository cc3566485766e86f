// The type matrix: for every value rule R11–R31, a real table on each engine where equal
// values stored differently encode to identical canonical bytes across engines, and real
// differences encode to different bytes — PG→MariaDB and MariaDB→PG.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkSchemas, makeRowEncoder } from '../../src/canonical';
import type { Family, TableSchema } from '../../src/core/types';
import type { Engine, RawRow } from '../../src/engines/engine';
import { openEngine } from '../../src/engines/open';
import { MY_URL, openTestDbs, PG_URL, type TestDbs } from '../helpers/db';

let db: TestDbs;
let pgE: Engine;
let myE: Engine;

beforeAll(async () => {
  db = await openTestDbs(__filename);
  // zero dates and TIMESTAMP literals as a careless loader would write them
  await db.my("SET SESSION sql_mode = '', time_zone = '+00:00'");
  pgE = await openEngine(PG_URL, { applicationName: 'parity-test:matrix' });
  myE = await openEngine(MY_URL, { applicationName: 'parity-test:matrix' });
}, 30_000);

afterAll(async () => {
  await pgE?.close();
  await myE?.close();
  await db?.close();
});

/** pg / my: SQL literals (or NULL); equal: whether the two values must compare equal. */
interface Row {
  pg: string;
  my: string;
  equal: boolean;
}

let seq = 0;

async function scanAll(e: Engine, s: TableSchema, cols: string[]): Promise<Map<string, RawRow>> {
  const out = new Map<string, RawRow>();
  for await (const b of e.scan({ schema: s, columns: cols, range: {}, fetchSize: 1000 })) for (const r of b) out.set(r[0] as string, r);
  return out;
}

/**
 * Builds id/v tables on both engines, reads them back through the engines, and checks each
 * row's v in both directions. Returns the family the pair was compared in.
 */
async function matrix(pgType: string, myType: string, rows: Row[], opts: { family?: Family; mySetup?: string } = {}): Promise<void> {
  const t = db.name(`m${++seq}`);
  await db.createPg(t, `id int primary key, v ${pgType}`);
  await db.createMy(t, `id int primary key, v ${myType}`);
  if (opts.mySetup) await db.my(opts.mySetup);
  for (let i = 0; i < rows.length; i++) {
    await db.pg(`INSERT INTO "${t}" VALUES (${i}, ${rows[i].pg})`);
    await db.my(`INSERT INTO \`${t}\` VALUES (${i}, ${rows[i].my})`);
  }
  const ps = await pgE.introspect(t);
  const ms = await myE.introspect(t);
  for (const [src, tgt, srcRows, tgtRows] of [
    [ps, ms, 'pg', 'my'],
    [ms, ps, 'my', 'pg'],
  ] as const) {
    const chk = checkSchemas(src, tgt);
    expect(chk.halts, `${pgType} ↔ ${myType}`).toEqual([]);
    expect(chk.notCompared).toEqual([]);
    if (opts.family) expect(chk.columns[1].family).toBe(opts.family);
    const cols = chk.columns.map((c) => c.name);
    const a = await scanAll(srcRows === 'pg' ? pgE : myE, src, cols);
    const b = await scanAll(tgtRows === 'pg' ? pgE : myE, tgt, cols);
    const ea = makeRowEncoder(chk.columns, 'source');
    const eb = makeRowEncoder(chk.columns, 'target');
    for (let i = 0; i < rows.length; i++) {
      const ra = ea(a.get(String(i))!);
      const rb = eb(b.get(String(i))!);
      expect(ra.key).toEqual(rb.key);
      const same = ra.values[1].equals(rb.values[1]);
      expect(same, `${srcRows}→${tgtRows} row ${i}: ${rows[i].pg} vs ${rows[i].my} (${JSON.stringify(a.get(String(i)))} vs ${JSON.stringify(b.get(String(i)))})`).toBe(rows[i].equal);
    }
  }
}

const eq = (pg: string, my: string = pg): Row => ({ pg, my, equal: true });
const ne = (pg: string, my: string = pg): Row => ({ pg, my, equal: false });

describe('type matrix (real tables, both directions)', () => {
  test('R11 NULL equals only NULL: not \'\', 0, false, empty bytes, JSON null, zero dates', async () => {
    await matrix('text', 'text', [eq('NULL'), ne('NULL', "''"), ne("''", 'NULL')]);
    await matrix('bigint', 'bigint', [eq('NULL'), ne('NULL', '0')]);
    await matrix('boolean', 'tinyint(1)', [ne('NULL', '0'), ne('false', 'NULL')]);
    await matrix('bytea', 'varbinary(10)', [ne('NULL', "''"), ne("''::bytea", 'NULL'), eq("''::bytea", "''")]);
    await matrix('jsonb', 'json', [ne('NULL', "'null'"), ne("'null'", 'NULL'), ne('NULL', "'{}'"), ne('NULL', "'[]'"), ne('NULL', `'""'`)]);
    await matrix('date', 'date', [ne('NULL', "'0000-00-00'"), eq('NULL', 'NULL')]);
  }, 60_000);

  test('R12 integers exact over the full 64-bit range (2^53+1, ±2^63 edges, one unit differs)', async () => {
    await matrix('bigint', 'bigint', [
      eq('9223372036854775807'),
      eq('-9223372036854775808'),
      eq('9007199254740993'),
      ne('9007199254740993', '9007199254740992'),
      ne('0', '1'),
      eq('-0', '0'),
    ]);
    await matrix('smallint', 'smallint', [eq('-32768'), ne('5', '-5')]);
    await matrix('numeric(20,0)', 'bigint unsigned', [eq('18446744073709551615'), ne('18446744073709551614', '18446744073709551615')]);
  }, 60_000);

  test('R13 decimals by exact value: scale and trailing zeros are representation, 20th digit and target rounding differ', async () => {
    await matrix('numeric', 'decimal(30,10)', [
      eq('1.5', '1.5'),
      eq('1.500000', '1.5000000000'),
      eq('-0.000', '0'),
      eq('12345678901234567890.1234567891'),
      ne('12345678901234567890.1234567891', '12345678901234567890.1234567892'),
      ne('0.00000000001', '0'),
    ]);
    await matrix('numeric(12,6)', 'decimal(12,2)', [eq('1.5', '1.5'), ne('1.234567', '1.234567'), eq('-0.0', '-0.00')]);
  }, 60_000);

  test('R14 doubles as binary64: one ulp differs, -0 = 0, 1e+308 = 1e308; float4 ↔ FLOAT as float32', async () => {
    await matrix('double precision', 'double', [
      eq('0.1'),
      eq("'1e+308'", '1e308'),
      eq('0.1', '0.10000000000000001'),
      ne('0.3', '0.30000000000000004'),
      eq("'-0'", '0'),
      eq('0', '-0e0'),
      eq('2.2250738585072014e-308'),
      eq('4.9e-324'),
      ne('1.7976931348623157e308', '1.7976931348623155e308'),
    ]);
    await matrix('real', 'float', [eq('16777216'), eq('0.1'), eq('3.4028235e38'), ne('1', '1.0000001'), eq("'-0'", '0')], { family: 'float' });
  }, 60_000);

  test('R15 boolean ↔ TINYINT(1): true=1, false=0, 2 differs from both', async () => {
    await matrix('boolean', 'tinyint(1)', [eq('true', '1'), eq('false', '0'), ne('true', '2'), ne('false', '2'), ne('true', '0'), ne('false', '-1')], { family: 'bool' });
  }, 60_000);

  test('R16 text exact code points: no trim, fold, normalization or line-ending conversion', async () => {
    await matrix('text', 'text', [
      eq("'x'"),
      ne("'x'", "'x '"),
      ne("''", "' '"),
      ne("E'a\\r\\nb'", "'a\\r\\nb'".replace('\\r', '')),
      eq("E'a\\r\\nb'", "'a\\r\\nb'"),
      ne("'a'", "'A'"),
      ne("'a'", "'á'"),
      ne(`'${'\u00e9'}'`, `'${'e\u0301'}'`),
      eq("'😀 𝄞 \uFFFD'"),
      eq("'ß'"),
    ]);
    await matrix('varchar(20)', 'varchar(20)', [ne("'ab'", "'ab  '"), eq("'  ab'")]);
    await matrix('text', 'mediumtext', [eq("'straße'"), ne("'straße'", "'STRASSE'")]);
  }, 60_000);

  test('R17 character(n) ↔ CHAR(n): trailing spaces do not count, leading spaces and case do', async () => {
    await matrix('character(6)', 'char(6)', [eq("'ab'", "'ab'"), eq("'ab  '", "'ab'"), ne("' ab'", "'ab'"), ne("'AB'", "'ab'"), eq("''", "''")], { family: 'char' });
  }, 60_000);

  test('R18 bytea ↔ VARBINARY/BLOB: identical bytes only, NUL and invalid UTF-8 included, empty ≠ NULL', async () => {
    await matrix('bytea', 'blob', [
      eq("'\\x00ff80'", "X'00FF80'"),
      eq("'\\xc328'", "X'C328'"),
      ne("'\\xc328'", "X'C329'"),
      ne("'\\x00'", "''"),
      ne("''", 'NULL'),
      ne("'\\x6100'", "X'61'"),
    ]);
    await matrix('bytea', 'mediumblob', [eq("'\\xdeadbeef'", "X'DEADBEEF'")]);
  }, 60_000);

  test('R19 uuid ↔ CHAR(36): only the canonical lowercase text is equal; uppercase differs', async () => {
    const u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    await matrix('uuid', 'char(36)', [eq(`'${u}'`), ne(`'${u}'`, `'${u.toUpperCase()}'`), ne(`'${u}'`, `'${u.replace(/-/g, '')}'`)], { family: 'uuid' });
    await matrix('uuid', 'uuid', [eq(`'${u}'`), eq(`'${u.toUpperCase()}'`, `'${u}'`)], { family: 'uuid' });
  }, 60_000);

  test('R20 JSON as documents: member order and whitespace do not matter, array order does', async () => {
    await matrix('jsonb', 'json', [eq(`'{"a":1,"b":[1,2]}'`, `'{ "b" : [1, 2], "a" : 1 }'`), ne(`'[1,2]'`, `'[2,1]'`), eq(`'{"a":{"y":1,"x":2}}'`, `'{"a":{"x":2,"y":1}}'`)]);
    await matrix('json', 'longtext', [eq(`'{"a":1,  "b":2}'`, `'{"b":2,"a":1}'`), ne(`'{"a":1}'`, `'not json'`)]);
  }, 60_000);

  test('R21 JSON strings by code points after unescaping: \\u00e9 = é, NFC ≠ NFD', async () => {
    await matrix('json', 'json', [eq(`'"\\u00e9"'`, `'"é"'`), ne(`'"é"'`, `'"e\u0301"'`), eq(`'"\\ud83d\\ude00"'`, `'"😀"'`), eq(`'"a\\/b"'`, `'"a/b"'`)]);
  }, 60_000);

  test('R22 JSON numbers by exact decimal value: 1 = 1.0 = 1e0 = 10e-1, -0 = 0, big integers differ', async () => {
    await matrix('jsonb', 'json', [
      eq(`'[1]'`, `'[1.0]'`),
      eq(`'[1]'`, `'[1e0]'`),
      eq(`'[1]'`, `'[10e-1]'`),
      eq(`'[-0]'`, `'[0]'`),
      eq(`'[12345678901234567890]'`, `'[12345678901234567890]'`),
      ne(`'[12345678901234567890]'`, `'[12345678901234567891]'`),
      ne(`'[0.1]'`, `'[0.1000000000000000000001]'`),
    ]);
  }, 60_000);

  test('R23 JSON kinds are distinct: "1" ≠ 1, true ≠ 1, missing ≠ null member, JSON null ≠ SQL NULL', async () => {
    await matrix('jsonb', 'json', [ne(`'"1"'`, `'1'`), ne(`'true'`, `'1'`), ne(`'{"a":1}'`, `'{"a":1,"b":null}'`), ne(`'null'`, 'NULL'), ne(`'false'`, `'0'`), ne(`'[]'`, `'{}'`)]);
  }, 60_000);

  test('R24 timestamp ↔ DATETIME(6): wall-clock to the microsecond, no zone conversion', async () => {
    await matrix('timestamp', 'datetime(6)', [
      eq("'2024-03-10 02:30:00'", "'2024-03-10 02:30:00'"),
      eq("'2024-01-01 00:00:00.5'", "'2024-01-01 00:00:00.500000'"),
      ne("'2024-01-01 00:00:00.000001'", "'2024-01-01 00:00:00'"),
    ], { family: 'timestamp' });
    await matrix('timestamp(3)', 'datetime', [eq("'2024-01-01 12:00:00'"), ne("'2024-01-01 12:00:00.001'", "'2024-01-01 12:00:00'")]);
  }, 60_000);

  test('R25 timestamptz ↔ DATETIME(6): the same instant, target in UTC wall-clock', async () => {
    await matrix('timestamptz', 'datetime(6)', [
      eq("'2024-01-01 02:00:00+02'", "'2024-01-01 00:00:00'"),
      eq("'2024-06-30 23:59:59.999999-07'", "'2024-07-01 06:59:59.999999'"),
      ne("'2024-01-01 02:00:00+02'", "'2024-01-01 02:00:00'"),
    ], { family: 'timestamptz' });
  }, 60_000);

  test('R26 timestamptz ↔ TIMESTAMP(6): same instant to the microsecond, whatever zone wrote it', async () => {
    await matrix('timestamptz', 'timestamp(6) NULL', [
      eq("'2024-01-01 00:00:00+00'", "'2024-01-01 05:00:00'"),
      ne("'2024-01-01 00:00:00.000001+00'", "'2024-01-01 05:00:00'"),
    ], { family: 'timestamptz', mySetup: "SET SESSION time_zone = '+05:00'" });
    await db.my("SET SESSION time_zone = '+00:00'");
  }, 60_000);

  test('R27 no session, server or process time zone matters (PG role TimeZone and process TZ set elsewhere)', async () => {
    const role = `${db.prefix}_tz`;
    await db.pg(`DROP ROLE IF EXISTS "${role}"`);
    await db.pg(`CREATE ROLE "${role}" LOGIN SUPERUSER`);
    await db.pg(`ALTER ROLE "${role}" SET timezone = 'Asia/Kolkata'`);
    const oldTz = process.env.TZ;
    process.env.TZ = 'America/New_York';
    const e = await openEngine(PG_URL.replace('postgres@', `${role}@`), { applicationName: 'parity-test:tz' });
    try {
      const t = db.name('tz');
      await db.createPg(t, 'id int primary key, v timestamptz, w timestamp, d date');
      await db.pg(`INSERT INTO "${t}" VALUES (1, '2024-01-01 00:00:00+00', '2024-01-01 00:00:00', '2024-01-01')`);
      const s = await e.introspect(t);
      const rows: RawRow[] = [];
      for await (const b of e.scan({ schema: s, columns: ['id', 'v', 'w', 'd'], range: {}, fetchSize: 10 })) rows.push(...b);
      expect(rows[0]).toEqual(['1', '2024-01-01 00:00:00+00', '2024-01-01 00:00:00', '2024-01-01']);
    } finally {
      process.env.TZ = oldTz;
      await e.close();
      await db.pg(`DROP ROLE IF EXISTS "${role}"`);
    }
    await matrix('timestamptz', 'datetime(6)', [eq("'2024-01-01 05:30:00+05:30'", "'2024-01-01 00:00:00'")]);
  }, 60_000);

  test('R28 date ↔ DATE same calendar day; time ↔ TIME(6) same time of day to the microsecond', async () => {
    await matrix('date', 'date', [eq("'2024-02-29'"), ne("'2024-02-29'", "'2024-03-01'"), eq("'1000-01-01'"), eq("'9999-12-31'")], { family: 'date' });
    await matrix('time', 'time(6)', [eq("'13:45:00'", "'13:45:00.000000'"), eq("'13:45:00.25'", "'13:45:00.250000'"), ne("'13:45:00.000001'", "'13:45:00'"), ne("'01:00:00'", "'-01:00:00'")], { family: 'time' });
  }, 60_000);

  test('R29 MariaDB zero dates are non-NULL values that differ from NULL and every PostgreSQL value', async () => {
    await matrix('date', 'date', [ne('NULL', "'0000-00-00'"), ne("'0001-01-01'", "'0000-00-00'"), ne("'2024-01-01'", "'2024-00-00'")]);
    await matrix('timestamp', 'datetime(6)', [ne('NULL', "'0000-00-00 00:00:00'"), ne("'0001-01-01 00:00:00'", "'0000-00-00 00:00:00'")]);
    await matrix('timestamptz', 'timestamp(6) NULL', [ne('NULL', "'0000-00-00 00:00:00'")]);
  }, 60_000);

  test('R30 all temporal comparisons are to the microsecond (1 µs differs, ms-precision is not enough)', async () => {
    await matrix('timestamptz', 'datetime(6)', [eq("'2024-01-01 00:00:00.999999+00'", "'2024-01-01 00:00:00.999999'"), ne("'2024-01-01 00:00:00.999999+00'", "'2024-01-01 00:00:00.999998'")]);
    await matrix('time(6)', 'time(6)', [ne("'00:00:00.000001'", "'00:00:00.000002'")]);
  }, 60_000);

  test('R31 edge values only one engine holds are their own values: never equal, never a crash', async () => {
    await matrix('double precision', 'double', [ne("'NaN'", 'NULL'), ne("'Infinity'", '1.7976931348623157e308'), ne("'-Infinity'", '-1.7976931348623157e308'), ne("'NaN'", '0')]);
    await matrix('numeric', 'decimal(65,30)', [ne("'NaN'", '0'), ne("'Infinity'", '99999999999999999999999999999999999'), ne("'-Infinity'", 'NULL')]);
    await matrix('date', 'date', [ne("'infinity'", "'9999-12-31'"), ne("'-infinity'", "'1000-01-01'"), ne("'0044-03-15 BC'", "'0044-03-15'"), ne("'10000-01-01'", "'9999-12-31'"), eq("'0999-12-31'", "'0999-12-31'")]);
    await matrix('timestamptz', 'datetime(6)', [ne("'infinity'", "'9999-12-31 23:59:59.999999'"), ne("'0044-03-15 10:00:00+00 BC'", "'0044-03-15 10:00:00'")]);
    await matrix('timestamp', 'datetime(6)', [ne("'-infinity'", "'0000-00-00 00:00:00'"), eq("'0500-06-01 00:00:00'")]);
    await matrix('text', 'text', [ne("'ab'", "CONCAT('a', CHAR(0 USING utf8mb4), 'b')"), ne("'a'", "CONCAT('a', CHAR(0 USING utf8mb4))")]);
  }, 60_000);
});
