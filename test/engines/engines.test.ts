// The Engine port against real PostgreSQL and MariaDB: introspection, lossless reads,
// read-only sessions, canonical key order in SQL, ranges and resume points, cancellation,
// identifiers that look like SQL injection, error classification.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { compareKeys, makeKeyEncoder } from '../../src/canonical';
import type { Family, KeyRange, KeyTuple, TableSchema } from '../../src/core/types';
import type { Engine, RawRow } from '../../src/engines/engine';
import { classifyError as classifyMy } from '../../src/engines/mysql/errors';
import { openEngine, parseEngineUrl } from '../../src/engines/open';
import { classifyError as classifyPg } from '../../src/engines/postgres/errors';
import { MY_URL, myIdent, openTestDbs, PG_URL, pgIdent, type TestDbs } from '../helpers/db';

let db: TestDbs;
let pgE: Engine;
let myE: Engine;

beforeAll(async () => {
  db = await openTestDbs(__filename);
  pgE = await openEngine(PG_URL, { applicationName: 'parity-test:engines', statementTimeoutMs: 30_000 });
  myE = await openEngine(MY_URL, { applicationName: 'parity-test:engines', statementTimeoutMs: 30_000 });
}, 30_000);

afterAll(async () => {
  await pgE?.close();
  await myE?.close();
  await db?.close();
});

async function scanKeys(e: Engine, s: TableSchema, range: KeyRange | KeyRange[] = {}, after?: KeyTuple, fetchSize = 3): Promise<KeyTuple[]> {
  const enc = makeKeyEncoder(s.primaryKey.map((k) => s.columns.find((c) => c.name === k)!.family));
  const out: KeyTuple[] = [];
  for await (const b of e.scan({ schema: s, columns: s.primaryKey, range, after, fetchSize })) {
    expect(b.length).toBeLessThanOrEqual(fetchSize);
    for (const r of b) out.push(enc(r));
  }
  return out;
}

const sortKeys = (keys: KeyTuple[], fams: Family[]) => [...keys].sort((a, b) => compareKeys(a, b, fams));

/** Every (lo, hi, after) slice of the scan equals the same slice of the canonical order. */
async function checkRanges(e: Engine, s: TableSchema, expected: KeyTuple[], fams: Family[], probes: KeyTuple[]) {
  for (const lo of [undefined, ...probes]) {
    for (const hi of [undefined, ...probes]) {
      const want = expected.filter((k) => (!lo || compareKeys(k, lo, fams) >= 0) && (!hi || compareKeys(k, hi, fams) < 0));
      expect(await scanKeys(e, s, { lo, hi }), `${e.dialect} lo=${JSON.stringify(lo)} hi=${JSON.stringify(hi)}`).toEqual(want);
      expect(await e.count(s, { lo, hi })).toBe(want.length);
    }
    if (lo) {
      const want = expected.filter((k) => compareKeys(k, lo, fams) > 0);
      expect(await scanKeys(e, s, {}, lo), `${e.dialect} after=${JSON.stringify(lo)}`).toEqual(want);
    }
  }
  // a union of disjoint ascending ranges in one query (refinement batches): every other gap
  // between the sorted probes, open at both ends, and the empty union
  const cuts = [...probes].sort((a, b) => compareKeys(a, b, fams)).filter((k, i, a) => i === 0 || compareKeys(a[i - 1], k, fams) !== 0);
  const bounds: (KeyTuple | undefined)[] = [undefined, ...cuts, undefined];
  for (const start of [0, 1]) {
    const ranges: KeyRange[] = [];
    for (let i = start; i + 1 < bounds.length; i += 2) ranges.push({ lo: bounds[i], hi: bounds[i + 1] });
    const inside = (k: KeyTuple) => ranges.some((r) => (!r.lo || compareKeys(k, r.lo, fams) >= 0) && (!r.hi || compareKeys(k, r.hi, fams) < 0));
    expect(await scanKeys(e, s, ranges), `${e.dialect} union ${JSON.stringify(ranges)}`).toEqual(expected.filter(inside));
  }
  expect(await scanKeys(e, s, [])).toEqual([]);
}

