// The bench's table pair: the same rows in PostgreSQL and MariaDB, each side in its own types,
// generated in SQL as deterministic functions of the id, then K injected differences of every
// kind in ../shared/RULES.md that these column types allow. The expected manifest is a pure
// function of (rows, diffs), so a pair left from an earlier run can be reused.
import { Client as PgClient } from 'pg';
import { createConnection, type Connection } from 'mysql2/promise';
import type { DiffRecord } from '../src/core/types';
import { MY_URL, PG_URL, sortRecords } from '../scripts/fixtures';

/** Bump when generation or injection changes: tables with another signature are rebuilt. */
const GENERATOR_VERSION = 3;

export interface PairSpec {
  table: string;
  rows: number;
  diffs: number;
  json: boolean;
}

/** Columns in both tables (id is the primary key). */
export function columnsOf(spec: PairSpec): string[] {
  return ['id', 'i', 'b', 'amount', 'ratio', 'name', 'flag', 'ts', 'd', 'u', ...(spec.json ? ['doc'] : [])];
}

export const signature = (s: PairSpec) => `parity-bench v${GENERATOR_VERSION} rows=${s.rows} diffs=${s.diffs} json=${s.json}`;

// ---- the data, as SQL expressions of id on each side -------------------------------------

const PG_DDL = (t: string, json: boolean) => `CREATE TABLE ${t} (
  id bigint NOT NULL, i integer, b bigint, amount numeric(18,4), ratio double precision,
  name text, flag boolean, ts timestamptz, d date, u uuid${json ? ', doc jsonb' : ''})`;

const PG_SELECT = (json: boolean) => `SELECT id,
  ((id * 7919) % 2000000000 - 1000000000)::int,
  (id * 1000003 + 9007199254740000) * (1 - 2 * (id % 2)),
  (CASE WHEN id % 3 = 0 THEN -1 ELSE 1 END) * ((id * 37) % 1000000000) / 10000.0,
  (id::float8 * 3::float8 + 0.5::float8) / 7::float8 * (CASE WHEN id % 4 = 0 THEN -1 ELSE 1 END)::float8,
  CASE WHEN id % 97 = 0 THEN NULL ELSE 'n' || id || '-' || md5(id::text) || CASE WHEN id % 10 = 0 THEN ' Ärger 日本' ELSE '' END END,
  id % 3 = 1,
  timestamptz '2020-01-01 00:00:00+00' + (id * 6311111) * interval '1 microsecond',
  date '2000-01-01' + (id % 10000)::int,
  md5('u' || id)::uuid${json ? `,
  jsonb_build_object('id', id, 'tag', 't' || (id % 100), 'v', (id % 1000) / 10.0, 'ok', CASE WHEN id % 2 = 0 THEN 'yes' ELSE 'no' END)` : ''}
  FROM generate_series(1, $1::bigint) AS g(id)`;

// DECIMAL(20,6) where PostgreSQL has numeric(18,4): scale is representation only (R13)
const MY_DDL = (t: string, json: boolean) => `CREATE TABLE ${t} (
  id BIGINT NOT NULL, i INT, b BIGINT, amount DECIMAL(20,6), ratio DOUBLE,
  name VARCHAR(100), flag TINYINT(1), ts DATETIME(6), d DATE, u CHAR(36)${json ? ', doc JSON' : ''},
  PRIMARY KEY (id)) ENGINE=InnoDB CHARACTER SET utf8mb4`;

const MY_SELECT = (from: string, json: boolean) => `SELECT id,
  (id * 7919) % 2000000000 - 1000000000,
  (id * 1000003 + 9007199254740000) * (1 - 2 * (id % 2)),
  (CASE WHEN id % 3 = 0 THEN -1 ELSE 1 END) * ((id * 37) % 1000000000) / 10000,
  (CAST(id AS DOUBLE) * 3e0 + 5e-1) / 7e0 * (CASE WHEN id % 4 = 0 THEN -1e0 ELSE 1e0 END),
  CASE WHEN id % 97 = 0 THEN NULL ELSE CONCAT('n', id, '-', MD5(id), CASE WHEN id % 10 = 0 THEN ' Ärger 日本' ELSE '' END) END,
  id % 3 = 1,
  TIMESTAMP'2020-01-01 00:00:00' + INTERVAL (id * 6311111) MICROSECOND,
  DATE'2000-01-01' + INTERVAL (id % 10000) DAY,
  LOWER(INSERT(INSERT(INSERT(INSERT(MD5(CONCAT('u', id)), 21, 0, '-'), 17, 0, '-'), 13, 0, '-'), 9, 0, '-'))${json ? `,
  JSON_OBJECT('id', id, 'tag', CONCAT('t', id % 100), 'v', (id % 1000) / 10, 'ok', IF(id % 2 = 0, 'yes', 'no'))` : ''}
  FROM ${from}`;

