// Measures pushdownPartition over a whole table on each engine against that engine's own
// full-table MD5 checksum query, interleaved and repeated (the machine is shared: compare
// figures from one run only). Usage:
//   node dist/src/pushdown/measure.js [rows=1000000] [rounds=3] [segmentRows=256]
// Creates (once) pushdown_bench_<rows> on both engines: 10 columns, identical data.

import { checkSchemas, withPairFamilies } from '../canonical';
import type { KeyTuple } from '../core/types';
import type { Engine } from '../engines/engine';
import { openEngine } from '../engines/open';
import { pushdownPartition } from './index';

const PG_URL = process.env.PARITY_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const MY_URL = process.env.PARITY_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

const PG_DDL = (t: string, n: number) => [
  `DROP TABLE IF EXISTS ${t}`,
  `CREATE TABLE ${t} (id bigint primary key, i int, big bigint, n numeric(20,6), s varchar(64), b boolean, dt date, ts timestamp(6), tz timestamptz, u uuid)`,
  `INSERT INTO ${t} SELECT g, (g*7919) % 100000 - 50000, g*9000000000007, ((g*1234567) % 100000000000)/1000000.0, md5(g::text), g%2=0, date '2000-01-01' + (g % 10000)::int, timestamp '2000-01-01' + g*1234567 * interval '1 microsecond', timestamptz '2000-01-01 00:00:00+00' + g*7654321 * interval '1 microsecond', md5(g::text)::uuid FROM generate_series(1::bigint, ${n}) g`,
  `VACUUM ANALYZE ${t}`,
];
const MY_DDL = (t: string, n: number) => [
  `DROP TABLE IF EXISTS ${t}`,
  `CREATE TABLE ${t} (id bigint primary key, i int, big bigint, n decimal(20,6), s varchar(64), b tinyint(1), dt date, ts datetime(6), tz datetime(6), u char(36)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`,
  `INSERT INTO ${t} SELECT seq, (seq*7919) % 100000 - 50000, seq*9000000000007, ((seq*1234567) % 100000000000)/1000000.0, md5(seq), seq%2=0, date '2000-01-01' + interval (seq % 10000) day, timestamp '2000-01-01 00:00:00' + interval seq*1234567 microsecond, timestamp '2000-01-01 00:00:00' + interval seq*7654321 microsecond, INSERT(INSERT(INSERT(INSERT(md5(seq),9,0,'-'),14,0,'-'),19,0,'-'),24,0,'-') FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_${n}) q`,
  `ANALYZE TABLE ${t}`,
];

const COLS = 'id,i,big,n,s,b,dt,ts,tz,u';

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const rounds = Number(process.argv[3] ?? 3);
  const segmentRows = Number(process.argv[4] ?? 256);
  const t = `pushdown_bench_${rows}`;
  const pg = await import('pg');
  const mysql = await import('mysql2/promise');
  const pgc = new pg.default.Client({ connectionString: PG_URL });
  await pgc.connect();
  const myc = await mysql.createConnection({ uri: MY_URL, charset: 'utf8mb4' });
  await myc.query("SET time_zone = '+00:00'");
  const have = await pgc.query(`SELECT count(*)::int AS n FROM pg_class WHERE relname = $1`, [t]);
  if (have.rows[0].n === 0) {
    console.log(`creating ${t} on both engines …`);
    for (const q of PG_DDL(t, rows)) await pgc.query(q);
    for (const q of MY_DDL(t, rows)) await myc.query(q);
  }
  const pgE = await openEngine(PG_URL, { applicationName: 'parity:pushdown-measure' });
  const myE = await openEngine(MY_URL, { applicationName: 'parity:pushdown-measure' });
  const ps = await pgE.introspect(t);
  const ms = await myE.introspect(t);
  const chk = checkSchemas(ps, ms);
  const inner: KeyTuple[] = [];
  for (let k = segmentRows + 1; k <= rows; k += segmentRows) inner.push([String(k)]);

  const pd = (e: Engine, side: 'source' | 'target', withSegments: boolean) => async () => {
    const s = withPairFamilies(side === 'source' ? ps : ms, chk.columns);
    const r = await pushdownPartition(e, side, { schema: s, pairs: chk.columns, range: {}, segFrom: 0, inner: withSegments ? inner : [] });
    return `${r.rows} rows, ${r.segments.length} segments`;
  };
  const jobs: [string, () => Promise<string>][] = [
    ['pg   checksum  md5(string_agg(md5(t::text)))', async () => (await pgc.query(`SELECT md5(string_agg(md5(t::text), '')) AS h FROM ${t} t`)).rows[0].h],
    ['pg   pushdown  1 segment', pd(pgE, 'source', false)],
    [`pg   pushdown  ${inner.length + 1} segments`, pd(pgE, 'source', true)],
    ['my   checksum  SUM(MD5(CONCAT_WS) lane)', async () => JSON.stringify((await myc.query(`SELECT SUM(CAST(CONV(LEFT(MD5(CONCAT_WS('|', ${COLS})), 16), 16, -10) AS SIGNED)) AS h FROM ${t}`))[0])],
    ['my   checksum  BIT_XOR(CRC32(CONCAT_WS))', async () => JSON.stringify((await myc.query(`SELECT BIT_XOR(CRC32(CONCAT_WS('|', ${COLS}))) AS h FROM ${t}`))[0])],
    ['my   pushdown  1 segment', pd(myE, 'target', false)],
    [`my   pushdown  ${inner.length + 1} segments`, pd(myE, 'target', true)],
  ];
  const times = jobs.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < jobs.length; j++) {
      const t0 = process.hrtime.bigint();
      await jobs[j][1]();
      times[j].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  console.log(`${rows} rows, ${rounds} interleaved rounds; ms: min / median`);
  for (let j = 0; j < jobs.length; j++) console.log(`${jobs[j][0].padEnd(50)} ${Math.min(...times[j]).toFixed(0).padStart(7)} / ${med(times[j]).toFixed(0).padStart(7)}`);
  const slower = Math.max(med(times[0]), med(times[3]));
  console.log(`slower engine's MD5 checksum (median): ${slower.toFixed(0)} ms`);
  for (const j of [1, 2, 5, 6]) console.log(`${jobs[j][0].padEnd(50)} ratio ${(med(times[j]) / slower).toFixed(2)}x`);
  await pgE.close();
  await myE.close();
  await pgc.end();
  await myc.end();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
