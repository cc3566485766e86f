// Test tables on the local PostgreSQL and MariaDB. Each test file gets its own name prefix;
// drop what you create (dropAll) in afterAll.

import { basename } from 'path';
import pg from 'pg';
import mysql from 'mysql2/promise';

export const PG_URL = process.env.PARITY_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const MY_URL = process.env.PARITY_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** A per-file, per-process unique prefix: 't_<file>_<pid>_<rand>'. */
export function uniquePrefix(file: string): string {
  const f = basename(file).replace(/\.test\.ts$/, '').replace(/[^a-z0-9]+/gi, '_').toLowerCase().slice(0, 20);
  return `t_${f}_${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
}

export interface TestDbs {
  prefix: string;
  /** a unique table name: `${prefix}_${suffix}` */
  name(suffix: string): string;
  pg(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  my(sql: string, params?: unknown[]): Promise<unknown>;
  /** remember a table (or 'schema.table') to drop in dropAll */
  track(kind: 'pg' | 'my', table: string): void;
  /** create on PostgreSQL: ddl is the column list, e.g. 'id bigint primary key, v text' */
  createPg(table: string, ddl: string, opts?: { schema?: string }): Promise<void>;
  createMy(table: string, ddl: string): Promise<void>;
  dropAll(): Promise<void>;
  close(): Promise<void>;
}

function pgIdent(s: string): string {
  return '"' + s.replace(/"/g, '""') + '"';
}
function myIdent(s: string): string {
  return '`' + s.replace(/`/g, '``') + '`';
}

export async function openTestDbs(file: string): Promise<TestDbs> {
  const prefix = uniquePrefix(file);
  const pgClient = new pg.Client({ connectionString: PG_URL });
  await pgClient.connect();
  const myConn = await mysql.createConnection({ uri: MY_URL, multipleStatements: true, charset: 'utf8mb4' });
  const pgTables: string[] = [];
  const myTables: string[] = [];
  const dbs: TestDbs = {
    prefix,
    name: (suffix) => `${prefix}_${suffix}`,
    pg: (sql, params) => pgClient.query(sql, params),
    my: async (sql, params) => (await myConn.query(sql, params))[0],
    track: (kind, table) => (kind === 'pg' ? pgTables : myTables).push(table),
    async createPg(table, ddl, opts = {}) {
      const q = opts.schema ? `${pgIdent(opts.schema)}.${pgIdent(table)}` : pgIdent(table);
      await pgClient.query(`DROP TABLE IF EXISTS ${q}`);
      await pgClient.query(`CREATE TABLE ${q} (${ddl})`);
      pgTables.push(q);
    },
    async createMy(table, ddl) {
      await myConn.query(`DROP TABLE IF EXISTS ${myIdent(table)}`);
      await myConn.query(`CREATE TABLE ${myIdent(table)} (${ddl}) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`);
      myTables.push(myIdent(table));
    },
    async dropAll() {
      for (const t of pgTables.splice(0)) await pgClient.query(`DROP TABLE IF EXISTS ${t} CASCADE`).catch(() => {});
      for (const t of myTables.splice(0)) await myConn.query(`DROP TABLE IF EXISTS ${t}`).catch(() => {});
    },
    async close() {
      await dbs.dropAll();
      await pgClient.end();
      await myConn.end();
    },
  };
  return dbs;
}

export { pgIdent, myIdent };