/** The ratio column's value for id, computed exactly as both databases do (IEEE binary64). */
export function ratioOf(id: number): number {
  return ((id * 3 + 0.5) / 7) * (id % 4 === 0 ? -1 : 1);
}

/** The next binary64 away from zero: a one-ulp change (R14). */
export function nextUlp(v: number): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v);
  dv.setBigUint64(0, dv.getBigUint64(0) + 1n);
  return dv.getFloat64(0);
}

// ---- the injected differences ---------------------------------------------------------------

/** A kind of difference: the MariaDB-side change (SET clause) and the columns it changes. */
interface ChangeKind {
  kind: string;
  rule: string;
  set?: string;
  columns: string[];
  json?: boolean;
}

const CHANGES: ChangeKind[] = [
  { kind: 'int +1', rule: 'R12', set: 'i = i + 1', columns: ['i'] },
  { kind: 'bigint +1 beyond 2^53', rule: 'R3/R12', set: 'b = b + 1', columns: ['b'] },
  { kind: 'decimal +1 unit (4th place)', rule: 'R13', set: 'amount = amount + 0.0001', columns: ['amount'] },
  { kind: 'decimal +0.000001 (only the target scale holds it)', rule: 'R13', set: 'amount = amount + 0.000001', columns: ['amount'] },
  { kind: 'double one ulp', rule: 'R14', columns: ['ratio'] },
  { kind: 'text case', rule: 'R16', set: "name = CONCAT('N', SUBSTRING(name, 2))", columns: ['name'] },
  { kind: 'text trailing space', rule: 'R16', set: "name = CONCAT(name, ' ')", columns: ['name'] },
  { kind: 'boolean 2 vs true/false', rule: 'R15', set: 'flag = 2', columns: ['flag'] },
  { kind: 'timestamptz +1 µs', rule: 'R25/R30', set: 'ts = ts + INTERVAL 1 MICROSECOND', columns: ['ts'] },
  { kind: 'date +1 day', rule: 'R28', set: 'd = d + INTERVAL 1 DAY', columns: ['d'] },
  { kind: 'uuid uppercase', rule: 'R19', set: 'u = UPPER(u)', columns: ['u'] },
  { kind: 'NULL vs value', rule: 'R11', set: 'i = NULL', columns: ['i'] },
  { kind: 'three columns at once', rule: 'R7', set: 'flag = 0 + (flag = 0), name = NULL, ts = ts - INTERVAL 1 MICROSECOND', columns: ['flag', 'name', 'ts'] },
  { kind: 'json member value', rule: 'R20', set: `doc = JSON_SET(doc, '$.tag', 'zz')`, columns: ['doc'], json: true },
  { kind: 'json number 1 vs "1"', rule: 'R23', set: `doc = JSON_SET(doc, '$.v', CAST(JSON_VALUE(doc, '$.v') AS CHAR))`, columns: ['doc'], json: true },
];

export interface Injection {
  kind: string;
  rule: string;
  ids: number[];
}

export interface Plan {
  spec: PairSpec;
  /** deleted from the MariaDB table */
  missing: number[];
  /** deleted from the PostgreSQL table */
  extra: number[];
  changes: (Injection & { columns: string[]; set?: string })[];
  /** representation-only edits that must NOT be reported: ratio 0.0 in PG, -0.0 in MariaDB (R14) */
  negZero: number[];
}

