// MySQL/MariaDB engine over `mysql2`: read-only utf8mb4 sessions in UTC, the text protocol
// with every value as text or bytes, scans streamed inside consistent-snapshot READ ONLY
// transactions, cancellation via KILL QUERY.

import mysql from 'mysql2';
import type { ConnectionOptions } from 'tls';
import type { ColumnInfo, KeyRange, KeyTuple, TableSchema } from '../../core/types';
import { familyOf, makeKeyEncoder } from '../../canonical';
import { lockTimeoutMs, type AggregateRequest, type Engine, type OpenOptions, type RawRow, type ScanRequest } from '../engine';
import { keyColumns, orderBy, quoteIdent, rangeWhere, selectExpr, sqlName } from './dialect';
import { engineError } from './errors';

export interface MysqlConnConfig {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  ssl: false | ConnectionOptions;
}

type Conn = mysql.PoolConnection & { parityReady?: boolean };

const STRINGISH = new Set(['BLOB', 'TINY_BLOB', 'MEDIUM_BLOB', 'LONG_BLOB', 'VAR_STRING', 'STRING', 'VARCHAR', 'BIT', 'GEOMETRY', 'ENUM', 'SET']);

interface CastField {
  type: string;
  extendedFormat?: string;
  string(encoding?: string): string | null;
  buffer(): Buffer | null;
}

/**
 * Text or bytes, never Number/Date/parsed JSON (DRIVERS.md): JSON as UTF-8 text, strings in
 * the column's charset (binary charset → Buffer, via the driver's default), numbers and
 * temporal values as the server's text.
 */
function typeCast(field: CastField, next: () => unknown): unknown {
  if (field.type === 'JSON' || field.extendedFormat === 'json') return field.string('utf8');
  if (STRINGISH.has(field.type)) return next();
  return field.string('latin1');
}

function run(conn: mysql.PoolConnection | mysql.Connection, sql: string, values: unknown[] = []): Promise<RawRow[]> {
  return new Promise((resolve, reject) => {
    conn.query({ sql, values, rowsAsArray: true, typeCast: typeCast as never }, (err, rows) => {
      if (err) reject(err);
      else resolve(rows as unknown as RawRow[]);
    });
  });
}

export class MysqlEngine implements Engine {
  readonly dialect = 'mysql' as const;
  readonly endpoint: string;
  private readonly pool: mysql.Pool;
  private readonly connOptions: mysql.ConnectionOptions;
  private isMaria = true;

  constructor(
    private readonly cfg: MysqlConnConfig,
    private readonly opts: OpenOptions,
  ) {
    this.endpoint = `${cfg.host}:${cfg.port}`;
    this.connOptions = {
      host: cfg.host,
      port: cfg.port,
      user: cfg.user,
      password: cfg.password,
      database: cfg.database,
      ssl: mysqlSsl(cfg.ssl),
      charset: 'utf8mb4', // else 4-byte characters come back as '?'
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
      jsonStrings: true,
      decimalNumbers: false,
      connectAttributes: { program_name: opts.applicationName },
      connectTimeout: 30_000,
    };
    this.pool = mysql.createPool({ ...this.connOptions, connectionLimit: 8, maxIdle: 2, idleTimeout: 10_000 });
    this.pool.on('connection', (c) => c.on('error', () => {}));
  }

  /** A pooled connection with the session pinned: UTC, read-only, timeouts, known escaping. */
  private async getConn(): Promise<Conn> {
    const conn = await new Promise<Conn>((resolve, reject) =>
      this.pool.getConnection((err, c) => (err ? reject(err) : resolve(c as Conn))),
    );
    if (conn.parityReady) return conn;
    try {
      const [[version]] = (await run(conn, 'SELECT VERSION()')) as string[][];
      this.isMaria = /mariadb/i.test(version);
      await run(conn, "SET SESSION time_zone = '+00:00'");
      await run(conn, 'SET SESSION TRANSACTION READ ONLY');
      // mysql2 escapes parameters with backslashes: make sure the server reads them that way
      await run(conn, "SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '')");
      // metadata-lock waits (DDL, LOCK TABLES … WRITE) are bounded like PostgreSQL's lock_timeout
      await run(conn, `SET SESSION lock_wait_timeout = ${Math.max(1, Math.ceil(lockTimeoutMs(this.opts) / 1000))}`);
      if (this.opts.statementTimeoutMs) {
        if (this.isMaria) await run(conn, `SET SESSION max_statement_time = ${Number(this.opts.statementTimeoutMs) / 1000}`);
        else await run(conn, `SET SESSION max_execution_time = ${Math.round(Number(this.opts.statementTimeoutMs))}`);
      }
      conn.parityReady = true;
      return conn;
    } catch (err) {
      conn.destroy();
      throw err;
    }
  }

