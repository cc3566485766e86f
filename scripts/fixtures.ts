// Sample table pairs with known differences, for the demo, end-to-end tests and the bench.
// (Fixture setup writes to the databases; Parity itself never does.)
import { Client as PgClient } from 'pg';
import { createConnection } from 'mysql2/promise';
import type { DiffRecord } from '../src/core/types';

export const PG_URL = process.env.PARITY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MY_URL = process.env.PARITY_TEST_MY ?? 'mysql://root@127.0.0.1:3306/test';

/** A tiny seeded PRNG (mulberry32): fixtures are repeatable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function pgExec(sql: string, params: unknown[] = []): Promise<void> {
  const c = new PgClient({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(sql, params);
  } finally {
    await c.end();
  }
}

export async function myExec(sql: string, params: unknown[] = []): Promise<void> {
  const c = await createConnection({ uri: MY_URL, multipleStatements: true, charset: 'utf8mb4' });
  try {
    await c.query(sql, params);
  } finally {
    await c.end();
  }
}

type Row = (string | null)[];

async function insertRows(dialect: 'pg' | 'my', table: string, columns: string[], rows: Row[], casts: string[] = []): Promise<void> {
  if (!rows.length) return;
  const chunk = 500;
  if (dialect === 'pg') {
    const c = new PgClient({ connectionString: PG_URL });
    await c.connect();
    try {
      for (let i = 0; i < rows.length; i += chunk) {
        const part = rows.slice(i, i + chunk);
        const params: unknown[] = [];
        const values = part.map((r) => `(${r.map((v, j) => { params.push(v); return `$${params.length}${casts[j] ? '::' + casts[j] : ''}`; }).join(',')})`);
        await c.query(`INSERT INTO ${table} (${columns.join(',')}) VALUES ${values.join(',')}`, params);
      }
    } finally {
      await c.end();
    }
  } else {
    const c = await createConnection({ uri: MY_URL, charset: 'utf8mb4' });
    try {
      for (let i = 0; i < rows.length; i += chunk) {
        const part = rows.slice(i, i + chunk);
        await c.query(`INSERT INTO ${table} (${columns.join(',')}) VALUES ?`, [part]);
      }
    } finally {
      await c.end();
    }
  }
}

export interface SamplePair {
  table: string;
  rows: number;
  expected: DiffRecord[];
}

const WORDS = ['alpha', 'Beta', 'gamma', 'Ärger', 'naïve', '日本', '😀 emoji', 'x ', ' lead', 'tab\tin', 'CRLF\r\nline', ''];

/**
 * The demo pair: orders in PostgreSQL (source) and its copy in MariaDB (target), with a
 * handful of real differences of every kind and many representation-only ones that must
 * not be reported (decimal scale, JSON member order and spacing, double text forms,
 * timestamptz in another zone vs DATETIME in UTC, CHAR padding).
 */
