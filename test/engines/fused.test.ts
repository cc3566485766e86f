// The fused digest path on real rows from both engines: for random rows of every family
// (NULLs, empty strings, 4-byte characters, bytea with 0x00, rows past any scratch size),
// read through each engine's scan, the fused SegmentAccumulator and the real digestPartition
// give exactly the segment digests of the reference path (makeEncoder + RowHasher) — plain
// and with masked columns, PG→MariaDB and MariaDB→PG. Also the PostgreSQL scan over
// pg-cursor: batch sizes past one read, early stop, and resuming after a key.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkSchemas, withPairFamilies } from '../../src/canonical';
import type { ColumnPair, KeyTuple, TableSchema } from '../../src/core/types';
import type { Engine, RawRow } from '../../src/engines/engine';
import { openEngine } from '../../src/engines/open';
import { REFERENCE_ENV } from '../../src/digest/fused';
import { bytesScan, digestPartition, SegmentAccumulator, type DigestCheckpoint } from '../../src/digest/partition';
import { createDemoPair, MY_URL as FX_MY_URL, PG_URL as FX_PG_URL, rng } from '../../scripts/fixtures';
import { MY_URL, openTestDbs, PG_URL, type TestDbs } from '../helpers/db';

let db: TestDbs;
let pgE: Engine;
let myE: Engine;
let table: string;
let enumType: string;
const N = 400;

const ASTRAL = '\u{1F600}\u{10348}\u{10FFFF}';

/** Storable text (no NUL for PostgreSQL text, no lone surrogates), some non-ASCII, some astral, some control characters. */
function text(r: () => number, max = 40): string {
  const n = Math.floor(r() * max);
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r();
    // COPY's special bytes (PostgreSQL digests read COPY text: src/engines/postgres/copy.ts)
    s += k < 0.05 ? '\t\n\r\b\f\v\\'[Math.floor(r() * 7)] : k < 0.6 ? String.fromCharCode(32 + Math.floor(r() * 95)) : k < 0.8 ? String.fromCharCode(0xa0 + Math.floor(r() * 0x500)) : k < 0.9 ? String.fromCharCode(0x4e00 + Math.floor(r() * 0x500)) : String.fromCodePoint(0x10000 + Math.floor(r() * 0xffff));
  }
  return s;
}

const p2 = (n: number, w = 2) => String(n).padStart(w, '0');

/** One row's values per engine, as SQL parameters: [pg, my] per column. */
function makeRow(i: number, r: () => number): [unknown[], unknown[]] {
  const nul = () => r() < 0.15;
  const both = (v: unknown): [unknown, unknown] => (nul() ? [null, null] : [v, v]);
  const date = `${p2(1 + Math.floor(r() * 9998), 4)}-${p2(1 + Math.floor(r() * 12))}-${p2(1 + Math.floor(r() * 28))}`;
  const time = `${p2(Math.floor(r() * 24))}:${p2(Math.floor(r() * 60))}:${p2(Math.floor(r() * 60))}${r() < 0.5 ? '' : '.' + String(Math.floor(r() * 1e6)).slice(0, 1 + Math.floor(r() * 6))}`;
  const bytes = Buffer.alloc(Math.floor(r() * 40));
  for (let k = 0; k < bytes.length; k++) bytes[k] = r() < 0.3 ? 0 : Math.floor(r() * 256);
  const hex = (k: number) => Array.from({ length: k }, () => Math.floor(r() * 16).toString(16)).join('');
  const wide = i === 5 || i === 6; // past the 64 KiB scratch buffer
  const cols: [unknown, unknown][] = [
    [String(i * 2), String(i * 2)],
    both(String(BigInt(Math.floor((r() - 0.5) * 2 ** 53)) * BigInt(Math.floor(r() * 1000)))),
    both(`${r() < 0.5 ? '-' : ''}${Math.floor(r() * 1e12)}.${String(Math.floor(r() * 1e6)).padStart(6, '0')}`),
    both(r() < 0.1 ? (r() < 0.5 ? '-0' : '0') : String((r() - 0.5) * 10 ** Math.floor(r() * 60 - 30))),
    both(String(Math.fround((r() - 0.5) * 10 ** Math.floor(r() * 20 - 10)))),
    nul() ? [null, null] : r() < 0.5 ? ['true', 1] : ['false', 0],
    nul() ? [null, null] : wide ? Array(2).fill('w' + ASTRAL.repeat(20_000) + 'é'.repeat(10_000)) as [string, string] : r() < 0.1 ? ['', ''] : Array(2).fill(text(r)) as [string, string],
    both(r() < 0.2 ? '' : r() < 0.3 ? 'ab  ' : text(r, 6).replace(/[^\x20-\x7e]/g, 'x').slice(0, 6)),
    nul() ? [null, null] : wide ? [Buffer.alloc(90_000, 0), Buffer.alloc(90_000, 0)] : r() < 0.1 ? [Buffer.alloc(0), Buffer.alloc(0)] : [bytes, bytes],
    both(`${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`),
    both(JSON.stringify(r() < 0.2 ? text(r) : { n: i, s: text(r, 10), a: [1.5, r() < 0.5, null, { z: ASTRAL }], e: '' })),
    both(date),
    both(time),
    both(`${date} ${time}`),
    nul() ? [null, null] : [`${date} ${time}${r() < 0.5 ? '+00' : (r() < 0.5 ? '+' : '-') + p2(Math.floor(r() * 14)) + ':' + (r() < 0.5 ? '00' : '30')}`, `${date} ${time}`],
    both(['a', 'b', 'c'][Math.floor(r() * 3)]),
  ];
  return [cols.map((c) => c[0]), cols.map((c) => c[1])];
}

