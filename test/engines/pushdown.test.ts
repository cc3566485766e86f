// Pushdown digests on real PostgreSQL and MariaDB, both directions: for every supported
// family, equal-but-differently-stored values give equal segment digests and each real
// difference gives a different one; rows land in the same segments as extract mode's
// scan + compareKeys; unsupported columns are refused with a reason.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkSchemas, compareKeys, makeKeyEncoder, withPairFamilies } from '../../src/canonical';
import type { ColumnPair, Family, KeyRange, KeyTuple, TableSchema } from '../../src/core/types';
import type { Engine } from '../../src/engines/engine';
import { openEngine } from '../../src/engines/open';
import { pushdownPartition, pushdownSupport } from '../../src/pushdown';
import { arithmeticInner } from '../../src/pushdown/sql';
import { MY_URL, openTestDbs, PG_URL, type TestDbs } from '../helpers/db';

let db: TestDbs;
let pgE: Engine;
let myE: Engine;

beforeAll(async () => {
  db = await openTestDbs(__filename);
  // zero dates and TIMESTAMP literals as a careless loader would write them
  await db.my("SET SESSION sql_mode = '', time_zone = '+00:00'");
  await db.pg("SET TimeZone = 'America/New_York'"); // never UTC by accident (R27)
  pgE = await openEngine(PG_URL, { applicationName: 'parity-test:pushdown' });
  myE = await openEngine(MY_URL, { applicationName: 'parity-test:pushdown' });
}, 30_000);

afterAll(async () => {
  await pgE?.close();
  await myE?.close();
  await db?.close();
});

interface Row {
  /** SQL value list for the non-key columns, e.g. "'a', 1" */
  pg: string;
  my: string;
  equal: boolean;
}
const eq = (pg: string, my: string = pg): Row => ({ pg, my, equal: true });
const ne = (pg: string, my: string = pg): Row => ({ pg, my, equal: false });

let seq = 0;

interface Sides {
  pairs: ColumnPair[];
  src: { e: Engine; s: TableSchema };
  tgt: { e: Engine; s: TableSchema };
  label: string;
}

/** Both directions of a table pair: PG → MariaDB and MariaDB → PG. */
async function directions(t: string): Promise<Sides[]> {
  const ps = await pgE.introspect(t);
  const ms = await myE.introspect(t);
  const out: Sides[] = [];
  for (const [a, b, ea, eb, label] of [
    [ps, ms, pgE, myE, 'pg→my'],
    [ms, ps, myE, pgE, 'my→pg'],
  ] as const) {
    const chk = checkSchemas(a, b);
    expect(chk.halts, label).toEqual([]);
    expect(chk.notCompared, label).toEqual([]);
    out.push({
      pairs: chk.columns,
      src: { e: ea, s: withPairFamilies(a, chk.columns) },
      tgt: { e: eb, s: withPairFamilies(b, chk.columns) },
      label,
    });
  }
  return out;
}

/**
 * Tables id int + the given columns on both engines, one row per case; every row is its own
 * segment (inner = 1..n-1), so each row's digest is compared on its own, both directions.
 */
async function matrix(pgCols: string, myCols: string, rows: Row[], opts: { family?: Family } = {}): Promise<void> {
  const t = db.name(`m${++seq}`);
  await db.createPg(t, `id int primary key, ${pgCols}`);
  await db.createMy(t, `id int primary key, ${myCols}`);
  for (let i = 0; i < rows.length; i++) {
    await db.pg(`INSERT INTO "${t}" VALUES (${i}, ${rows[i].pg})`);
    await db.my(`INSERT INTO \`${t}\` VALUES (${i}, ${rows[i].my})`);
  }
  const inner = rows.slice(1).map((_, i) => [String(i + 1)]);
  for (const d of await directions(t)) {
    if (opts.family) expect(d.pairs[1].family, d.label).toBe(opts.family);
    expect(pushdownSupport(d.pairs), d.label).toEqual({ ok: true, reasons: [] });
    const a = await pushdownPartition(d.src.e, 'source', { schema: d.src.s, pairs: d.pairs, range: {}, segFrom: 0, inner });
    const b = await pushdownPartition(d.tgt.e, 'target', { schema: d.tgt.s, pairs: d.pairs, range: {}, segFrom: 0, inner });
    expect(a.rows).toBe(rows.length);
    expect(b.rows).toBe(rows.length);
    expect(a.segments.map((x) => x.i)).toEqual(rows.map((_, i) => i));
    expect(b.segments.map((x) => x.i)).toEqual(rows.map((_, i) => i));
    for (let i = 0; i < rows.length; i++) {
      expect(a.segments[i].n).toBe(1);
      expect(a.segments[i].s, `${d.label} row ${i}: ${rows[i].pg} vs ${rows[i].my}`).toMatch(/^[0-9a-f]{16}$/);
      expect(a.segments[i].s === b.segments[i].s, `${d.label} row ${i}: ${rows[i].pg} vs ${rows[i].my}`).toBe(rows[i].equal);
    }
  }
}