/** Which ids get which difference: K ids spread evenly over 1..N, kinds in turn. */
export function planDiffs(spec: PairSpec): Plan {
  const kinds: (ChangeKind | 'missing' | 'extra')[] = ['missing', 'extra', ...CHANGES.filter((c) => !c.json || spec.json)];
  const k = Math.min(spec.diffs, Math.floor(spec.rows / 4));
  const step = spec.rows / Math.max(1, k);
  const used = new Set<number>();
  const plan: Plan = { spec, missing: [], extra: [], changes: kinds.filter((c) => c !== 'missing' && c !== 'extra').map((c) => ({ ...(c as ChangeKind), ids: [] })), negZero: [] };
  for (let j = 0; j < k; j++) {
    let id = Math.floor((j + 0.5) * step) + 1;
    // a NULL name (id % 97 = 0) would hide the text changes; keep every changed row clean
    while (id % 97 === 0 || used.has(id)) id++;
    used.add(id);
    const kind = kinds[j % kinds.length];
    if (kind === 'missing') plan.missing.push(id);
    else if (kind === 'extra') plan.extra.push(id);
    else plan.changes.find((c) => c.kind === kind.kind)!.ids.push(id);
  }
  for (let j = 0; j < Math.min(4, k); j++) {
    let id = Math.floor((j + 0.25) * step) + 2;
    while (used.has(id)) id++;
    used.add(id);
    plan.negZero.push(id);
  }
  return plan;
}

export type Direction = 'pg2my' | 'my2pg';

/** The exact manifest Parity must produce for this pair in this direction (sorted). */
export function expectedManifest(plan: Plan, direction: Direction): DiffRecord[] {
  const table = plan.spec.table;
  const [onlySource, onlyTarget] = direction === 'pg2my' ? [plan.missing, plan.extra] : [plan.extra, plan.missing];
  const out: DiffRecord[] = [
    ...onlySource.map((id) => ({ table, key: [String(id)], kind: 'missing_in_target' as const, columns: [] })),
    ...onlyTarget.map((id) => ({ table, key: [String(id)], kind: 'extra_in_target' as const, columns: [] })),
  ];
  for (const c of plan.changes) for (const id of c.ids) out.push({ table, key: [String(id)], kind: 'changed', columns: [...c.columns] });
  return sortRecords(out);
}

// ---- building the pair ------------------------------------------------------------------------