const COLS = ['id', 'c_int', 'c_dec', 'c_f64', 'c_f32', 'c_bool', 'c_text', 'c_char', 'c_bin', 'c_uuid', 'c_json', 'c_date', 'c_time', 'c_ts', 'c_tstz', 'c_enum'];

beforeAll(async () => {
  db = await openTestDbs(__filename);
  table = db.name('fam');
  enumType = `${db.prefix}_mood`;
  await db.pg(`DROP TYPE IF EXISTS "${enumType}" CASCADE`);
  await db.pg(`CREATE TYPE "${enumType}" AS ENUM ('a', 'b', 'c')`);
  await db.createPg(table, `id int primary key, c_int bigint, c_dec numeric(20,6), c_f64 double precision, c_f32 real, c_bool boolean, c_text text,
    c_char character(6), c_bin bytea, c_uuid uuid, c_json jsonb, c_date date, c_time time(6), c_ts timestamp(6), c_tstz timestamptz, c_enum "${enumType}"`);
  await db.createMy(table, `id int primary key, c_int bigint, c_dec decimal(20,6), c_f64 double, c_f32 float, c_bool tinyint(1), c_text longtext,
    c_char char(6), c_bin longblob, c_uuid char(36), c_json json, c_date date, c_time time(6), c_ts datetime(6), c_tstz datetime(6), c_enum enum('a','b','c')`);
  await db.my("SET SESSION time_zone = '+00:00'");
  const r = rng(2026);
  for (let i = 0; i < N; i++) {
    const [pgv, myv] = makeRow(i, r);
    await db.pg(`INSERT INTO "${table}" (${COLS.join(', ')}) VALUES (${COLS.map((_, k) => `$${k + 1}`).join(', ')})`, pgv);
    await db.my(`INSERT INTO \`${table}\` (${COLS.join(', ')}) VALUES (${COLS.map(() => '?').join(', ')})`, myv);
  }
  pgE = await openEngine(PG_URL, { applicationName: 'parity-test:fused' });
  myE = await openEngine(MY_URL, { applicationName: 'parity-test:fused' });
}, 120_000);

afterAll(async () => {
  await pgE?.close();
  await myE?.close();
  await db?.close();
  // after the tables (close drops them): the enum type they used
  const c = await openTestDbs(__filename);
  await c.pg(`DROP TYPE IF EXISTS "${enumType}" CASCADE`).catch(() => {});
  await c.close();
});

async function scanAll(e: Engine, schema: TableSchema, columns: string[], fetchSize: number): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const b of e.scan({ schema, columns, range: {}, fetchSize })) out.push(...b);
  return out;
}

const MASK_KEY = Buffer.from('fused-engine-test-key').toString('hex');