describe('pushdown type matrix (real tables, both directions)', () => {
  test('R11 R12 integers exact over the full 64-bit range; NULL only equals NULL', async () => {
    await matrix('v bigint', 'v bigint', [
      eq('9223372036854775807'),
      eq('-9223372036854775808'),
      eq('9007199254740993'),
      ne('9007199254740993', '9007199254740992'),
      ne('0', '1'),
      eq('NULL'),
      ne('NULL', '0'),
    ], { family: 'int' });
    await matrix('v smallint', 'v int', [eq('-32768'), ne('5', '-5')]);
    await matrix('v numeric(20,0)', 'v bigint unsigned', [eq('18446744073709551615'), ne('18446744073709551614', '18446744073709551615')]);
  }, 60_000);

  test('R13 decimals by value: scale and trailing zeros are representation; the 20th digit and a rounded target differ', async () => {
    await matrix('v numeric', 'v decimal(30,10)', [
      eq('1.5'),
      eq('1.500000', '1.5000000000'),
      eq('-0.000', '0'),
      eq('100', '100.0000000000'),
      eq('10.10', '10.1'),
      eq('12345678901234567890.1234567891'),
      ne('12345678901234567890.1234567891', '12345678901234567890.1234567892'),
      ne('0.00000000001', '0.00000000001'), // the target's scale rounds it to 0
      ne('NULL', '0'),
    ], { family: 'decimal' });
    await matrix('v numeric(12,6)', 'v decimal(12,2)', [eq('1.5', '1.5'), ne('1.234567', '1.234567'), eq('-0.0', '-0.00'), eq('0', '0.00')]);
    await matrix('v integer', 'v decimal(10,2)', [eq('5', '5.00'), ne('5', '5.01'), eq('-20', '-20.00')], { family: 'decimal' });
  }, 60_000);

  test('R15 boolean ↔ TINYINT(1): true=1, false=0, 2 and -1 differ from both', async () => {
    await matrix('v boolean', 'v tinyint(1)', [eq('true', '1'), eq('false', '0'), ne('true', '2'), ne('false', '2'), ne('true', '0'), ne('false', '-1'), ne('NULL', '0'), eq('NULL')], { family: 'bool' });
  }, 60_000);

  test("R16 text: exact code points ('a' ≠ 'A', 'x' ≠ 'x ', NFC ≠ NFD), '' ≠ NULL ≠ 'N', commas cannot move column boundaries", async () => {
    await matrix('v text', 'v text', [
      eq("'x'"),
      ne("'x'", "'x '"),
      ne("''", "' '"),
      ne("'a'", "'A'"),
      ne("'a'", "'á'"),
      ne(`'${'\u00e9'}'`, `'${'e\u0301'}'`),
      eq("'😀 𝄞 \uFFFD'"),
      ne("E'a\\r\\nb'", "'a\\nb'"),
      ne("''", 'NULL'),
      ne("'N'", 'NULL'),
      eq('NULL'),
      eq("'a,b'"),
    ], { family: 'text' });
    await matrix('v text, w text', 'v text, w text', [eq("'ab', 'c'"), ne("'ab', 'c'", "'a', 'bc'"), ne("'a,', 'b'", "'a', ',b'"), ne("'1,a', 'b'", "'1', 'a,b'"), ne("NULL, 'x'", "'N', 'x'")]);
    // a latin1 target column and mixed collations (no "illegal mix" error, bytes as UTF-8)
    await matrix('v varchar(10), w varchar(10)', 'v varchar(10) CHARACTER SET latin1, w varchar(10) COLLATE utf8mb4_unicode_ci', [eq("'é', 'ß'"), ne("'é', 'ß'", "'e', 'ß'")]);
  }, 60_000);

  test('R17 character(n) ↔ CHAR(n): trailing spaces do not count, leading spaces and case do', async () => {
    await matrix('v character(6)', 'v char(6)', [eq("'ab'"), eq("'ab  '", "'ab'"), ne("' ab'", "'ab'"), ne("'AB'", "'ab'"), eq("''"), ne("''", 'NULL')], { family: 'char' });
    await matrix('v varchar(6)', 'v char(6)', [eq("'ab  '", "'ab'"), ne("'ab'", "'abc'")], { family: 'char' });
    await matrix('v character(6)', 'v varchar(6)', [eq("'ab'", "'ab  '"), ne("'ab'", "' ab'")], { family: 'char' });
  }, 60_000);

  test('R18 bytea ↔ VARBINARY/BLOB: identical bytes only; empty ≠ NULL', async () => {
    await matrix('v bytea', 'v blob', [
      eq("'\\x00ff80'", "X'00FF80'"),
      eq("'\\xc328'", "X'C328'"),
      ne("'\\xc328'", "X'C329'"),
      ne("'\\x00'", "''"),
      ne("''", 'NULL'),
      eq("''"),
      ne("'\\x6100'", "X'61'"),
    ], { family: 'binary' });
  }, 60_000);

  test('R19 uuid ↔ CHAR(36): only the canonical lowercase text is equal; uppercase differs', async () => {
    const u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    await matrix('v uuid', 'v char(36)', [eq(`'${u}'`), ne(`'${u}'`, `'${u.toUpperCase()}'`), ne(`'${u}'`, `'${u.replace(/-/g, '')}'`), ne('NULL', "''"), eq('NULL')], { family: 'uuid' });
    await matrix('v uuid', 'v uuid', [eq(`'${u}'`), eq(`'${u.toUpperCase()}'`, `'${u}'`)], { family: 'uuid' });
  }, 60_000);

  test('R24 R28 R29 R30 R31 dates, times and timestamps to the microsecond; zero dates, BC and infinity differ', async () => {
    await matrix('v date', 'v date', [eq("'2024-02-29'"), ne("'2024-02-29'", "'2024-03-01'"), ne('NULL', "'0000-00-00'"), ne("'0044-03-15 BC'", "'0044-03-15'"), eq("'1000-01-01'")], { family: 'date' });
    await matrix('v time(6)', 'v time(6)', [eq("'12:34:56.5'", "'12:34:56.500000'"), ne("'12:34:56.000001'", "'12:34:56'"), eq("'24:00:00'"), eq("'00:00:00'")], { family: 'time' });
    await matrix('v time', 'v time', [eq("'01:02:03'"), ne("'01:02:03'", "'01:02:04'")], { family: 'time' });
    await matrix('v timestamp', 'v datetime(6)', [
      eq("'2024-01-02 03:04:05.5'", "'2024-01-02 03:04:05.500000'"),
      ne("'2024-01-02 03:04:05.000001'", "'2024-01-02 03:04:05'"),
      ne("'infinity'", "'9999-12-31 23:59:59.999999'"),
      ne("'0044-03-15 01:02:03 BC'", "'0044-03-15 01:02:03'"),
      ne('NULL', "'0000-00-00 00:00:00'"),
    ], { family: 'timestamp' });
    await matrix('v timestamp(0)', 'v datetime', [eq("'2024-01-02 03:04:05'"), ne("'2024-01-02 03:04:05'", "'2024-01-02 03:04:06'")], { family: 'timestamp' });
  }, 60_000);

  test('R25 R26 R27 timestamptz ↔ DATETIME(6) (UTC wall clock) and ↔ TIMESTAMP(6): the same instant to the microsecond', async () => {
    await matrix('v timestamptz', 'v datetime(6)', [
      eq("'2024-01-02 03:04:05.123456+05'", "'2024-01-01 22:04:05.123456'"),
      ne("'2024-01-02 03:04:05.123456+05'", "'2024-01-02 03:04:05.123456'"),
      ne("'2024-01-01 22:04:05.123457+00'", "'2024-01-01 22:04:05.123456'"),
    ], { family: 'timestamptz' });
    await matrix('v timestamptz', 'v timestamp(6) NULL', [eq("'2024-06-01 12:00:00.000001+00'", "'2024-06-01 12:00:00.000001'"), ne("'2024-06-01 12:00:00+02'", "'2024-06-01 12:00:00'"), eq('NULL')], { family: 'timestamptz' });
  }, 60_000);

  test('enum ↔ text and ENUM: labels as text', async () => {
    await matrix('v text', "v enum('small','large')", [eq("'small'"), ne("'small'", "'large'")], { family: 'enum' });
  }, 60_000);
});