describe('introspection', () => {
  test('R1 R9 PostgreSQL: schema-qualified name kept as given, lowercase columns, types, nullability, key order, estimate', async () => {
    const schema = `${db.prefix}_sales`;
    await db.pg(`CREATE SCHEMA ${pgIdent(schema)}`);
    await db.pg(`CREATE TYPE ${pgIdent(schema)}.mood AS ENUM ('sad', 'ok')`);
    await db.createPg('orders', `"Region" text COLLATE "en-x-icu" NOT NULL, id bigint NOT NULL, price numeric(12,2), m ${pgIdent(schema)}.mood, tags text[], f real, PRIMARY KEY ("Region", id)`, { schema });
    const s = await pgE.introspect(`${schema}.orders`);
    expect(s.table).toBe(`${schema}.orders`);
    expect(s.primaryKey).toEqual(['region', 'id']);
    expect(s.rowEstimate).toBeGreaterThanOrEqual(0);
    const by = Object.fromEntries(s.columns.map((c) => [c.name, c]));
    expect(by.region).toMatchObject({ nativeType: 'text', family: 'text', nullable: false, collation: 'en-x-icu', charset: 'UTF8', detail: { sqlName: 'Region' } });
    expect(by.price).toMatchObject({ nativeType: 'numeric(12,2)', family: 'decimal', nullable: true, detail: { precision: 12, scale: 2 } });
    expect(by.m.family).toBe('enum');
    expect(by.tags.family).toBe('unsupported');
    expect(by.f.family).toBe('float');
    await db.pg(`INSERT INTO ${pgIdent(schema)}.orders VALUES ('b', 1, 1.5, 'ok', '{x}', 0.1)`);
    const rows: RawRow[] = [];
    for await (const b of pgE.scan({ schema: s, columns: ['region', 'id', 'price', 'm', 'f'], range: {}, fetchSize: 10 })) rows.push(...b);
    expect(rows).toEqual([['b', '1', '1.50', 'ok', '0.10000000149011612']]);
    await db.pg(`DROP SCHEMA ${pgIdent(schema)} CASCADE`);
  });

  test('R1 MariaDB: unsigned, JSON check, charset/collation, composite key order', async () => {
    const t = db.name('intro');
    await db.createMy(t, 'b varchar(10) NOT NULL, a bigint unsigned NOT NULL, j json, d decimal(20,4), v text COLLATE utf8mb4_bin, f float, PRIMARY KEY (b, a)');
    const s = await myE.introspect(t);
    expect(s.primaryKey).toEqual(['b', 'a']);
    const by = Object.fromEntries(s.columns.map((c) => [c.name, c]));
    expect(by.a).toMatchObject({ family: 'int', nullable: false, detail: { unsigned: true } });
    expect(by.j.family).toBe('json');
    expect(by.d).toMatchObject({ nativeType: 'decimal(20,4)', family: 'decimal', detail: { precision: 20, scale: 4 } });
    expect(by.v).toMatchObject({ charset: 'utf8mb4', collation: 'utf8mb4_bin', nullable: true });
    expect(by.f.family).toBe('float');
  });

  test('a missing table is TableNotFound naming the table and the endpoint', async () => {
    for (const [e, classify] of [[pgE, classifyPg], [myE, classifyMy]] as const) {
      const err = await e.introspect('no_such_table_xyz').catch((x) => x);
      expect(err).toBeInstanceOf(Error);
      expect(classify(err)).toBe('TableNotFound');
      expect(err.message).toContain('no_such_table_xyz');
      expect(err.message).toContain(e.endpoint);
    }
  });
});

