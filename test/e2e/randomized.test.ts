// Randomized, seeded and repeatable: random typed table pairs with randomly injected real
// differences, every value written in a different representation on each engine
// (decimal scale, double text form, time zone offset, JSON member order and spacing,
// boolean vs TINYINT). The manifest must equal the injected set exactly, in both
// directions (PostgreSQL → MariaDB and MariaDB → PostgreSQL) and in every mode.
// Rules exercised: R1–R3, R6–R8, R10–R14, R15, R16, R18–R22, R25, R28, R30.
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MY_URL, PG_URL, rng, sortRecords } from '../../scripts/fixtures';
import type { DiffRecord } from '../../src/core/types';
import { ROOT, runCli, startWorker, stopProcess } from '../helpers/cli';

const OUT = join(ROOT, 'test-output', 'randomized');
type R = () => number;
type V = unknown;

interface Col {
  name: string;
  pg: string;
  my: string;
  gen(r: R): V;
  /** a real difference (RULES: a different value) */
  change(v: V, r: R): V;
  pgVal(v: V): unknown;
  myVal(v: V): unknown;
  pgCast?: string;
}

const int = (r: R, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T,>(r: R, xs: T[]) => xs[Math.floor(r() * xs.length)];
const ALPHABET = ['a', 'A', 'z', 'é', 'e\u0301', '😀', '日', ' ', '\t', 'ß', 'İ', 'x', '0', '\u00a0'];
const randText = (r: R, max = 12) => Array.from({ length: int(r, 0, max) }, () => pick(r, ALPHABET)).join('');
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function nextUlp(x: number): number {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, x);
  b.setBigUint64(0, b.getBigUint64(0) + 1n);
  return b.getFloat64(0);
}

const COLUMNS: Col[] = [
  { name: 'c_int', pg: 'integer', my: 'INT', gen: (r) => int(r, -2_000_000_000, 2_000_000_000), change: (v) => (v as number) + 1, pgVal: String, myVal: String },
  {
    name: 'c_big', pg: 'bigint', my: 'BIGINT',
    gen: (r) => pick(r, [9223372036854775807n, -9223372036854775808n, 9007199254740993n, BigInt(int(r, -1e9, 1e9)) * 1_000_000_007n]),
    change: (v) => ((v as bigint) === 9223372036854775807n ? (v as bigint) - 1n : (v as bigint) + 1n), pgVal: String, myVal: String,
  },
  {
    // R13: scale differs between the engines (6 vs 8), trailing zeros are representation only
    name: 'c_num', pg: 'numeric(24,6)', my: 'DECIMAL(26,8)',
    gen: (r) => `${int(r, -999999, 999999)}${int(r, 0, 9)}${int(r, 0, 9)}${int(r, 0, 9)}.${pad(int(r, 0, 999999), 6)}`,
    change: (v) => { const [i, f] = (v as string).split('.'); return `${i}.${pad((Number(f) + 1) % 1_000_000, 6)}`; },
    pgVal: (v) => v, myVal: (v) => `${v}00`,
  },
  {
    // R14: PostgreSQL gets the shortest text, MariaDB the exponent form; one ulp is a difference
    name: 'c_dbl', pg: 'double precision', my: 'DOUBLE',
    gen: (r) => pick(r, [0.1, -0.0, 1e308, 5e-324, (r() - 0.5) * 10 ** int(r, -20, 20), 123456789.125]),
    change: (v) => nextUlp(v as number), pgVal: (v) => String(v), myVal: (v) => (v as number).toExponential(),
  },
  {
    // R16: code points exactly; no trimming, folding or normalization
    name: 'c_txt', pg: 'text', my: 'VARCHAR(200)',
    gen: (r) => randText(r), change: (v) => ((v as string) === '' ? ' ' : (v as string).endsWith(' ') ? (v as string).trimEnd() + 'x' : (v as string) + ' '),
    pgVal: (v) => v, myVal: (v) => v,
  },
  { name: 'c_bool', pg: 'boolean', my: 'TINYINT(1)', gen: (r) => r() < 0.5, change: (v) => !v, pgVal: (v) => (v ? 'true' : 'false'), myVal: (v) => (v ? 1 : 0) },
  {
    // R25: PostgreSQL gets the instant written at +05:30, MariaDB the UTC wall clock; 1 µs counts (R30)
    name: 'c_ts', pg: 'timestamptz', my: 'DATETIME(6)',
    gen: (r) => Date.UTC(int(r, 1970, 2037), int(r, 0, 11), int(r, 1, 28), int(r, 0, 23), int(r, 0, 59), int(r, 0, 59)) * 1000 + int(r, 0, 999_999),
    change: (v) => (v as number) + 1,
    pgVal: (v) => { const us = v as number; const d = new Date(Math.floor(us / 1000) + 5.5 * 3600_000); return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${pad(us % 1_000_000, 6)}+05:30`; },
    myVal: (v) => { const us = v as number; const d = new Date(Math.floor(us / 1000)); return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${pad(us % 1_000_000, 6)}`; },
  },
  {
    name: 'c_date', pg: 'date', my: 'DATE',
    gen: (r) => Date.UTC(int(r, 1000, 9999), int(r, 0, 11), int(r, 1, 28)), change: (v) => (v as number) + 86_400_000,
    pgVal: (v) => new Date(v as number).toISOString().slice(0, 10), myVal: (v) => new Date(v as number).toISOString().slice(0, 10),
  },
  {
    // R19: uppercase in the target is a difference
    name: 'c_uuid', pg: 'uuid', my: 'CHAR(36)',
    gen: (r) => Array.from({ length: 32 }, () => Math.floor(r() * 16).toString(16)).join('').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
    change: (v) => ((v as string).match(/[a-f]/) ? (v as string).toUpperCase() : (v as string).replace(/^./, (c) => String((Number(c) + 1) % 10))),
    pgVal: (v) => v, myVal: (v) => v,
  },
  {
    // R18: bytes, with 0x00 and invalid UTF-8; empty is not NULL
    name: 'c_bin', pg: 'bytea', my: 'VARBINARY(64)',
    gen: (r) => Buffer.from(Array.from({ length: int(r, 0, 10) }, () => pick(r, [0, 255, 128, int(r, 0, 255)]))),
    change: (v) => { const b = Buffer.from(v as Buffer); if (!b.length) return Buffer.from([0]); b[0] ^= 1; return b; },
    pgVal: (v) => v, myVal: (v) => v,
  },
  {
    // R20–R22: member order and spacing differ; numbers by exact decimal value; strings by code points
    name: 'c_json', pg: 'jsonb', my: 'JSON',
    gen: (r) => ({ n: int(r, -5, 5), s: randText(r, 4), big: '12345678901234567890', f: pick(r, [1, 0.5, -0]), nested: { ok: r() < 0.5, list: [1, 2, int(r, 0, 3)] } }),
    change: (v) => ({ ...(v as object), n: ((v as { n: number }).n + 1) }),
    pgVal: (v) => { const o = v as Record<string, unknown>; return `{"n": ${o.n}, "s": ${JSON.stringify(o.s)}, "big": ${o.big}, "f": ${Object.is(o.f, -0) ? '-0' : o.f}, "nested": ${JSON.stringify(o.nested)}}`; },
    myVal: (v) => { const o = v as Record<string, unknown>; return `{ "nested" : ${JSON.stringify(o.nested, null, 1)}, "f":${o.f === 1 ? '1.0' : o.f === 0.5 ? '5e-1' : '0'},"big":${o.big}.0, "s":${JSON.stringify(o.s).replace(/é/g, '\\u00e9')}, "n":${o.n} }`; },
  },
];