async function pg<T>(fn: (c: PgClient) => Promise<T>): Promise<T> {
  const c = new PgClient({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(`SET TimeZone = 'UTC'`);
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function my<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
  const c = await createConnection({ uri: MY_URL, charset: 'utf8mb4', multipleStatements: true });
  try {
    await c.query(`SET time_zone = '+00:00'`);
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The signature both tables carry when a complete pair of this spec exists. */
async function existingSignature(table: string): Promise<string | undefined> {
  const a = await pg(async (c) => (await c.query(`SELECT obj_description(to_regclass($1), 'pg_class') AS s`, [table])).rows[0]?.s as string | null);
  const b = await my(async (c) => {
    const [rows] = await c.query(`SELECT table_comment AS s FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?`, [table]);
    return (rows as { s: string }[])[0]?.s;
  });
  return a && a === b ? a : undefined;
}

export async function dropPair(table: string): Promise<void> {
  await pg((c) => c.query(`DROP TABLE IF EXISTS ${table}`));
  await my((c) => c.query(`DROP TABLE IF EXISTS ${table}`));
}

const inList = (ids: number[]) => ids.join(',');

/**
 * Makes sure the pair exists with exactly this spec; returns whether it was (re)built and how
 * long each step took.
 */
export async function ensurePair(spec: PairSpec, opts: { fresh?: boolean; log?: (m: string) => void } = {}): Promise<{ built: boolean; seconds: Record<string, number>; plan: Plan }> {
  const plan = planDiffs(spec);
  const seconds: Record<string, number> = {};
  const log = opts.log ?? (() => {});
  if (!opts.fresh && (await existingSignature(spec.table)) === signature(spec)) {
    log(`reusing ${spec.table} (${signature(spec)}); --fresh rebuilds it`);
    return { built: false, seconds, plan };
  }
  const t = spec.table;
  const timed = async (what: string, fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    seconds[what] = (performance.now() - t0) / 1000;
    log(`${what}: ${seconds[what].toFixed(1)} s`);
  };
  log(`generating ${t}: ${spec.rows.toLocaleString('en')} rows per side, ${spec.diffs} differences`);
  await Promise.all([
    timed('generate PostgreSQL', () =>
      pg(async (c) => {
        await c.query(`DROP TABLE IF EXISTS ${t}`);
        await c.query(PG_DDL(t, spec.json));
        await c.query(`INSERT INTO ${t} ${PG_SELECT(spec.json)}`, [spec.rows]);
        await c.query(`ALTER TABLE ${t} ADD PRIMARY KEY (id)`);
      }),
    ),
    timed('generate MariaDB', () =>
      my(async (c) => {
        await c.query(`DROP TABLE IF EXISTS ${t}`);
        await c.query(MY_DDL(t, spec.json));
        const seq = await hasSequenceEngine(c);
        // the Sequence engine's seq_1_to_N; else a cross join of digits (slower, same rows)
        const from = seq ? `(SELECT CAST(seq AS SIGNED) AS id FROM seq_1_to_${spec.rows}) AS s` : digitsFrom(spec.rows);
        await c.query(`INSERT INTO ${t} ${MY_SELECT(from, spec.json)}`);
      }),
    ),
  ]);
  await timed('inject differences', async () => {
    await pg(async (c) => {
      if (plan.extra.length) await c.query(`DELETE FROM ${t} WHERE id IN (${inList(plan.extra)})`);
      if (plan.negZero.length) await c.query(`UPDATE ${t} SET ratio = 0 WHERE id IN (${inList(plan.negZero)})`);
    });
    await my(async (c) => {
      if (plan.missing.length) await c.query(`DELETE FROM ${t} WHERE id IN (${inList(plan.missing)})`);
      if (plan.negZero.length) await c.query(`UPDATE ${t} SET ratio = -0e0 WHERE id IN (${inList(plan.negZero)})`);
      for (const ch of plan.changes) {
        if (!ch.ids.length) continue;
        if (ch.set) {
          await c.query(`UPDATE ${t} SET ${ch.set} WHERE id IN (${inList(ch.ids)})`);
        } else {
          // one ulp: the exact neighbour, written as a shortest round-trip double literal
          const cases = ch.ids.map((id) => `WHEN ${id} THEN ${nextUlp(ratioOf(id)).toExponential()}`).join(' ');
          await c.query(`UPDATE ${t} SET ratio = CASE id ${cases} END WHERE id IN (${inList(ch.ids)})`);
        }
      }
    });
  });
  await timed('vacuum/analyze', async () => {
    await pg(async (c) => {
      await c.query(`VACUUM (ANALYZE) ${t}`);
      await c.query(`COMMENT ON TABLE ${t} IS '${signature(spec)}'`);
    });
    await my(async (c) => {
      await c.query(`ANALYZE TABLE ${t}`);
      await c.query(`ALTER TABLE ${t} COMMENT = '${signature(spec)}'`);
    });
  });
  return { built: true, seconds, plan };
}

async function hasSequenceEngine(c: Connection): Promise<boolean> {
  const [rows] = await c.query(`SELECT support FROM information_schema.engines WHERE engine = 'SEQUENCE'`);
  const s = (rows as { support?: string; SUPPORT?: string }[])[0];
  return !!s && /YES|DEFAULT/i.test(s.support ?? s.SUPPORT ?? '');
}

/** 1..n from a cross join of ten-row derived tables (when the Sequence engine is absent). */
function digitsFrom(n: number): string {
  const places = Math.max(1, Math.ceil(Math.log10(n + 1)));
  const d = (k: number) => `(SELECT 0 AS v UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) d${k}`;
  const sum = Array.from({ length: places }, (_, k) => `d${k}.v * ${10 ** k}`).join(' + ');
  const all = `SELECT ${sum} + 1 AS id FROM ${Array.from({ length: places }, (_, k) => d(k)).join(' CROSS JOIN ')}`;
  return `(SELECT id FROM (${all}) AS x WHERE id <= ${n} ORDER BY id) AS s`;
}

/** A one-line description of what was injected, for the printed report. */
export function describePlan(plan: Plan): string[] {
  const lines = [`missing_in_target (pg→my): ${plan.missing.length}`, `extra_in_target (pg→my): ${plan.extra.length}`];
  for (const c of plan.changes) lines.push(`changed ${c.columns.join('+')} — ${c.kind} (${c.rule}): ${c.ids.length}`);
  lines.push(`representation only (not reported): decimal scale 4 vs 6 and timestamptz vs DATETIME(6) on every row, ratio 0.0 vs -0.0 on ${plan.negZero.length}`);
  return lines;
}
