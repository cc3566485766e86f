// PostgreSQL engine over `pg`: read-only UTC sessions, every value as server text, scans
// as cursors in REPEATABLE READ READ ONLY transactions, cancellation via pg_cancel_backend.

import pg from 'pg';
import type { ConnectionOptions } from 'tls';
import type { ColumnInfo, KeyRange, KeyTuple, TableSchema } from '../../core/types';
import { familyOf, makeKeyEncoder } from '../../canonical';
import { lockTimeoutMs, type AggregateRequest, type ByteBatch, type Engine, type OpenOptions, type RawRow, type ScanRequest } from '../engine';
import { keyColumns, literalRangeWhere, orderBy, quoteIdent, quoteTable, rangeWhere, selectExpr, splitTableName, sqlName } from './dialect';
import { copyBatches, CopyOut } from './copy';
import { engineError } from './errors';

export interface PgConnConfig {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  ssl: false | ConnectionOptions;
}

/** pg-cursor (the package pg-query-stream is built on) ships no type declarations. */
interface PgCursor extends pg.Submittable {
  read(rows: number): Promise<unknown[]>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Cursor = require('pg-cursor') as new (text: string, values: unknown[], config: { rowMode: 'array'; types: unknown }) => PgCursor;

/** Every value arrives as the server's text: no Date, no Number, no JSON.parse. */
const TEXT_TYPES = { getTypeParser: () => (v: string) => v };

/** Session settings that make text output canonical-friendly and the session read-only. */
const SESSION_OPTIONS = [
  'default_transaction_read_only=on',
  'TimeZone=UTC',
  'DateStyle=ISO,YMD',
  'IntervalStyle=postgres',
  'extra_float_digits=3', // shortest round-trip float text (R14)
  'bytea_output=hex',
  'client_encoding=UTF8',
  'standard_conforming_strings=on', // '' is the only escape in a literal (COPY's key bounds)
]
  .map((o) => `-c ${o}`)
  .join(' ');

export class PostgresEngine implements Engine {
  readonly dialect = 'postgres' as const;
  readonly endpoint: string;
  private readonly pool: pg.Pool;
  private readonly clientConfig: pg.ClientConfig;