describe('fused = reference on rows read from both engines', () => {
  for (const dir of ['pg→my', 'my→pg'] as const) {
    for (const masked of [false, true]) {
      test(`${dir}${masked ? ', masked columns (tokenize, key column included)' : ''}: every family, both sides`, async () => {
        const [srcE, tgtE, srcUrl, tgtUrl] = dir === 'pg→my' ? [pgE, myE, PG_URL, MY_URL] : [myE, pgE, MY_URL, PG_URL];
        const [ss, ts] = await Promise.all([srcE.introspect(table), tgtE.introspect(table)]);
        const chk = checkSchemas(ss, ts);
        expect(chk.halts).toEqual([]);
        expect(chk.notCompared).toEqual([]);
        // every family is present
        expect(new Set(chk.columns.map((c) => c.family))).toEqual(new Set(['int', 'decimal', 'float', 'bool', 'text', 'char', 'binary', 'uuid', 'json', 'date', 'time', 'timestamp', 'timestamptz', 'enum']));
        const pairs: ColumnPair[] = masked ? chk.columns.map((c) => (['id', 'c_text', 'c_bin', 'c_f64', 'c_json'].includes(c.name) ? { ...c, mask: 'tokenize' as const } : c)) : chk.columns;
        for (const side of ['source', 'target'] as const) {
          const e = side === 'source' ? srcE : tgtE;
          const schema = withPairFamilies(side === 'source' ? ss : ts, chk.columns);
          const columns = pairs.map((p) => p[side].name);
          const rows = await scanAll(e, schema, columns, 37);
          expect(rows.length).toBe(N);
          // the rows have what the test claims: NULLs, empty strings, astral characters, 0x00 bytes, wide values
          const flat = rows.flat();
          expect(flat.filter((v) => v === null).length).toBeGreaterThan(N);
          expect(flat.some((v) => v === '')).toBe(true);
          expect(flat.some((v) => typeof v === 'string' && /[\u{10000}-\u{10FFFF}]/u.test(v))).toBe(true);
          expect(flat.some((v) => (Buffer.isBuffer(v) ? v.includes(0) : typeof v === 'string' && /^\\x(..)*00/.test(v)))).toBe(true);
          expect(flat.some((v) => v !== null && v.length > 70_000)).toBe(true);
          const inner: KeyTuple[] = [['100'], ['101'], ['250'], ['640']];
          const task = { pairs, side, maskKey: masked ? MASK_KEY : undefined, keyMasked: masked, inner, segFrom: 3, range: {} };
          const fused = new SegmentAccumulator(task);
          const ref = new SegmentAccumulator(task, { reference: true });
          for (const row of rows) {
            fused.add(row);
            ref.add(row);
          }
          const want = ref.snapshot();
          expect(want.segments.length).toBe(5);
          // [101,250) and [250,640) are cut into sub-ranges with hints ([100,101) is too narrow, the
          // ends are open); a masked key has none
          expect(want.segments.filter((d) => d.h).map((d) => d.i)).toEqual(masked ? [] : [5, 6]);
          expect(fused.snapshot(), `${dir} ${side}`).toEqual(want);
          // digests read bytes (scanBytes): PostgreSQL COPY always; MariaDB declines a table
          // with a binary column (its bytes are not text), so this run reads its strings
          expect(bytesScan(e, { schema, columns, range: {}, fetchSize: 13 }, fused.takesBytes) !== undefined).toBe(e.dialect === 'postgres');
          const url = side === 'source' ? srcUrl : tgtUrl;
          // the real digestPartition (fused by default), fetch sizes that split reads and batches
          for (const fetchSize of [13, 2000]) {
            const got = await digestPartition({ ...task, url, schema, range: {}, fetchSize, applicationName: 'parity-test:fused' });
            expect({ rows: got.rows, lastKey: got.lastKey, segments: got.segments } as DigestCheckpoint, `${dir} ${side} fetch ${fetchSize}`).toEqual(want);
          }
          // without the binary column both engines read bytes: the same digests as the reference path over the same rows
          const bin = pairs.findIndex((p) => p.family === 'binary');
          const textTask = { ...task, pairs: pairs.filter((_, k) => k !== bin) };
          const textRef = new SegmentAccumulator(textTask, { reference: true });
          for (const row of rows) textRef.add(row.filter((_, k) => k !== bin));
          const textColumns = textTask.pairs.map((p) => p[side].name);
          expect(bytesScan(e, { schema, columns: textColumns, range: {}, fetchSize: 13 }, new SegmentAccumulator(textTask).takesBytes)).toBeDefined();
          for (const fetchSize of [13, 2000]) {
            const got = await digestPartition({ ...textTask, url, schema, range: {}, fetchSize, applicationName: 'parity-test:fused' });
            expect({ rows: got.rows, lastKey: got.lastKey, segments: got.segments } as DigestCheckpoint, `${dir} ${side} bytes, fetch ${fetchSize}`).toEqual(textRef.snapshot());
          }
        }
      }, 120_000);
    }
  }

  test('createDemoPair: digestPartition fused vs PARITY_DIGEST_REFERENCE=1, both sides, and the pair still differs where it should', async () => {
    const t = `fused_demo_${process.pid}`;
    await createDemoPair(t, 1500, 11);
    try {
      const [s, g] = [await openEngine(FX_PG_URL, { applicationName: 'parity-test:fused' }), await openEngine(FX_MY_URL, { applicationName: 'parity-test:fused' })];
      const [ss, ts] = await Promise.all([s.introspect(t), g.introspect(t)]);
      await s.close();
      await g.close();
      const chk = checkSchemas(ss, ts);
      expect(chk.halts).toEqual([]);
      const run = async (side: 'source' | 'target') =>
        digestPartition({
          side, url: side === 'source' ? FX_PG_URL : FX_MY_URL, schema: withPairFamilies(side === 'source' ? ss : ts, chk.columns), pairs: chk.columns,
          range: {}, segFrom: 0, inner: [['0'], ['3000'], ['6000']], fetchSize: 250, applicationName: 'parity-test:fused',
        });
      const prev = process.env[REFERENCE_ENV];
      const out: Record<string, DigestCheckpoint> = {};
      try {
        for (const mode of ['fused', 'reference']) {
          if (mode === 'reference') process.env[REFERENCE_ENV] = '1';
          else delete process.env[REFERENCE_ENV];
          for (const side of ['source', 'target'] as const) {
            const r = await run(side);
            out[`${mode}:${side}`] = { rows: r.rows, lastKey: r.lastKey, segments: r.segments };
          }
        }
      } finally {
        if (prev === undefined) delete process.env[REFERENCE_ENV];
        else process.env[REFERENCE_ENV] = prev;
      }
      expect(out['fused:source']).toEqual(out['reference:source']);
      expect(out['fused:target']).toEqual(out['reference:target']);
      // the demo pair has known differences: some segment sums differ between the sides
      const a = out['fused:source'].segments.map((x) => x.s).join();
      const b = out['fused:target'].segments.map((x) => x.s).join();
      expect(a).not.toEqual(b);
    } finally {
      const c = await openTestDbs(__filename);
      await c.pg(`DROP TABLE IF EXISTS ${t}`);
      await c.my(`DROP TABLE IF EXISTS ${t}`);
      await c.close();
    }
  }, 120_000);
});