  private async query(sql: string, values: unknown[] = []): Promise<RawRow[]> {
    const conn = await this.getConn();
    try {
      const rows = await run(conn, sql, values);
      conn.release();
      return rows;
    } catch (err) {
      conn.destroy();
      throw err;
    }
  }

  async introspect(table: string): Promise<TableSchema> {
    const t = (await this.query(
      'SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      [table],
    )) as (string | null)[][];
    if (!t.length) {
      throw engineError(`table "${table}" not found in mysql at ${this.endpoint} (database ${this.cfg.database})`, 'TableNotFound', {
        code: 'ER_NO_SUCH_TABLE',
      });
    }
    const name = t[0][0] as string;
    const cols = (await this.query(
      `SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, CHARACTER_SET_NAME, COLLATION_NAME, NUMERIC_PRECISION, NUMERIC_SCALE,
              CHARACTER_MAXIMUM_LENGTH
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
      [name],
    )) as (string | null)[][];
    const pk = (await this.query(
      `SELECT COLUMN_NAME FROM information_schema.STATISTICS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX`,
      [name],
    )) as string[][];
    const jsonCols = new Set<string>();
    try {
      const checks = (await this.query(
        'SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ?',
        [name],
      )) as string[][];
      for (const [clause] of checks) {
        const m = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(clause.trim());
        if (m) jsonCols.add(m[1].replace(/``/g, '`').toLowerCase());
      }
    } catch {
      // MySQL's CHECK_CONSTRAINTS has no TABLE_NAME; MySQL has a real JSON type instead
    }
    const columns: ColumnInfo[] = cols.map(([colName, type, nullable, charset, collation, precision, scale, length]) => {
      const n = colName as string;
      const detail: Record<string, string | number | boolean> = {};
      if (n !== n.toLowerCase()) detail.sqlName = n;
      if (/\bunsigned\b/i.test(type as string)) detail.unsigned = true;
      if (jsonCols.has(n.toLowerCase())) detail.json = true;
      const dt = /^[a-z]+/.exec((type as string).toLowerCase())?.[0];
      if ((dt === 'decimal' || dt === 'numeric') && precision !== null) {
        detail.precision = Number(precision);
        detail.scale = Number(scale ?? 0);
      }
      if (length !== null && (dt === 'char' || dt === 'varchar' || dt === 'binary' || dt === 'varbinary')) detail.length = Number(length);
      const info: ColumnInfo = {
        name: n.toLowerCase(),
        nativeType: type as string,
        family: familyOf('mysql', type as string, detail),
        nullable: nullable === 'YES',
      };
      if (charset) info.charset = charset;
      if (collation) info.collation = collation;
      if (Object.keys(detail).length) info.detail = detail;
      return info;
    });
    return {
      dialect: 'mysql',
      table,
      columns,
      primaryKey: pk.map((r) => r[0].toLowerCase()),
      rowEstimate: Math.max(0, Number(t[0][1] ?? 0) || 0),
    };
  }