type KeyKind = 'bigint' | 'text' | 'composite';

interface Plan {
  table: string;
  keyKind: KeyKind;
  cols: Col[];
  rows: { key: string[]; vals: V[] }[];
  target: { key: string[]; vals: V[] }[];
  expected: DiffRecord[];
}

function makePlan(seed: number, n: number): Plan {
  const r = rng(seed);
  const keyKind: KeyKind = (['bigint', 'text', 'composite'] as const)[seed % 3];
  const cols = COLUMNS.filter(() => r() < 0.75);
  if (!cols.length) cols.push(COLUMNS[0]);
  const table = `rnd_${seed}`;
  const keys = new Set<string>();
  const rows: Plan['rows'] = [];
  while (rows.length < n) {
    const key =
      keyKind === 'bigint' ? [String(BigInt(int(r, -1e9, 1e9)) * 9_223_372_036n + BigInt(int(r, 0, 1000)))]
        : keyKind === 'text' ? [randText(r, 6) + pick(r, ['', 'A', 'a', ' ', 'é'])]
          : [String(int(r, -3, 3)), randText(r, 3)];
    const id = JSON.stringify(key);
    if (keys.has(id) || (keyKind !== 'bigint' && key[key.length - 1].endsWith(' '))) continue; // VARCHAR keys: MariaDB pads
    keys.add(id);
    rows.push({ key, vals: cols.map((c) => (r() < 0.1 ? null : c.gen(r))) });
  }
  const target = rows.map((x) => ({ key: x.key, vals: [...x.vals] }));
  const expected: DiffRecord[] = [];
  const touched = new Set<number>();
  const any = () => { let i = int(r, 0, n - 1); while (touched.has(i)) i = int(r, 0, n - 1); touched.add(i); return i; };
  for (let k = 0; k < Math.max(2, Math.round(n * 0.03)); k++) {
    const i = any();
    const what = r();
    if (what < 0.25) {
      expected.push({ table, key: rows[i].key, kind: 'missing_in_target', columns: [] });
      target[i] = { key: [], vals: [] };
    } else {
      const changed = cols.map((_, j) => j).filter(() => r() < 0.3);
      if (!changed.length) changed.push(int(r, 0, cols.length - 1));
      for (const j of changed) {
        const v = target[i].vals[j];
        target[i].vals[j] = v === null ? cols[j].gen(r) : r() < 0.2 ? null : cols[j].change(v, r);
      }
      expected.push({ table, key: rows[i].key, kind: 'changed', columns: changed.map((j) => cols[j].name) });
    }
  }
  for (let k = 0; k < 2; k++) {
    const key = keyKind === 'bigint' ? [String(-1 - k)] : keyKind === 'text' ? [`only-target-${k}`] : ['9', `only-${k}`];
    target.push({ key, vals: cols.map((c) => c.gen(r)) });
    expected.push({ table, key, kind: 'extra_in_target', columns: [] });
  }
  return { table, keyKind, cols, rows, target: target.filter((t) => t.key.length), expected: sortRecords(expected) };
}