describe('PostgreSQL scan over pg-cursor', () => {
  test('batches of exactly fetchSize past one 10,000-row read, early stop releases the connection, resume after a key', async () => {
    const t = db.name('big');
    await db.createPg(t, 'id int primary key, v text');
    await db.pg(`INSERT INTO "${t}" SELECT g, md5(g::text) FROM generate_series(1, 25003) g`);
    const s = await pgE.introspect(t);
    const sizes: number[] = [];
    let last = 0;
    let ordered = true;
    for await (const b of pgE.scan({ schema: s, columns: ['id', 'v'], range: {}, fetchSize: 12_000 })) {
      sizes.push(b.length);
      for (const r of b) {
        if (Number(r[0]) !== last + 1) ordered = false;
        last = Number(r[0]);
      }
    }
    expect(sizes).toEqual([12_000, 12_000, 1003]);
    expect(ordered).toBe(true);
    // small fetch: every batch full but the last
    const small: number[] = [];
    for await (const b of pgE.scan({ schema: s, columns: ['id'], range: {}, fetchSize: 7 })) {
      small.push(b.length);
      if (small.length === 50) break; // early stop with a read in flight
    }
    expect(small.every((n) => n === 7)).toBe(true);
    // early stops many times over: the pool (max 8) would run dry if connections leaked
    for (let i = 0; i < 12; i++) {
      for await (const b of pgE.scan({ schema: s, columns: ['id'], range: {}, fetchSize: 100 })) { void b; break; }
    }
    let n = 0;
    let first: string | undefined;
    for await (const b of pgE.scan({ schema: s, columns: ['id'], range: {}, after: ['25000'], fetchSize: 2 })) {
      first ??= b[0][0] as string;
      n += b.length;
    }
    expect([first, n]).toEqual(['25001', 3]);
    // nothing is left running on the server for this table
    const active = await db.pg(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'parity-test:fused' AND state = 'active' AND query LIKE '%${t}%'`);
    expect(active.rows[0].n).toBe(0);
  }, 60_000);
});