  async *scan(req: ScanRequest): AsyncIterable<RawRow[]> {
    const { schema } = req;
    const table = quoteIdent(schema.table);
    const byName = new Map(schema.columns.map((c) => [c.name, c]));
    const select = req.columns.map((n) => {
      const c = byName.get(n.toLowerCase());
      if (!c) throw new Error(`column "${n}" not in ${schema.table}`);
      return selectExpr(c);
    });
    const keys = keyColumns(schema);
    const w = rangeWhere(keys, req.range, req.after, req.where);
    if (req.signal?.aborted) throw cancelled(schema.table);
    const conn = await this.getConn();
    // a scan is long by design; the consumer's signal bounds it instead
    const noTimeout = this.isMaria ? 'SET STATEMENT max_statement_time = 0 FOR ' : '';
    const hint = this.isMaria ? '' : '/*+ MAX_EXECUTION_TIME(0) */ ';
    const sql = `${noTimeout}SELECT ${hint}${select.join(', ')} FROM ${table} ${w.sql} ${orderBy(keys)}`;
    let clean = false;
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      void this.killQuery(conn.threadId);
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    let onConnError: ((err: Error) => void) | undefined;
    try {
      await run(conn, 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      const fetchSize = Math.max(1, req.fetchSize | 0);
      const stream = conn
        .query({ sql, values: w.params, rowsAsArray: true, typeCast: typeCast as never })
        .stream({ highWaterMark: Math.min(fetchSize, 10_000) });
      // mysql2 hands a fatal connection error (a killed session, a dropped socket) to a
      // callback-less query's connection only, never to its stream: without this the read
      // would wait forever while the activity kept heartbeating
      onConnError = (err: Error) => stream.destroy(err);
      conn.on('error', onConnError);
      let batch: RawRow[] = [];
      for await (const row of stream) {
        batch.push(row as RawRow);
        if (batch.length >= fetchSize) {
          yield batch;
          batch = [];
          if (aborted) throw cancelled(schema.table);
        }
      }
      if (batch.length) yield batch;
      await run(conn, 'COMMIT');
      clean = true;
    } catch (err) {
      if (aborted || req.signal?.aborted) throw cancelled(schema.table, err);
      throw err;
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
      if (onConnError) conn.removeListener('error', onConnError);
      if (clean) conn.release();
      else conn.destroy(); // a half-read result set dies with its connection
    }
  }

  async aggregate(req: AggregateRequest): Promise<RawRow[]> {
    const { sql, params } = req.build(quoteIdent(req.schema.table));
    if (req.signal?.aborted) throw cancelled(req.schema.table);
    const conn = await this.getConn();
    const noTimeout = this.isMaria ? 'SET STATEMENT max_statement_time = 0 FOR ' : '';
    let clean = false;
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      void this.killQuery(conn.threadId);
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await run(conn, 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      const stmt = this.isMaria ? noTimeout + sql : sql.replace(/^SELECT /, 'SELECT /*+ MAX_EXECUTION_TIME(0) */ ');
      const rows = await run(conn, stmt, params);
      await run(conn, 'COMMIT');
      clean = true;
      return rows;
    } catch (err) {
      if (aborted || req.signal?.aborted) throw cancelled(req.schema.table, err);
      throw err;
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
      if (clean) conn.release();
      else conn.destroy();
    }
  }

  private async killQuery(threadId: number | null): Promise<void> {
    if (threadId === null) return;
    const c = mysql.createConnection({ ...this.connOptions, connectAttributes: { program_name: 'parity:cancel' } });
    c.on('error', () => {});
    try {
      await run(c, `KILL QUERY ${Number(threadId)}`);
    } catch {
      // best effort: the scan's connection is destroyed anyway
    } finally {
      c.destroy();
    }
  }

  async sampleKeys(schema: TableSchema, n: number, where?: string): Promise<KeyTuple[]> {
    if (n <= 0) return [];
    const keys = keyColumns(schema);
    const sel = keys.map((c) => quoteIdent(sqlName(c))).join(', ');
    const table = quoteIdent(schema.table);
    const conds = where ? [`(${where})`] : [];
    let rows: RawRow[] = [];
    if (schema.rowEstimate > n * 2) {
      // no TABLESAMPLE here: a Bernoulli sample over the key index, no sort (~1.25 n rows)
      const p = Math.min(1, (n * 1.25) / schema.rowEstimate);
      rows = await this.query(`SELECT ${sel} FROM ${table} WHERE ${[`RAND() < ${p.toFixed(9)}`, ...conds].join(' AND ')}`);
    }
    if (rows.length === 0) {
      const w = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
      rows = await this.query(`SELECT ${sel} FROM ${table} ${w} LIMIT ${Math.max(n * 50, 100_000)}`);
    }
    const enc = makeKeyEncoder(keys.map((k) => k.family));
    return spread(rows, n).map(enc);
  }

  async count(schema: TableSchema, range: KeyRange, where?: string): Promise<number> {
    const w = rangeWhere(keyColumns(schema), range, undefined, where);
    const rows = await this.query(`SELECT COUNT(*) FROM ${quoteIdent(schema.table)} ${w.sql}`, w.params);
    return Number(rows[0][0]);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.pool.end(() => resolve()));
  }
}

/** tls options from open.ts → mysql2's: verify-ca skips the host name check, verify-full does it. */
function mysqlSsl(ssl: false | ConnectionOptions): mysql.SslOptions | undefined {
  if (ssl === false) return undefined;
  return {
    ca: ssl.ca as string | undefined,
    rejectUnauthorized: ssl.rejectUnauthorized !== false,
    verifyIdentity: ssl.rejectUnauthorized !== false && !ssl.checkServerIdentity,
  } as mysql.SslOptions;
}

/** Up to n rows taken evenly from rows. */
function spread<T>(rows: T[], n: number): T[] {
  if (rows.length <= n) return rows;
  const out: T[] = [];
  const step = rows.length / n;
  for (let i = 0; i < n; i++) out.push(rows[Math.floor(i * step)]);
  return out;
}
function cancelled(table: string, cause?: unknown): Error {
  return engineError(`scan of ${table} cancelled`, 'Cancelled', cause ? { cause } : {});
}