describe('pushdownSupport', () => {
  test('float, JSON and masked columns are refused with a reason; supported pairs pass', async () => {
    const t = db.name('sup');
    await db.createPg(t, 'id int primary key, f double precision, j jsonb, m text, ok numeric(10,2)');
    await db.createMy(t, 'id int primary key, f double, j json, m text, ok decimal(10,2)');
    const [d] = await directions(t);
    const r = pushdownSupport(d.pairs);
    expect(r.ok).toBe(false);
    expect(r.reasons.join('\n')).toMatch(/column "f": compared as float/);
    expect(r.reasons.join('\n')).toMatch(/column "j": compared as json/);
    expect(r.reasons).toHaveLength(2);
    const masked = d.pairs.map((p) => (p.name === 'm' ? { ...p, mask: 'tokenize' as const } : p)).filter((p) => p.family !== 'float' && p.family !== 'json');
    expect(pushdownSupport(masked).reasons).toEqual([expect.stringMatching(/column "m": masked/)]);
    const plain = d.pairs.filter((p) => p.family !== 'float' && p.family !== 'json');
    expect(pushdownSupport(plain)).toEqual({ ok: true, reasons: [] });
    await expect(pushdownPartition(d.src.e, 'source', { schema: d.src.s, pairs: d.pairs, range: {}, segFrom: 0, inner: [] })).rejects.toThrow(/pushdown not possible/);
  }, 60_000);
});

