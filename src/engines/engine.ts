// The port every database engine implements. Workflows never see it; activities and the
// digest code use it. Values are read losslessly: strings or Buffers, never JS Number/Date.

import type { Dialect, KeyRange, KeyTuple, TableSchema } from '../core/types';

/** One raw value as the driver delivered it: text, bytes (binary columns), or NULL. */
export type RawValue = string | Buffer | null;
export type RawRow = RawValue[];

/**
 * Rows as byte ranges of one buffer: value (r, c) is buf[starts[r*cols+c], ends[r*cols+c]),
 * the server's text of it as UTF-8, or NULL where start is -1. Valid until the next batch.
 */
export interface ByteBatch {
  buf: Buffer;
  rows: number;
  cols: number;
  starts: Int32Array;
  ends: Int32Array;
}

export interface ScanRequest {
  schema: TableSchema;
  /** columns to select, in this order (key columns first, in key order) */
  columns: string[];
  /**
   * restrict to this canonical-key range, or to the union of several disjoint ranges in
   * ascending order (one query for many refinement segments; rows still in key order)
   */
  range: KeyRange | KeyRange[];
  /** resume: only keys strictly after this one (checkpoint) */
  after?: KeyTuple;
  /** extra user predicate, applied verbatim on both sides (validated beforehand) */
  where?: string;
  /** rows per batch delivered to the consumer */
  fetchSize: number;
  /** aborting cancels the running query on the server */
  signal?: AbortSignal;
}

export interface OpenOptions {
  /** shows in pg_stat_activity.application_name / MariaDB connection attributes */
  applicationName: string;
  /** per-statement timeout */
  statementTimeoutMs?: number;
  /**
   * How long a statement may wait for a lock (default LOCK_TIMEOUT_MS). Parity only reads,
   * but a read waits behind DDL (PostgreSQL ACCESS EXCLUSIVE, MariaDB metadata locks such as
   * LOCK TABLES … WRITE) for as long as it is held, heartbeating all the while; bounded, the
   * wait ends as a Timeout, which Temporal retries with backoff.
   */
  lockTimeoutMs?: number;
}

/** default lock wait: PARITY_LOCK_TIMEOUT_MS, else 60 s */
export function lockTimeoutMs(opts: OpenOptions): number {
  if (opts.lockTimeoutMs !== undefined) return opts.lockTimeoutMs;
  const env = Number(process.env.PARITY_LOCK_TIMEOUT_MS);
  return Number.isFinite(env) && env > 0 ? env : 60_000;
}

/**
 * One read-only aggregate SELECT built by the caller in this engine's dialect (pushdown
 * digests, src/pushdown). `build` receives the resolved, quoted table name and returns the
 * SQL with its parameters in the dialect's placeholder style ($n for PostgreSQL, ? for
 * MySQL/MariaDB).
 */
export interface AggregateRequest {
  schema: TableSchema;
  build(table: string): { sql: string; params: unknown[] };
  /** aborting cancels the running query on the server */
  signal?: AbortSignal;
}

export interface Engine {
  readonly dialect: Dialect;
  /** host:port, for messages (never the password) */
  readonly endpoint: string;
  introspect(table: string): Promise<TableSchema>;
  /**
   * Rows whose key lies in the range, in canonical key order (byte order of R10a key text
   * for text keys, numeric for numbers, chronological for temporal keys — the order of
   * compareKeys in src/canonical), each row's values in request.columns order.
   * Runs inside a READ ONLY transaction with a consistent snapshot.
   */
  scan(request: ScanRequest): AsyncIterable<RawRow[]>;
  /**
   * Optional: scan's rows as bytes, without a string per value: every value as the UTF-8
   * text the string scan would decode. Undefined when this engine cannot deliver this
   * request so (PostgreSQL: a `where`, a non-UTF8 database; MySQL: binary columns).
   */
  scanBytes?(request: ScanRequest): AsyncIterable<ByteBatch> | undefined;
  /** up to n key tuples spread over the table (for partition planning), unordered */
  sampleKeys(schema: TableSchema, n: number, where?: string): Promise<KeyTuple[]>;
  /**
   * Optional (pushdown mode): runs one aggregate SELECT in a READ ONLY transaction, with no
   * statement timeout (the signal bounds it), every value as text.
   */
  aggregate?(req: AggregateRequest): Promise<RawRow[]>;
  /** exact row count in a range (and under where) */
  count(schema: TableSchema, range: KeyRange, where?: string): Promise<number>;
  /**
   * The least and greatest key of a one-column integer key, as the server prints them
   * (index lookups at both ends); undefined for an empty table.
   */
  intKeyExtent(schema: TableSchema): Promise<{ min: string; max: string } | undefined>;
  close(): Promise<void>;
}