describe('sessions', () => {
  test('read-only: a write through a Parity session fails on both engines', async () => {
    const t = db.name('ro');
    await db.createPg(t, 'id int primary key');
    await db.pg(`CREATE SEQUENCE ${pgIdent(t + '_seq')}`);
    await db.pg(`INSERT INTO ${pgIdent(t)} VALUES (1)`);
    const ps = await pgE.introspect(t);
    // nextval writes; both a scan (explicit READ ONLY transaction) and count (session default) refuse
    await expect(pgE.count(ps, {}, `nextval('${t}_seq') > 0`)).rejects.toThrow(/read-only/);
    const scan = async () => { for await (const _ of pgE.scan({ schema: ps, columns: ['id'], range: {}, where: `nextval('${t}_seq') > 0`, fetchSize: 10 })) void _; };
    await expect(scan()).rejects.toThrow(/read-only/);
    await db.pg(`DROP SEQUENCE ${pgIdent(t + '_seq')}`);

    await db.createMy(t, 'id int primary key');
    await db.my(`INSERT INTO ${myIdent(t)} VALUES (1)`);
    const fn = `${t}_w`;
    await db.my(`CREATE FUNCTION ${myIdent(fn)}() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO ${myIdent(t)} VALUES (100 + (SELECT COUNT(*) FROM ${myIdent(t)} x)); RETURN 1; END`);
    const ms = await myE.introspect(t);
    await expect(myE.count(ms, {}, `${myIdent(fn)}() = 1`)).rejects.toThrow(/READ ONLY/i);
    const scanMy = async () => { for await (const _ of myE.scan({ schema: ms, columns: ['id'], range: {}, where: `${myIdent(fn)}() = 1`, fetchSize: 10 })) void _; };
    await expect(scanMy()).rejects.toThrow(/READ ONLY/i);
    await db.my(`DROP FUNCTION ${myIdent(fn)}`);
    expect(await db.my(`SELECT COUNT(*) AS n FROM ${myIdent(t)}`)).toEqual([{ n: 1 }]);
  });

  test('application_name and UTC session time zone are set', async () => {
    await pgE.introspect(db.name('ro'));
    const r = await db.pg(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'parity-test:engines'`);
    expect(r.rows[0].n).toBeGreaterThanOrEqual(1);
    const t = db.name('tz');
    await db.createMy(t, 'id int primary key, ts timestamp(6) NULL');
    await db.my(`SET time_zone = '+03:00'; INSERT INTO ${myIdent(t)} VALUES (1, '2024-01-01 03:00:00'); SET time_zone = SYSTEM`);
    const s = await myE.introspect(t);
    const rows: RawRow[] = [];
    for await (const b of myE.scan({ schema: s, columns: ['id', 'ts'], range: {}, fetchSize: 10 })) rows.push(...b);
    expect(rows).toEqual([['1', '2024-01-01 00:00:00.000000']]);
  });

  test('sslmode and sslrootcert are parsed with libpq meanings', () => {
    expect(parseEngineUrl('postgres://u:p@h:1/db?sslmode=disable').ssl).toBe(false);
    expect(parseEngineUrl('postgresql://u@h/db?sslmode=require').ssl).toEqual({ rejectUnauthorized: false });
    expect(parseEngineUrl('mariadb://u@h/db?sslmode=verify-full&sslrootcert=/etc/hostname').ssl).toMatchObject({ rejectUnauthorized: true, servername: 'h' });
    expect(parseEngineUrl('mysql://u@h/db?sslmode=verify-ca&sslrootcert=/etc/hostname').ssl).toMatchObject({ rejectUnauthorized: true });
    expect(() => parseEngineUrl('mysql://u@h/db?sslmode=bogus')).toThrow(/unknown sslmode/);
    expect(() => parseEngineUrl('oracle://h/db')).toThrow(/unsupported URL scheme/);
    const p = parseEngineUrl('mysql://us%40r:p%40ss@[::1]:3307/d%20b');
    expect(p).toMatchObject({ dialect: 'mysql', host: '::1', port: 3307, user: 'us@r', password: 'p@ss', database: 'd b' });
  });
});

describe('key order in SQL (R2 R4 R5: no collation decides order or equality)', () => {
  const texts = ['a', 'B', 'á', 'Z', '', '😀', '\uffff', '\ue000', 'ab', 'a\t', 'é', 'e\u0301', '_', '~', 'Ω', '𝄞'];

  test('R4 R5 PostgreSQL ICU-collated text keys come back in code-point order; ranges and after are exact', async () => {
    const t = db.name('ktext');
    await db.createPg(t, 'k text COLLATE "en-x-icu" PRIMARY KEY');
    // R2 physical insertion order means nothing
    for (const k of [...texts, 'a ', 'A'].reverse()) await db.pg(`INSERT INTO ${pgIdent(t)} VALUES ($1)`, [k]);
    const s = await pgE.introspect(t);
    const want = sortKeys([...texts, 'a ', 'A'].map((k) => [k]), ['text']);
    expect(await scanKeys(pgE, s)).toEqual(want);
    await checkRanges(pgE, s, want, ['text'], [['a'], ['😀'], ['\ue000'], ['a '], ['a\u0000x'], ['zzz']]);
  });

  test('R4 R5 MariaDB utf8mb4_general_ci / utf8mb4_bin / nopad keys come back in code-point order', async () => {
    for (const [coll, keys] of [
      ['utf8mb4_general_ci', ['a', 'B', 'Z', '', '😀', 'ab', 'a\t', '_', '~', 'Ω']],
      ['utf8mb4_bin', texts],
      ['utf8mb4_nopad_bin', [...texts, 'a ', 'A']],
    ] as const) {
      const t = db.name('ktext_' + coll.replace(/utf8mb4_/, ''));
      await db.createMy(t, `k varchar(20) COLLATE ${coll} PRIMARY KEY`);
      for (const k of [...keys].reverse()) await db.my(`INSERT INTO ${myIdent(t)} VALUES (?)`, [k]);
      const s = await myE.introspect(t);
      const want = sortKeys(keys.map((k) => [k]), ['text']);
      expect(await scanKeys(myE, s), coll).toEqual(want);
      await checkRanges(myE, s, want, ['text'], [['a'], ['😀'], ['\ue000'], ['a '], ['zzz'], ['a\u0000x']]);
    }
  }, 60_000);

  test('R3 R12 bigint keys at ±2^63 edges and 2^53+1 order numerically and bound exactly (never through DOUBLE)', async () => {
    const ks = ['-9223372036854775808', '-9223372036854775807', '-1', '0', '9007199254740992', '9007199254740993', '9007199254740994', '9223372036854775807'];
    const t = db.name('kint');
    await db.createPg(t, 'k bigint PRIMARY KEY');
    await db.createMy(t, 'k bigint PRIMARY KEY');
    for (const k of ks) {
      await db.pg(`INSERT INTO ${pgIdent(t)} VALUES ($1)`, [k]);
      await db.my(`INSERT INTO ${myIdent(t)} VALUES (${k})`);
    }
    const probes = [['9007199254740993'], ['-9223372036854775808'], ['9223372036854775807'], ['18446744073709551615'], ['-9223372036854775809'], ['5']];
    for (const e of [pgE, myE]) {
      const s = await e.introspect(t);
      expect(await scanKeys(e, s)).toEqual(ks.map((k) => [k]));
      await checkRanges(e, s, ks.map((k) => [k]), ['int'], probes);
    }
    // unsigned on MariaDB, and its bounds applied to PostgreSQL bigint
    const u = db.name('kuint');
    await db.createMy(u, 'k bigint unsigned PRIMARY KEY');
    const uk = ['0', '9223372036854775807', '9223372036854775808', '18446744073709551615'];
    for (const k of uk) await db.my(`INSERT INTO ${myIdent(u)} VALUES (${k})`);
    const us = await myE.introspect(u);
    expect(await scanKeys(myE, us)).toEqual(uk.map((k) => [k]));
    await checkRanges(myE, us, uk.map((k) => [k]), ['int'], [['9223372036854775808'], ['-1'], ['18446744073709551615']]);
  }, 60_000);

  test('R1 composite keys (int, text) use row-value order on both engines', async () => {
    const t = db.name('kcomp');
    await db.createPg(t, 'a int, b text, PRIMARY KEY (a, b)');
    await db.createMy(t, 'a int, b varchar(10) COLLATE utf8mb4_general_ci, PRIMARY KEY (a, b)');
    const keys: KeyTuple[] = [];
    for (const a of ['-1', '0', '2']) for (const b of ['B', 'a', '😀', '\uffff']) keys.push([a, b]);
    for (const [a, b] of keys) {
      await db.pg(`INSERT INTO ${pgIdent(t)} VALUES ($1, $2)`, [a, b]);
      await db.my(`INSERT INTO ${myIdent(t)} VALUES (?, ?)`, [Number(a), b]);
    }
    const fams: Family[] = ['int', 'text'];
    const want = sortKeys(keys, fams);
    for (const e of [pgE, myE]) {
      const s = await e.introspect(t);
      expect(await scanKeys(e, s)).toEqual(want);
      await checkRanges(e, s, want, fams, [['0', 'a'], ['0', '😀'], ['2'] as KeyTuple, ['1', 'zz'], ['0', '\u0000']]);
    }
  }, 60_000);

  test('R10a uuid, date, timestamptz, bool, binary and decimal keys: order, text and bounds', async () => {
    const t = db.name('kmisc');
    await db.createPg(t, 'u uuid, d date, ts timestamptz, b boolean, x bytea, n numeric, PRIMARY KEY (u, d, ts, b, x, n)');
    await db.pg(`INSERT INTO ${pgIdent(t)} VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-01-01', '2024-01-01 02:00:00+02', true, '\\x00ff', 1.50),
      ('00000000-0000-0000-0000-000000000000', '0044-03-15 BC', 'infinity', false, '\\x', -0.5)`);
    const s = await pgE.introspect(t);
    const keys = await scanKeys(pgE, s);
    expect(keys).toEqual([
      ['00000000-0000-0000-0000-000000000000', '0044-03-15 BC', 'infinity', 'false', '', '-0.5'],
      ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-01-01', '2024-01-01 00:00:00.000000', 'true', '00ff', '1.5'],
    ]);
    // an uppercase uuid bound (as a MariaDB CHAR(36) would hold) is applied in code-point order
    expect(await scanKeys(pgE, s, { lo: ['A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'] })).toEqual([keys[1]]);
    expect(await scanKeys(pgE, s, { hi: ['A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'] })).toEqual([keys[0]]);
    expect(await scanKeys(pgE, s, {}, keys[0])).toEqual([keys[1]]);
    const m = db.name('kmisc');
    await db.createMy(m, 'd date, ts datetime(6), PRIMARY KEY (d, ts)');
    await db.my(`SET SESSION sql_mode = ''; INSERT INTO ${myIdent(m)} VALUES ('0000-00-00', '0000-00-00 00:00:00'), ('2024-01-01', '2024-01-01 00:00:00.000001')`);
    const ms = await myE.introspect(m);
    const mk = await scanKeys(myE, ms);
    expect(mk).toEqual([['0000-00-00', '0000-00-00 00:00:00.000000'], ['2024-01-01', '2024-01-01 00:00:00.000001']]);
    expect(await scanKeys(myE, ms, { lo: ['0044-03-15 BC'] })).toEqual(mk);
    expect(await scanKeys(myE, ms, { lo: ['infinity'] })).toEqual([]);
    expect(await scanKeys(myE, ms, {}, mk[0])).toEqual([mk[1]]);
    // a MariaDB zero date bound applied to PostgreSQL dates
    const pd = db.name('kdate');
    await db.createPg(pd, 'd date PRIMARY KEY');
    await db.pg(`INSERT INTO ${pgIdent(pd)} VALUES ('0001-01-01'), ('0044-03-15 BC'), ('2024-01-01')`);
    const pds = await pgE.introspect(pd);
    expect(await scanKeys(pgE, pds, { lo: ['0000-00-00'] })).toEqual([['0001-01-01'], ['2024-01-01']]);
    expect(await scanKeys(pgE, pds, { hi: ['0000-00-00'] })).toEqual([['0044-03-15 BC']]);
  });
});

describe('identifiers and streaming', () => {
  test('SQL-injection-looking table and column names are quoted, never spliced', async () => {
    const pt = `${db.prefix}_x"; drop table y; --`;
    await db.createPg(pt, `"we""ird col" int PRIMARY KEY, "v'; --" text`);
    await db.pg(`INSERT INTO ${pgIdent(pt)} VALUES (1, 'a'), (2, 'b')`);
    const ps = await pgE.introspect(pt);
    expect(ps.columns.map((c) => c.name)).toEqual(['we"ird col', "v'; --"]);
    expect(await scanKeys(pgE, ps, { lo: ['2'] })).toEqual([['2']]);
    expect(await pgE.count(ps, {})).toBe(2);
    expect((await pgE.sampleKeys(ps, 10)).length).toBe(2);
    const mt = `${db.prefix}_x\`; drop table y; --`;
    await db.createMy(mt, `\`we\`\`ird col\` int PRIMARY KEY, \`v'; --\` text`);
    await db.my(`INSERT INTO ${myIdent(mt)} VALUES (1, 'a'), (2, 'b')`);
    const ms = await myE.introspect(mt);
    expect(ms.columns.map((c) => c.name)).toEqual(['we`ird col', "v'; --"]);
    expect(await scanKeys(myE, ms, { lo: ['2'] })).toEqual([['2']]);
    expect(await myE.count(ms, {})).toBe(2);
    expect((await myE.sampleKeys(ms, 10)).length).toBe(2);
  });

  test('scan and scanBytes stream in fetchSize batches; cancelling via the signal kills the query (and an aggregate\'s) and reports Cancelled; sampleKeys spreads', async () => {
    const t = db.name('big');
    await db.createPg(t, 'id bigint PRIMARY KEY, v text');
    await db.pg(`INSERT INTO ${pgIdent(t)} SELECT g, 'v' || g FROM generate_series(1, 200000) g`);
    await db.pg(`ANALYZE ${pgIdent(t)}`);
    await db.createMy(t, 'id bigint PRIMARY KEY, v text');
    await db.my(`INSERT INTO ${myIdent(t)} SELECT seq, CONCAT('v', seq) FROM seq_1_to_200000; ANALYZE TABLE ${myIdent(t)}`);
    for (const [e, classify] of [[pgE, classifyPg], [myE, classifyMy]] as const) {
      const s = await e.introspect(t);
      expect(s.rowEstimate).toBeGreaterThan(100_000);
      const ac = new AbortController();
      let n = 0;
      const err = await (async () => {
        for await (const b of e.scan({ schema: s, columns: ['id', 'v'], range: {}, fetchSize: 1000, signal: ac.signal })) {
          expect(b.length).toBe(1000);
          n += b.length;
          if (n === 5000) ac.abort();
        }
      })().catch((x) => x);
      expect(classify(err), String(err)).toBe('Cancelled');
      expect(n).toBeLessThan(200_000);
      // stopping early (break) releases the connection: later work still runs
      for await (const b of e.scan({ schema: s, columns: ['id'], range: {}, fetchSize: 10 })) { void b; break; }
      // the byte scan (digests, refinement) is cancelled the same way and releases the same way
      const ac2 = new AbortController();
      let m = 0;
      const err2 = await (async () => {
        for await (const b of e.scanBytes!({ schema: s, columns: ['id', 'v'], range: {}, fetchSize: 1000, signal: ac2.signal })!) {
          expect(b.rows).toBeLessThanOrEqual(1000);
          m += b.rows;
          if (m >= 5000) ac2.abort();
        }
      })().catch((x) => x);
      expect(classify(err2), String(err2)).toBe('Cancelled');
      expect(m).toBeLessThan(200_000);
      for await (const b of e.scanBytes!({ schema: s, columns: ['id'], range: {}, fetchSize: 10 })!) { void b; break; }
      // a pushdown aggregate (its own snapshot session) is cancelled the same way, and the
      // next one runs
      const ac3 = new AbortController();
      setTimeout(() => ac3.abort(), 300);
      const err3 = await e.aggregate!({ schema: s, signal: ac3.signal, build: (tbl) => ({ sql: `SELECT count(*) FROM ${tbl} a CROSS JOIN ${tbl} b`, params: [] }) }).catch((x) => x);
      expect(classify(err3), String(err3)).toBe('Cancelled');
      expect((await e.aggregate!({ schema: s, build: (tbl) => ({ sql: `SELECT count(*) FROM ${tbl}`, params: [] }) })).map((r) => r.map(String))).toEqual([['200000']]);
      expect(await e.count(s, { lo: ['100'], hi: ['200'] })).toBe(100);
      const sample = await e.sampleKeys(s, 50);
      expect(sample.length).toBeGreaterThan(10);
      expect(sample.length).toBeLessThanOrEqual(50);
      for (const k of sample) expect(Number(k[0])).toBeGreaterThan(0);
    }
    const active = await db.pg(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'parity-test:engines' AND state = 'active' AND query LIKE '%${db.prefix}_big%'`);
    expect(active.rows[0].n).toBe(0);
  }, 60_000);
});

describe('pairing rows across engines', () => {
  test('R6 R7 R8 R10 merging both scans in canonical key order finds missing, extra and exactly the changed columns, nothing else', async () => {
    const t = db.name('merge');
    await db.createPg(t, 'k text PRIMARY KEY, n numeric(10,2), j jsonb, ts timestamptz');
    await db.createMy(t, 'k varchar(10) COLLATE utf8mb4_general_ci PRIMARY KEY, n decimal(10,4), j json, ts datetime(6)');
    await db.pg(`INSERT INTO ${pgIdent(t)} VALUES ('a', 1.5, '{"x":1}', '2024-01-01 01:00:00+01'), ('B', 2, '[1]', NULL), ('only_src', 0, 'null', NULL), ('😀', 3, '{}', '2024-01-01 00:00:00+00')`);
    await db.my(`INSERT INTO ${myIdent(t)} VALUES ('a', 1.5000, '{ "x" : 1.0 }', '2024-01-01 00:00:00'), ('B', 2.0001, '[1]', '2024-01-01 00:00:00'), ('only_tgt', 0, 'null', NULL), ('😀', 3, '{}', '2024-01-01 00:00:00')`);
    const { checkSchemas, makeRowEncoder } = await import('../../src/canonical');
    const ps = await pgE.introspect(t);
    const ms = await myE.introspect(t);
    const chk = checkSchemas(ps, ms);
    expect(chk.halts).toEqual([]);
    const fams = chk.columns.filter((c) => c.isKey).map((c) => c.family);
    const read = async (e: Engine, s: TableSchema, side: 'source' | 'target') => {
      const enc = makeRowEncoder(chk.columns, side);
      const rows = [];
      for await (const b of e.scan({ schema: s, columns: chk.columns.map((c) => c.name), range: {}, fetchSize: 2 })) for (const r of b) rows.push(enc(r));
      return rows;
    };
    const a = await read(pgE, ps, 'source');
    const b = await read(myE, ms, 'target');
    const out: { key: KeyTuple; kind: string; columns: string[] }[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      const c = i >= a.length ? 1 : j >= b.length ? -1 : compareKeys(a[i].key, b[j].key, fams);
      if (c < 0) out.push({ key: a[i++].key, kind: 'missing_in_target', columns: [] });
      else if (c > 0) out.push({ key: b[j++].key, kind: 'extra_in_target', columns: [] });
      else {
        const cols = chk.columns.filter((_, x) => !a[i].values[x].equals(b[j].values[x])).map((p) => p.name);
        if (cols.length) out.push({ key: a[i].key, kind: 'changed', columns: cols });
        i++;
        j++;
      }
    }
    expect(out).toEqual([
      { key: ['B'], kind: 'changed', columns: ['n', 'ts'] },
      { key: ['only_src'], kind: 'missing_in_target', columns: [] },
      { key: ['only_tgt'], kind: 'extra_in_target', columns: [] },
    ]);
  });
});

describe('error classification', () => {
  test('PostgreSQL SQLSTATEs and mysql2 codes map to the failure classes', () => {
    const cases: [unknown, string][] = [[{ code: '08006' }, 'ConnectionLost'], [{ code: '57P01' }, 'ConnectionLost'], [{ code: '57014' }, 'Timeout'], [{ code: '28P01' }, 'AuthFailed'], [{ code: '42P01' }, 'TableNotFound'], [{ code: '53200' }, 'ResourceExhausted'], [{ code: 'ECONNRESET' }, 'ConnectionLost'], [{ code: '42601' }, 'Other'], [new Error('x'), 'Other']];
    for (const [e, k] of cases) expect(classifyPg(e)).toBe(k);
    const my: [unknown, string][] = [[{ code: 'PROTOCOL_CONNECTION_LOST' }, 'ConnectionLost'], [{ code: 'ER_STATEMENT_TIMEOUT', errno: 1969, sqlState: '70100' }, 'Timeout'], [{ code: 'ER_ACCESS_DENIED_ERROR' }, 'AuthFailed'], [{ code: 'ER_NO_SUCH_TABLE' }, 'TableNotFound'], [{ code: 'ER_QUERY_INTERRUPTED' }, 'ConnectionLost'], [{ code: 'ER_QUERY_INTERRUPTED', parityKind: 'Cancelled' }, 'Cancelled'], [{ code: 'ER_CON_COUNT_ERROR' }, 'ResourceExhausted'], [{ code: 'ER_PARSE_ERROR' }, 'Other']];
    for (const [e, k] of my) expect(classifyMy(e)).toBe(k);
  });

  test('real failures: bad password and a statement timeout are classified', async () => {
    const bad = await openEngine(MY_URL.replace('root@', 'root:wrong@'), { applicationName: 'parity-test:bad' });
    const err = await bad.introspect('x').catch((x) => x);
    expect(classifyMy(err)).toBe('AuthFailed');
    await bad.close();
    const slow = await openEngine(PG_URL, { applicationName: 'parity-test:slow', statementTimeoutMs: 200 });
    const t = db.name('slow');
    await db.createPg(t, 'id int primary key');
    const s = await slow.introspect(t);
    const e2 = await slow.count(s, {}, 'pg_sleep(1) IS NOT NULL OR true').catch((x) => x);
    await db.pg(`INSERT INTO ${pgIdent(t)} VALUES (1)`);
    const e3 = await slow.count(s, {}, 'pg_sleep(1) IS NOT NULL').catch((x) => x);
    expect(typeof e2 === 'number' || classifyPg(e2) === 'Timeout').toBe(true);
    expect(classifyPg(e3)).toBe('Timeout');
    await slow.close();
  });
});