/** Extract mode's assignment: scan + compareKeys over inner. Returns n per segment index. */
async function expectedCounts(e: Engine, s: TableSchema, range: KeyRange, segFrom: number, inner: KeyTuple[], where?: string): Promise<Map<number, number>> {
  const fams = s.primaryKey.map((k) => s.columns.find((c) => c.name === k)!.family);
  const enc = makeKeyEncoder(fams);
  const out = new Map<number, number>();
  for await (const b of e.scan({ schema: s, columns: s.primaryKey, range, where, fetchSize: 1000 })) {
    for (const r of b) {
      const key = enc(r);
      let seg = 0;
      while (seg < inner.length && compareKeys(key, inner[seg], fams) >= 0) seg++;
      out.set(segFrom + seg, (out.get(segFrom + seg) ?? 0) + 1);
    }
  }
  return out;
}

/** For each direction and side: pushdown's n per segment equals extract's; both sides' digests are equal. */
async function checkSegments(t: string, inner: KeyTuple[], ranges: KeyRange[], where?: string): Promise<void> {
  for (const d of await directions(t)) {
    const fams = d.src.s.primaryKey.map((k) => d.src.s.columns.find((c) => c.name === k)!.family);
    const sorted = [...inner].sort((a, b) => compareKeys(a, b, fams));
    for (const range of ranges) {
      const segFrom = 7;
      const got = [];
      for (const [side, x] of [['source', d.src], ['target', d.tgt]] as const) {
        const want = await expectedCounts(x.e, x.s, range, segFrom, sorted, where);
        const r = await pushdownPartition(x.e, side, { schema: x.s, pairs: d.pairs, range, segFrom, inner: sorted, where });
        const label = `${d.label} ${side} ${x.e.dialect} range=${JSON.stringify(range)}`;
        expect(new Map(r.segments.map((g) => [g.i, g.n])), label).toEqual(want);
        expect(r.rows).toBe([...want.values()].reduce((a, b) => a + b, 0));
        got.push(r.segments);
        // the same partition as one segment (a plain aggregate, no segment CASE): its digest
        // is the sum of the segments' (mod 2^64), numbered segFrom
        const whole = await pushdownPartition(x.e, side, { schema: x.s, pairs: d.pairs, range, segFrom, inner: [], where });
        const sum = r.segments.reduce((acc, g) => (acc + BigInt(`0x${g.s}`)) % (1n << 64n), 0n);
        expect(whole, `${label} whole`).toEqual({ rows: r.rows, segments: r.rows ? [{ i: segFrom, n: r.rows, s: sum.toString(16).padStart(16, '0') }] : [] });
      }
      expect(got[0], `${d.label} digests equal on both engines`).toEqual(got[1]);
    }
  }
}