function keyDdl(kind: KeyKind, dialect: 'pg' | 'my'): { cols: string; pk: string; names: string[] } {
  if (kind === 'bigint') return { cols: dialect === 'pg' ? 'id bigint' : 'id BIGINT', pk: 'id', names: ['id'] };
  if (kind === 'text') return { cols: dialect === 'pg' ? 'k text' : 'k VARCHAR(64) COLLATE utf8mb4_bin', pk: 'k', names: ['k'] };
  return { cols: dialect === 'pg' ? 'k1 integer, k2 text' : 'k1 INT, k2 VARCHAR(64) COLLATE utf8mb4_bin', pk: 'k1, k2', names: ['k1', 'k2'] };
}

async function createPlanTables(p: Plan): Promise<void> {
  const pgk = keyDdl(p.keyKind, 'pg'), myk = keyDdl(p.keyKind, 'my');
  const pg = new PgClient({ connectionString: PG_URL });
  await pg.connect();
  try {
    await pg.query(`DROP TABLE IF EXISTS ${p.table}`);
    await pg.query(`CREATE TABLE ${p.table} (${pgk.cols}, ${p.cols.map((c) => `${c.name} ${c.pg}`).join(', ')}, PRIMARY KEY (${pgk.pk}))`);
    for (const row of p.rows) {
      const vals = [...row.key, ...row.vals.map((v, j) => (v === null ? null : p.cols[j].pgVal(v)))];
      await pg.query(`INSERT INTO ${p.table} (${[...pgk.names, ...p.cols.map((c) => c.name)].join(', ')}) VALUES (${vals.map((_, i) => `$${i + 1}`).join(', ')})`, vals);
    }
    await pg.query(`ANALYZE ${p.table}`);
  } finally {
    await pg.end();
  }
  const my = await createConnection({ uri: MY_URL, charset: 'utf8mb4' });
  try {
    await my.query(`DROP TABLE IF EXISTS ${p.table}`);
    await my.query(`CREATE TABLE ${p.table} (${myk.cols}, ${p.cols.map((c) => `${c.name} ${c.my}`).join(', ')}, PRIMARY KEY (${myk.pk})) CHARACTER SET utf8mb4`);
    for (const row of p.target) {
      const vals = [...row.key, ...row.vals.map((v, j) => (v === null ? null : p.cols[j].myVal(v)))];
      await my.query(`INSERT INTO ${p.table} (${[...myk.names, ...p.cols.map((c) => c.name)].join(', ')}) VALUES (${vals.map(() => '?').join(', ')})`, vals);
    }
    await my.query(`ANALYZE TABLE ${p.table}`);
  } finally {
    await my.end();
  }
}

const flip = (records: DiffRecord[]) =>
  sortRecords(records.map((r) => ({ ...r, kind: r.kind === 'missing_in_target' ? 'extra_in_target' : r.kind === 'extra_in_target' ? 'missing_in_target' : r.kind })));

const SEEDS = [101, 202, 303, 404, 505, 606];

describe('randomized typed pairs (seeded): the manifest equals the injected set', () => {
  let worker: Awaited<ReturnType<typeof startWorker>>;
  const plans: Plan[] = [];
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    for (const seed of SEEDS) {
      const p = makePlan(seed, 300);
      await createPlanTables(p);
      plans.push(p);
    }
    worker = await startWorker();
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
  });

  it.each(SEEDS.map((s, i) => [s, i]))('seed %i: both directions, extract and auto', async (seed, i) => {
    const p = plans[i as number];
    for (const [dir, src, dst] of [['forward', PG_URL, MY_URL], ['reverse', MY_URL, PG_URL]] as const) {
      for (const mode of ['extract', 'auto']) {
        const out = join(OUT, `${p.table}-${dir}-${mode}.jsonl`);
        const r = await runCli(['run', '--source', src, '--target', dst, '--table', p.table, '--mode', mode, '--segment-rows', '16', '--partition-rows', '1000', '--out', out, '--json']);
        expect(r.code, `seed ${seed} ${dir} ${mode} (${p.keyKind} key; columns ${p.cols.map((c) => c.name).join(',')})\n${r.stderr}${r.stdout}`).toBe(1);
        const got = sortRecords(readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
        const want = dir === 'forward' ? p.expected : flip(p.expected);
        expect(got, `seed ${seed} ${dir} ${mode}`).toEqual(want);
      }
    }
  });
});