  constructor(cfg: PgConnConfig, opts: OpenOptions) {
    this.endpoint = `${cfg.host}:${cfg.port}`;
    this.clientConfig = {
      host: cfg.host,
      port: cfg.port,
      user: cfg.user,
      password: cfg.password,
      database: cfg.database,
      ssl: cfg.ssl,
      application_name: opts.applicationName,
      statement_timeout: opts.statementTimeoutMs,
      lock_timeout: lockTimeoutMs(opts),
      options: SESSION_OPTIONS,
      types: TEXT_TYPES,
      connectionTimeoutMillis: 30_000,
    };
    this.pool = new pg.Pool({ ...this.clientConfig, max: 8, idleTimeoutMillis: 10_000 });
    // an idle client's socket error must not crash the process; the next query reports it
    this.pool.on('error', () => {});
    // pg-pool drops its idle listener while a client is checked out, so a socket error then
    // (a terminated backend: EPIPE from the cursor's Sync) is an 'error' event with no
    // listener, which ends the worker process. The query or cursor in flight already
    // rejects with the error; this listener only keeps the process alive to retry.
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  private async query(text: string, params: unknown[] = []): Promise<string[][]> {
    // always the extended protocol: one statement per call, so a crafted --where cannot chain a second one
    const r = await this.pool.query({ text, values: params, rowMode: 'array', types: TEXT_TYPES, queryMode: 'extended' } as pg.QueryConfig);
    return r.rows as string[][];
  }

  private async resolveTable(table: string): Promise<{ oid: string; schema: string; name: string; reltuples: string }> {
    const candidates: { schema: string; name: string }[] = [];
    if (table.includes('.')) candidates.push({ schema: 'public', name: table });
    candidates.push(splitTableName(table));
    const lower = splitTableName(table.toLowerCase());
    candidates.push(lower);
    for (const c of candidates) {
      const rows = await this.query(
        `SELECT c.oid::text, n.nspname, c.relname, c.reltuples::text
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
        [c.schema, c.name],
      );
      if (rows.length) return { oid: rows[0][0], schema: rows[0][1], name: rows[0][2], reltuples: rows[0][3] };
    }
    throw engineError(`table "${table}" not found in postgres at ${this.endpoint}`, 'TableNotFound', { code: '42P01' });
  }

  async introspect(table: string): Promise<TableSchema> {
    const t = await this.resolveTable(table);
    const [db] = await this.query(
      `SELECT pg_encoding_to_char(encoding), datcollate FROM pg_database WHERE datname = current_database()`,
    );
    const cols = await this.query(
      `SELECT a.attname,
              format_type(bt.oid, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END),
              (NOT a.attnotnull)::text, bt.typtype::text, bt.typcategory::text, coll.collname
         FROM pg_attribute a
         JOIN pg_type t ON t.oid = a.atttypid
         JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END
         LEFT JOIN pg_collation coll ON coll.oid = a.attcollation
        WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [t.oid],
    );
    const pk = await this.query(
      `SELECT a.attname
         FROM pg_index i
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = $1::oid AND i.indisprimary
        ORDER BY k.ord`,
      [t.oid],
    );
    const columns: ColumnInfo[] = cols.map(([attname, type, nullable, typtype, typcategory, collname]) => {
      const detail: Record<string, string | number | boolean> = {};
      if (attname !== attname.toLowerCase()) detail.sqlName = attname;
      if (typtype === 'e') detail.enum = true;
      if (typcategory === 'A') detail.array = true;
      const mod = /\((\d+)(?:,(\d+))?\)/.exec(type);
      if (mod && type.startsWith('numeric')) {
        detail.precision = Number(mod[1]);
        detail.scale = Number(mod[2] ?? 0);
      } else if (mod && (type.startsWith('character') || type.startsWith('bit'))) detail.length = Number(mod[1]);
      const family = familyOf('postgres', type, detail);
      const info: ColumnInfo = { name: attname.toLowerCase(), nativeType: type, family, nullable: nullable === 'true' };
      if (collname) {
        info.charset = db[0];
        info.collation = collname === 'default' ? db[1] : collname;
      }
      if (Object.keys(detail).length) info.detail = detail;
      return info;
    });
    return {
      dialect: 'postgres',
      table,
      columns,
      primaryKey: pk.map((r) => r[0].toLowerCase()),
      rowEstimate: Math.max(0, Math.round(Number(t.reltuples) || 0)),
    };
  }

  private readonly resolved = new Map<string, string>();

  /** The quoted, resolved table name. */
  private async tableSql(schema: TableSchema): Promise<string> {
    let q = this.resolved.get(schema.table);
    if (!q) {
      const t = await this.resolveTable(schema.table);
      q = quoteTable(t.schema, t.name);
      this.resolved.set(schema.table, q);
    }
    return q;
  }

  /** The scan's select list, table and key columns. */
  private async scanParts(req: ScanRequest): Promise<{ table: string; select: string[]; keys: ColumnInfo[] }> {
    const { schema } = req;
    const table = await this.tableSql(schema);
    const byName = new Map(schema.columns.map((c) => [c.name, c]));
    const select = req.columns.map((n) => {
      const c = byName.get(n.toLowerCase());
      if (!c) throw new Error(`column "${n}" not in ${schema.table}`);
      return selectExpr(c);
    });
    return { table, select, keys: keyColumns(schema) };
  }

  /**
   * Runs `body` on one pooled session inside a REPEATABLE READ READ ONLY transaction with no
   * statement timeout (a scan is long by design; the signal bounds it instead). An abort
   * cancels the backend's query; a session left mid-query is closed, not pooled.
   */
  private async *inSnapshot<T>(req: Pick<ScanRequest, 'schema' | 'signal'>, body: (client: pg.PoolClient, aborted: () => boolean) => AsyncIterable<T>): AsyncGenerator<T> {
    const table = req.schema.table;
    if (req.signal?.aborted) throw cancelled(table);
    const client = await this.pool.connect();
    let clean = false;
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      void this.cancelBackend((client as unknown as { processID: number }).processID);
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query('SET LOCAL statement_timeout = 0');
      yield* body(client, () => aborted);
      await client.query('COMMIT');
      clean = true;
    } catch (err) {
      if (aborted || req.signal?.aborted) throw cancelled(table, err);
      throw err;
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
      // a cursor or COPY left open (consumer stopped early, error, cancel) dies with its connection
      client.release(clean ? undefined : true);
    }
  }

  async *scan(req: ScanRequest): AsyncIterable<RawRow[]> {
    const { table, select, keys } = await this.scanParts(req);
    const w = rangeWhere(keys, req.range, req.after, req.where);
    const sql = `SELECT ${select.join(', ')} FROM ${table} ${w.sql} ${orderBy(keys)}`;
    yield* this.inSnapshot(req, async function* (client, aborted) {
      const fetchSize = Math.max(1, req.fetchSize | 0);
      // pg-cursor's read(n) hands over n rows at once: no per-row Readable, async iterator
      // and microtask (bench/README.md, finding 4). One read is always in flight ahead of the
      // consumer, so the server sends the next rows while this batch is being hashed.
      const readSize = Math.min(fetchSize, 10_000);
      const cursor = client.query(new Cursor(sql, w.params, { rowMode: 'array', types: TEXT_TYPES }));
      const ahead = (): Promise<unknown[]> => {
        const p = cursor.read(readSize);
        // an early stop leaves this read unanswered or failing; its error is seen when awaited
        p.catch(() => {});
        return p;
      };
      let next = ahead();
      let batch: RawRow[] = [];
      for (;;) {
        const rows = (await next) as RawRow[];
        if (rows.length === 0) break;
        next = ahead();
        if (batch.length === 0 && rows.length === fetchSize) {
          yield rows;
          if (aborted()) throw cancelled(req.schema.table);
          continue;
        }
        for (const row of rows) {
          batch.push(row);
          if (batch.length >= fetchSize) {
            yield batch;
            batch = [];
            if (aborted()) throw cancelled(req.schema.table);
          }
        }
      }
      if (batch.length) yield batch;
    });
  }

  /**
   * The scan as COPY … TO STDOUT, split into fields without a string per value (finding 18).
   * COPY takes no parameters, so key bounds are written as quoted literals; a user predicate
   * is refused (the simple protocol would let it chain a second statement).
   */
  scanBytes(req: ScanRequest): AsyncIterable<ByteBatch> | undefined {
    // a user predicate: COPY runs on the simple protocol, where it could chain a statement;
    // a database that is not UTF8 (SQL_ASCII) may send bytes the string path would have
    // decoded to U+FFFD, where the byte writers copy them as they came
    if (req.where) return undefined;
    if (!req.schema.columns.every((c) => c.charset === undefined || c.charset.toUpperCase() === 'UTF8')) return undefined;
    return this.copyScan(req);
  }

  private async *copyScan(req: ScanRequest): AsyncGenerator<ByteBatch> {
    const { table, select, keys } = await this.scanParts(req);
    const sql = `COPY (SELECT ${select.join(', ')} FROM ${table} ${literalRangeWhere(keys, req.range, req.after)} ${orderBy(keys)}) TO STDOUT`;
    yield* this.inSnapshot(req, async function* (client, aborted) {
      const copy = client.query(new CopyOut(sql) as unknown as pg.Submittable) as unknown as CopyOut;
      for await (const batch of copyBatches(copy.chunks(), select.length, Math.max(1, req.fetchSize | 0))) {
        yield batch;
        if (aborted()) throw cancelled(req.schema.table);
      }
    });
  }

  async aggregate(req: AggregateRequest): Promise<RawRow[]> {
    const table = await this.tableSql(req.schema);
    const { sql, params } = req.build(table);
    const out: RawRow[][] = [];
    for await (const rows of this.inSnapshot(req, async function* (client) {
      // JIT-compiling a pushdown query's nested segment CASE takes far longer than running it
      // (measured: 54 s vs 5 s for 3907 segments over 1M rows)
      await client.query('SET LOCAL jit = off');
      yield (await client.query({ text: sql, values: params, rowMode: 'array', types: TEXT_TYPES })).rows as RawRow[];
    })) out.push(rows);
    return out[0];
  }

  private async cancelBackend(pid: number): Promise<void> {
    const c = new pg.Client({ ...this.clientConfig, application_name: 'parity:cancel' });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch {
      // best effort: the scan's connection is destroyed on release anyway
    } finally {
      await c.end().catch(() => {});
    }
  }

  async sampleKeys(schema: TableSchema, n: number, where?: string): Promise<KeyTuple[]> {
    if (n <= 0) return [];
    const table = await this.tableSql(schema);
    const keys = keyColumns(schema);
    const sel = keys.map((c) => quoteIdent(sqlName(c))).join(', ');
    const w = where ? `WHERE (${where})` : '';
    let rows: RawRow[] = [];
    // a Bernoulli sample of ~1.25 n rows when the table is well over n rows, else every key
    if (schema.rowEstimate > n * 2) {
      const pct = Math.min(100, (100 * n * 1.25) / schema.rowEstimate);
      // BERNOULLI (rows), not SYSTEM (pages): a page sample comes in clumps of consecutive
      // keys, and boundaries taken from it made segments of 4 rows next to segments of
      // thousands — refinement then re-read ~2.5x the rows (bench, 2026-11-26)
      rows = await this.query(`SELECT ${sel} FROM ${table} TABLESAMPLE BERNOULLI (${pct.toFixed(6)}) ${w}`);
    }
    if (rows.length === 0) rows = await this.query(`SELECT ${sel} FROM ${table} ${w} LIMIT ${Math.max(n * 50, 100_000)}`);
    const enc = makeKeyEncoder(keys.map((k) => k.family));
    return spread(rows, n).map(enc);
  }

  async count(schema: TableSchema, range: KeyRange, where?: string): Promise<number> {
    const table = await this.tableSql(schema);
    const w = rangeWhere(keyColumns(schema), range, undefined, where);
    const rows = await this.query(`SELECT count(*)::text FROM ${table} ${w.sql}`, w.params);
    return Number(rows[0][0]);
  }

  async intKeyExtent(schema: TableSchema): Promise<{ min: string; max: string } | undefined> {
    const k = quoteIdent(sqlName(keyColumns(schema)[0]));
    const rows = await this.query(`SELECT min(${k})::text, max(${k})::text FROM ${await this.tableSql(schema)}`, []);
    return rows[0][0] === null ? undefined : { min: String(rows[0][0]), max: String(rows[0][1]) };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Up to n rows taken evenly from rows. */
export function spread<T>(rows: T[], n: number): T[] {
  if (rows.length <= n) return rows;
  const out: T[] = [];
  const step = rows.length / n;
  for (let i = 0; i < n; i++) out.push(rows[Math.floor(i * step)]);
  return out;
}

function cancelled(table: string, cause?: unknown): Error {
  return engineError(`scan of ${table} cancelled`, 'Cancelled', cause ? { cause } : {});
}