describe('segment assignment equals extract mode (scan + compareKeys over inner)', () => {
  test('R3 bigint keys at ±2^63 edges and 2^53+1, with bounds beyond the column and between keys', async () => {
    const t = db.name('kbig');
    await db.createPg(t, 'id bigint primary key, v text');
    await db.createMy(t, 'id bigint primary key, v text');
    const keys = ['-9223372036854775808', '-9223372036854775807', '-1', '0', '1', '9007199254740992', '9007199254740993', '9223372036854775806', '9223372036854775807'];
    for (let i = 0; i < 60; i++) keys.push(String(BigInt(i) * 153722867280912930n - 4611686018427387904n));
    const values = keys.map((k, i) => `(${k}, 'v${i}')`).join(', ');
    await db.pg(`INSERT INTO "${t}" VALUES ${values}`);
    await db.my(`INSERT INTO \`${t}\` VALUES ${values}`);
    const inner = [['-9223372036854775809'], ['-9223372036854775807'], ['0'], ['9007199254740993'], ['9223372036854775807'], ['9223372036854775808'], ['1000000000000000000'], ['-5']];
    await checkSegments(t, inner, [{}, { lo: ['-1'], hi: ['9223372036854775807'] }, { lo: ['9007199254740992'] }, { lo: ['2'], hi: ['3'] }]);
  }, 90_000);

  test('unsigned BIGINT keys beyond 2^63 (MariaDB segment bounds are inline integer literals)', async () => {
    const t = db.name('kuns');
    await db.createPg(t, 'id numeric(20,0) primary key, v text');
    await db.createMy(t, 'id bigint unsigned primary key, v text');
    const keys = ['0', '1', '9223372036854775806', '9223372036854775807', '9223372036854775808', '9223372036854775809', '18446744073709551614', '18446744073709551615'];
    const values = keys.map((k, i) => `(${k}, 'v${i}')`).join(', ');
    await db.pg(`INSERT INTO "${t}" VALUES ${values}`);
    await db.my(`INSERT INTO \`${t}\` VALUES ${values}`);
    const inner = [['-1'], ['1'], ['9223372036854775807'], ['9223372036854775808'], ['18446744073709551615'], ['18446744073709551616']];
    await checkSegments(t, inner, [{}, { lo: ['9223372036854775807'] }]);
  }, 90_000);

  test('R1 R4 R5 composite (int, text) keys (nopad_bin on MariaDB, the database collation on PostgreSQL), prefix bounds, and a where', async () => {
    const t = db.name('kcomp');
    await db.createPg(t, 'a int, b varchar(20), v int, primary key (a, b)');
    await db.createMy(t, 'a int, b varchar(20) COLLATE utf8mb4_nopad_bin, v int, primary key (a, b)');
    const texts = ['a', 'A', 'á', 'a ', 'ab', 'B', '😀', '\uFFFD', '', 'z', 'Z', 'é', 'e\u0301'];
    const rows: string[] = [];
    for (let a = 0; a < 4; a++) texts.forEach((s, i) => rows.push(`(${a}, '${s}', ${a * 100 + i})`));
    await db.pg(`INSERT INTO "${t}" VALUES ${rows.join(', ')}`);
    await db.my(`INSERT INTO \`${t}\` VALUES ${rows.join(', ')}`);
    const inner = [['1'], ['1', 'B'], ['1', 'a'], ['2', 'á'], ['2', '\uFFFD'], ['3', ''], ['3', 'a ']];
    await checkSegments(t, inner, [{}, { lo: ['1', 'a'], hi: ['3', 'z'] }]);
    await checkSegments(t, inner, [{}], 'v % 3 = 0');
  }, 90_000);

  test('R4 text keys in code-point order, uuid and timestamptz keys', async () => {
    const t = db.name('ktext');
    await db.createPg(t, 'k text primary key, v int');
    await db.createMy(t, 'k varchar(30) COLLATE utf8mb4_nopad_bin primary key, v int');
    const texts = ['a', 'A', 'á', 'a ', 'ab', 'B', '😀', '\uFFFD', '', 'z', 'Z', 'é', 'e\u0301', 'x,y', 'N'];
    const values = texts.map((s, i) => `('${s}', ${i})`).join(', ');
    await db.pg(`INSERT INTO "${t}" VALUES ${values}`);
    await db.my(`INSERT INTO \`${t}\` VALUES ${values}`);
    await checkSegments(t, [['B'], ['a'], ['a '], ['\uFFFD'], ['é']], [{}, { lo: ['A'], hi: ['😀'] }]);

    const t2 = db.name('kts');
    await db.createPg(t2, 'u uuid, ts timestamptz, v int, primary key (u, ts)');
    await db.createMy(t2, 'u char(36), ts datetime(6), v int, primary key (u, ts)');
    const us = ['00000000-0000-0000-0000-000000000001', '7fffffff-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'];
    const tss = ['2024-01-01 00:00:00', '2024-01-01 00:00:00.000001', '2024-06-30 23:59:59.999999'];
    const pgRows: string[] = [];
    const myRows: string[] = [];
    us.forEach((u, i) => tss.forEach((ts, j) => {
      pgRows.push(`('${u}', '${ts}+00', ${i * 3 + j})`);
      myRows.push(`('${u}', '${ts}', ${i * 3 + j})`);
    }));
    await db.pg(`INSERT INTO "${t2}" VALUES ${pgRows.join(', ')}`);
    await db.my(`INSERT INTO \`${t2}\` VALUES ${myRows.join(', ')}`);
    await checkSegments(t2, [['7FFFFFFF-0000-0000-0000-000000000000'], ['7fffffff-0000-0000-0000-000000000000', '2024-01-01 00:00:00.000001'], ['ffffffff-ffff-ffff-ffff-ffffffffffff']], [{}]);
  }, 90_000);

  test('equal-width boundaries (segment offsets by arithmetic) on 3000 rows match extract, keys below and past them too', async () => {
    const t = db.name('karith');
    await db.createPg(t, 'id integer primary key, s text');
    await db.createMy(t, 'id int primary key, s text');
    // keys -993..20000 step 7; boundaries -350 + 70 j (j < 280): keys below -350 are in the
    // first segment, and keys from 19250 on past the last boundary's own width (the clamp arm)
    await db.pg(`INSERT INTO "${t}" SELECT g * 7 - 1000, md5(g::text) FROM generate_series(1, 3000) g`);
    await db.my(`INSERT INTO \`${t}\` SELECT CAST(seq AS SIGNED) * 7 - 1000, md5(seq) FROM seq_1_to_3000`);
    const inner = Array.from({ length: 280 }, (_, i) => [String(-350 + i * 70)]);
    expect(arithmeticInner(inner)).toEqual({ b0: -350n, step: 70n });
    await checkSegments(t, inner, [{}, { lo: ['700'], hi: ['15000'] }, { lo: ['19000'] }]);
  }, 90_000);

  test('many segments (nested CASE over 300 boundaries) on 3000 rows match extract', async () => {
    const t = db.name('kmany');
    await db.createPg(t, 'id bigint primary key, s text, n numeric(12,3)');
    await db.createMy(t, 'id bigint primary key, s text, n decimal(12,3)');
    await db.pg(`INSERT INTO "${t}" SELECT g * 7, md5(g::text), g / 8.0 FROM generate_series(1, 3000) g`);
    await db.my(`INSERT INTO \`${t}\` SELECT seq * 7, md5(seq), seq / 8.0 FROM seq_1_to_3000`);
    const inner = Array.from({ length: 300 }, (_, i) => [String(i * 70 + (i % 3))]);
    expect(arithmeticInner(inner)).toBeUndefined();
    await checkSegments(t, inner, [{}, { lo: ['700'], hi: ['15000'] }]);
  }, 90_000);
});
