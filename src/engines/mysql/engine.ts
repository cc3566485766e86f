// MySQL/MariaDB engine over `mysql2`: read-only utf8mb4 sessions in UTC, the text protocol
// with every value as text or bytes, scans streamed inside consistent-snapshot READ ONLY
// transactions, cancellation via KILL QUERY.

import mysql from 'mysql2';
import type { ConnectionOptions } from 'tls';
import type { ColumnInfo, KeyRange, KeyTuple, TableSchema } from '../../core/types';
import { familyOf, makeKeyEncoder } from '../../canonical';
import { lockTimeoutMs, type AggregateRequest, type ByteBatch, type Engine, type OpenOptions, type RawRow, type ScanRequest } from '../engine';
import { RowBytes } from './bytes';
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

/** Column types whose values are not text on the wire (binary charset, bits, geometry). */
const NOT_TEXT = /^(tiny|medium|long)?blob|^(var)?binary|^bit\b|^(geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection)/i;

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

  /** The scan's SELECT (key order, no statement timeout) and its parameters. */
  private scanSql(req: ScanRequest): { sql: string; params: unknown[]; columns: ColumnInfo[] } {
    const { schema } = req;
    const byName = new Map(schema.columns.map((c) => [c.name, c]));
    const columns = req.columns.map((n) => {
      const c = byName.get(n.toLowerCase());
      if (!c) throw new Error(`column "${n}" not in ${schema.table}`);
      return c;
    });
    const keys = keyColumns(schema);
    const w = rangeWhere(keys, req.range, req.after, req.where);
    // a scan is long by design; the consumer's signal bounds it instead
    const noTimeout = this.isMaria ? 'SET STATEMENT max_statement_time = 0 FOR ' : '';
    const hint = this.isMaria ? '' : '/*+ MAX_EXECUTION_TIME(0) */ ';
    const sql = `${noTimeout}SELECT ${hint}${columns.map(selectExpr).join(', ')} FROM ${quoteIdent(schema.table)} ${w.sql} ${orderBy(keys)}`;
    return { sql, params: w.params, columns };
  }

  /**
   * Runs `body` on one pooled connection inside a consistent-snapshot READ ONLY
   * transaction. An abort kills the query; a connection left mid-result is destroyed.
   * mysql2 hands a fatal connection error (a killed session, a dropped socket) to a
   * callback-less query's connection only: `body` gets it through `onConnError`, or the
   * read would wait forever while the activity kept heartbeating.
   */
  private async *inSnapshot<T>(req: Pick<ScanRequest, 'schema' | 'signal'>, body: (conn: Conn, aborted: () => boolean, onConnError: (f: (err: Error) => void) => void) => AsyncIterable<T>): AsyncGenerator<T> {
    const table = req.schema.table;
    if (req.signal?.aborted) throw cancelled(table);
    const conn = await this.getConn();
    let clean = false;
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      void this.killQuery(conn.threadId);
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    let connError: ((err: Error) => void) | undefined;
    try {
      await run(conn, 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      yield* body(conn, () => aborted, (f) => conn.on('error', (connError = f)));
      await run(conn, 'COMMIT');
      clean = true;
    } catch (err) {
      if (aborted || req.signal?.aborted) throw cancelled(table, err);
      throw err;
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
      if (connError) conn.removeListener('error', connError);
      if (clean) conn.release();
      else conn.destroy(); // a half-read result set dies with its connection
    }
  }

  async *scan(req: ScanRequest): AsyncIterable<RawRow[]> {
    // written once the connection is open (it tells MariaDB from MySQL)
    const scanSql = () => this.scanSql(req);
    yield* this.inSnapshot(req, async function* (conn, aborted, onConnError) {
      const { sql, params } = scanSql();
      const fetchSize = Math.max(1, req.fetchSize | 0);
      const stream = conn
        .query({ sql, values: params, rowsAsArray: true, typeCast: typeCast as never })
        .stream({ highWaterMark: Math.min(fetchSize, 10_000) });
      onConnError((err) => stream.destroy(err));
      let batch: RawRow[] = [];
      for await (const row of stream) {
        batch.push(row as RawRow);
        if (batch.length >= fetchSize) {
          yield batch;
          batch = [];
          if (aborted()) throw cancelled(req.schema.table);
        }
      }
      if (batch.length) yield batch;
    });
  }

  /**
   * The scan as bytes (src/engines/mysql/bytes.ts): the query's row parser is replaced by
   * one that copies each row's fields into a batch buffer. Not for binary, BIT or spatial
   * columns (their bytes are not text: the string scan hands them over as Buffers).
   */
  scanBytes(req: ScanRequest): AsyncIterable<ByteBatch> | undefined {
    const byName = new Map(req.schema.columns.map((c) => [c.name, c]));
    if (req.columns.some((n) => NOT_TEXT.test(byName.get(n.toLowerCase())?.nativeType ?? 'blob'))) return undefined;
    return this.bytes(req);
  }

  private async *bytes(req: ScanRequest): AsyncGenerator<ByteBatch> {
    const scanSql = () => this.scanSql(req);
    yield* this.inSnapshot(req, async function* (conn, aborted, onConnError) {
      const { sql, params, columns } = scanSql();
      const rows = new RowBytes(columns.length, Math.max(1, req.fetchSize | 0));
      let done = false;
      let error: Error | undefined;
      let wake: (() => void) | undefined;
      const poke = () => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      const q = conn.query({ sql, values: params }) as unknown as NodeJS.EventEmitter;
      // mysql2's Query sets its row parser once the column definitions are in; this one
      // records each row's fields instead of decoding them (its `next` result is not used:
      // without a callback the query only emits it). Two full batches waiting: pause.
      const parser = {
        next(packet: { buffer: Buffer; offset: number; end: number }): boolean {
          rows.add(packet.buffer, packet.offset, packet.end);
          if (rows.full.length >= 2) conn.pause();
          poke();
          return true;
        },
      };
      Object.defineProperty(q, '_rowParser', { configurable: true, get: () => parser, set: () => {} });
      // a mysql2 that no longer reads `_rowParser` would emit its own rows and ours would
      // stay empty: the first row says which parser ran, and anything but ours is an error
      q.once('result', (row: unknown) => {
        if (row !== true) (error = new Error('mysql2 did not use the byte row parser (its Query internals changed): run with PARITY_SCAN_BYTES=0')), poke();
      });
      q.on('error', (err: Error) => ((error = err), poke()));
      q.on('end', () => ((done = true), poke()));
      onConnError((err) => ((error = err), poke()));
      let held: ByteBatch | undefined;
      for (;;) {
        if (held) rows.release(held);
        held = undefined;
        if (error) throw error;
        if (rows.full.length) {
          held = rows.full.shift()!;
          if (rows.full.length < 2) conn.resume();
          yield held;
          if (aborted()) throw cancelled(req.schema.table);
          continue;
        }
        if (done) {
          rows.flush();
          if (rows.full.length) continue;
          break;
        }
        await new Promise<void>((r) => (wake = r));
      }
    });
  }

  async aggregate(req: AggregateRequest): Promise<RawRow[]> {
    const { sql, params } = req.build(quoteIdent(req.schema.table));
    // known once a connection is open (it tells MariaDB from MySQL)
    const stmt = () => (this.isMaria ? 'SET STATEMENT max_statement_time = 0 FOR ' + sql : sql.replace(/^SELECT /, 'SELECT /*+ MAX_EXECUTION_TIME(0) */ '));
    const out: RawRow[][] = [];
    for await (const rows of this.inSnapshot(req, async function* (conn) {
      yield await run(conn, stmt(), params);
    })) out.push(rows);
    return out[0];
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

  async intKeyExtent(schema: TableSchema): Promise<{ min: string; max: string } | undefined> {
    const k = quoteIdent(sqlName(keyColumns(schema)[0]));
    const rows = await this.query(`SELECT CAST(MIN(${k}) AS CHAR), CAST(MAX(${k}) AS CHAR) FROM ${quoteIdent(schema.table)}`, []);
    return rows[0][0] === null ? undefined : { min: String(rows[0][0]), max: String(rows[0][1]) };
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