export async function createDemoPair(table = 'parity_demo_orders', n = 3000, seed = 7): Promise<SamplePair> {
  const r = rng(seed);
  await pgExec(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (
    id bigint PRIMARY KEY, customer text NOT NULL, code uuid, price numeric(12,2), ratio double precision,
    active boolean, placed_at timestamptz, ship_date date, sku character(8), payload jsonb, bin bytea)`);
  await myExec(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (
    id BIGINT PRIMARY KEY, customer VARCHAR(200) NOT NULL, code CHAR(36), price DECIMAL(14,4), ratio DOUBLE,
    active TINYINT(1), placed_at DATETIME(6), ship_date DATE, sku CHAR(8), payload JSON, bin VARBINARY(64)) CHARACTER SET utf8mb4`);
  const hex = (k: number) => Array.from({ length: k }, () => Math.floor(r() * 16).toString(16)).join('');
  const src: Row[] = [];
  for (let i = 1; i <= n; i++) {
    const id = String(i * 7 - 3000);
    const cents = Math.floor(r() * 10_000_000);
    const price = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    const ratio = String(r() * 1000 - 500);
    const usec = String(Math.floor(r() * 1e6)).padStart(6, '0');
    const day = 1 + Math.floor(r() * 28);
    src.push([
      id,
      `${WORDS[i % WORDS.length]} #${i}`,
      `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
      price,
      ratio,
      r() < 0.5 ? 'true' : 'false',
      `2024-03-${String(day).padStart(2, '0')} 10:${String(i % 60).padStart(2, '0')}:07.${usec}`,
      `2024-04-${String(day).padStart(2, '0')}`,
      `S${String(i % 1000).padStart(3, '0')}`,
      JSON.stringify({ n: i, tags: ['a', WORDS[i % WORDS.length]], price: Number(price), nested: { ok: i % 2 === 0 } }),
      hex(2 * (i % 9)),
    ]);
  }
  // target: the same data in MariaDB's own representations
  const tgt: Row[] = src.map((s) => [
    s[0], s[1], s[2],
    s[3] + '00', // DECIMAL(14,4): 12.50 vs 12.5000 is representation only (R13)
    s[4],
    s[5] === 'true' ? '1' : '0', // R15
    s[6], // stored in UTC; the source session below writes timestamptz in UTC too
    s[7],
    s[8],
    // member order and spacing differ: representation only (R20)
    JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(s[9]!)).reverse()), null, 1),
    null, // filled as binary below
  ]);
  const expected: DiffRecord[] = [];
  const pick = () => 1 + Math.floor(r() * (n - 2));
  const used = new Set<number>();
  const take = () => { let k = pick(); while (used.has(k)) k = pick(); used.add(k); return k; };
  // real differences
  for (let j = 0; j < 5; j++) { const k = take(); expected.push({ table, key: [src[k][0]!], kind: 'missing_in_target', columns: [] }); tgt[k] = []; }
  for (let j = 0; j < 4; j++) { const k = take(); tgt[k][3] = String(Number(src[k][3]) + 0.01); expected.push({ table, key: [src[k][0]!], kind: 'changed', columns: ['price'] }); }
  for (let j = 0; j < 3; j++) { const k = take(); tgt[k][1] = src[k][1]!.toUpperCase() === src[k][1] ? src[k][1] + '!' : src[k][1]!.toUpperCase(); expected.push({ table, key: [src[k][0]!], kind: 'changed', columns: ['customer'] }); }
  { const k = take(); tgt[k][6] = src[k][6]!.replace(/\.(\d{6})$/, (_, u) => '.' + String((Number(u) + 1) % 1e6).padStart(6, '0')); expected.push({ table, key: [src[k][0]!], kind: 'changed', columns: ['placed_at'] }); }
  { const k = take(); tgt[k][5] = '2'; tgt[k][4] = String(Number(src[k][4]) + 1e-9); expected.push({ table, key: [src[k][0]!], kind: 'changed', columns: ['active', 'ratio'] }); }
  { const k = take(); tgt[k][2] = src[k][2]!.toUpperCase(); expected.push({ table, key: [src[k][0]!], kind: 'changed', columns: ['code'] }); }
  { const k = take(); tgt[k][9] = JSON.stringify({ ...JSON.parse(src[k][9]!), n: null }); expected.push({ table, key: [src[k][0]!], kind: 'changed', columns: ['payload'] }); }
  for (let j = 0; j < 3; j++) {
    const id = String(900000 + j);
    tgt.push([id, 'only in target', null, '1.0000', '0', '0', null, null, null, null, null]);
    expected.push({ table, key: [id], kind: 'extra_in_target', columns: [] });
  }
  const cols = ['id', 'customer', 'code', 'price', 'ratio', 'active', 'placed_at', 'ship_date', 'sku', 'payload', 'bin'];
  await pgExec(`SET TIME ZONE 'UTC'`);
  await insertRows('pg', table, cols, src.map((s) => [...s.slice(0, 6), s[6] + '+00', ...s.slice(7, 10), '\\x' + s[10]]), ['', '', 'uuid', 'numeric', 'float8', 'boolean', 'timestamptz', 'date', '', 'jsonb', 'bytea']);
  const kept = tgt.filter((t) => t.length);
  await insertRows('my', table, cols.slice(0, 10), kept.map((t) => t.slice(0, 10)));
  // binary column: the same bytes as the source (hex → bytes in SQL, so no text decoding)
  const c = await createConnection({ uri: MY_URL, charset: 'utf8mb4' });
  try {
    const byId = new Map(src.map((s) => [s[0], s[10]]));
    const rowsWithBlob = kept.filter((t) => t[0] !== null && !!byId.get(t[0]));
    for (let i = 0; i < rowsWithBlob.length; i += 500) {
      const part = rowsWithBlob.slice(i, i + 500);
      await c.query(`UPDATE ${table} SET bin = CASE id ${part.map(() => 'WHEN ? THEN UNHEX(?)').join(' ')} END WHERE id IN (?)`, [...part.flatMap((t) => [t[0], byId.get(t[0])]), part.map((t) => t[0])]);
    }
    await c.query(`UPDATE ${table} SET bin = UNHEX('') WHERE bin IS NULL AND id < 900000 AND id IN (?)`, [src.filter((s) => s[10] === '').map((s) => s[0]).concat(['-1'])]);
  } finally {
    await c.end();
  }
  await pgExec(`ANALYZE ${table}`);
  await myExec(`ANALYZE TABLE ${table}`);
  return { table, rows: n, expected: sortRecords(expected) };
}

export function sortRecords(records: DiffRecord[]): DiffRecord[] {
  const k = (r: DiffRecord) => JSON.stringify(r.key) + r.kind;
  return [...records].map((r) => ({ ...r, columns: [...r.columns].sort() })).sort((a, b) => (k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0));
}
