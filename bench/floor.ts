// The machine's own floor: how long each database takes just to hand over the whole table
// (PostgreSQL COPY … TO STDOUT through psql, a streaming MariaDB read through the mariadb
// client), and each engine's own full-table MD5 checksum query (the pushdown target).
import { MY_URL, PG_URL } from '../scripts/fixtures';
import { commandOutput, timedCommand } from './procs';

function parts(url: string, defPort: number) {
  const u = new URL(url);
  return {
    host: u.hostname || '127.0.0.1',
    port: String(u.port || defPort),
    user: decodeURIComponent(u.username || ''),
    password: decodeURIComponent(u.password || ''),
    db: u.pathname.replace(/^\//, '') || 'test',
  };
}

const pgc = () => parts(PG_URL, 5432);
const myc = () => parts(MY_URL, 3306);

function psqlArgs(sql: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const c = pgc();
  return {
    args: ['-X', '-q', '-A', '-t', '-h', c.host, '-p', c.port, ...(c.user ? ['-U', c.user] : []), '-d', c.db, '-c', sql],
    env: { ...process.env, ...(c.password ? { PGPASSWORD: c.password } : {}) },
  };
}

function mariadbArgs(sql: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const c = myc();
  return {
    args: ['--protocol=tcp', '-h', c.host, '-P', c.port, ...(c.user ? ['-u', c.user] : []), '--quick', '--batch', '--skip-column-names', '--default-character-set=utf8mb4', c.db, '-e', sql],
    env: { ...process.env, ...(c.password ? { MYSQL_PWD: c.password } : {}) },
  };
}

const mariadbBin = () => (process.env.PARITY_BENCH_MARIADB ?? 'mariadb');

export interface Floor {
  pgCopy: number;
  myRead: number;
  /** both at once (how Parity reads them) */
  parallel: number;
  /** the slower of the two alone: the floor Parity is measured against */
  floor: number;
}

/** Best of `tries` for each read (the first also warms the caches); `both`: also both at once. */
export async function measureFloor(table: string, tries = 2, both = true): Promise<Floor> {
  const p = psqlArgs(`COPY (SELECT * FROM ${table}) TO STDOUT`);
  const m = mariadbArgs(`SELECT * FROM ${table}`);
  const pgRead = () => timedCommand('psql', p.args, p.env);
  const myRead = () => timedCommand(mariadbBin(), m.args, m.env);
  let pgCopy = Infinity, my = Infinity, parallel = Infinity;
  for (let i = 0; i < tries; i++) {
    pgCopy = Math.min(pgCopy, await pgRead());
    my = Math.min(my, await myRead());
  }
  if (both) {
    const t0 = performance.now();
    await Promise.all([pgRead(), myRead()]);
    parallel = (performance.now() - t0) / 1000;
  }
  return { pgCopy, myRead: my, parallel, floor: Math.max(pgCopy, my) };
}

export interface Checksums {
  pg: number;
  my: number;
  /** the slower engine's checksum time: the pushdown target's denominator */
  slower: number;
}

/**
 * One aggregate MD5-based checksum over all columns, per engine: the sum of each row's MD5
 * (first 60 bits) over the row's text. What a database alone needs to hash its table.
 */
export async function measureChecksums(table: string, columns: string[], tries = 2): Promise<Checksums> {
  const p = psqlArgs(`SELECT count(*), sum(('x' || left(md5(t::text), 15))::bit(60)::bigint) FROM ${table} t`);
  const m = mariadbArgs(`SELECT COUNT(*), SUM(CONV(LEFT(MD5(CONCAT_WS('|', ${columns.join(', ')})), 15), 16, 10)) FROM ${table}`);
  let pg = Infinity, my = Infinity;
  for (let i = 0; i < tries; i++) {
    pg = Math.min(pg, (await commandOutput('psql', p.args, p.env)).seconds);
    my = Math.min(my, (await commandOutput(mariadbBin(), m.args, m.env)).seconds);
  }
  return { pg, my, slower: Math.max(pg, my) };
}
