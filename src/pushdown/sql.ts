// SQL for pushdown digests: each engine turns a row into one canonical text (the same bytes
// on both engines for data equal under RULES.md), hashes it with MD5, and sums the hashes
// per segment. docs/pushdown.md has the text forms and the reasoning; no I/O here.

import { baseTypeName } from '../canonical';
import { boundSql, type BoundValue, type KeyBoundColumn } from '../canonical/bounds';
import { arithmeticProgression } from '../core/segments';
import type { ColumnInfo, ColumnPair, Dialect, Family, KeyRange, KeyTuple, TableSchema } from '../core/types';
import * as my from '../engines/mysql/dialect';
import * as pg from '../engines/postgres/dialect';

/**
 * One column's part of the row text: a list of fields joined by ','. The first field is
 * never NULL ('N' stands for SQL NULL, R11); later fields are NULL only when the value is, and
 * are then left out (concat_ws / CONCAT_WS skip NULLs). Free text is written as
 * '<byte length>,<bytes>', so a ',' inside a value cannot move a column boundary.
 */
type Fields = string[];

const NULL_MARK = "'N'";

/** Families whose canonical text both engines can write in SQL. */
export const PUSHDOWN_FAMILIES: ReadonlySet<Family> = new Set<Family>([
  'int', 'decimal', 'bool', 'text', 'char', 'enum', 'uuid', 'binary', 'date', 'time', 'timestamp', 'timestamptz',
]);

// ---------------------------------------------------------------- PostgreSQL

function pgNullable(col: ColumnInfo, e: string): string {
  return col.nullable ? `coalesce(${e}, ${NULL_MARK})` : e;
}

function pgFree(col: ColumnInfo, text: string, len?: string): Fields {
  return [pgNullable(col, len ?? `octet_length(${text})::text`), text];
}

/** PostgreSQL fields for one column of a pair compared in `family`. */
export function pgFields(family: Family, col: ColumnInfo): Fields {
  const q = pg.quoteIdent(pg.sqlName(col));
  const base = baseTypeName(col.nativeType);
  switch (family) {
    case 'int':
      return [pgNullable(col, `${q}::text`)];
    case 'decimal':
      // trim_scale (PostgreSQL 13+): 1.500 → 1.5, 0.000 → 0; numeric text has no exponent
      return [pgNullable(col, base === 'numeric' ? `trim_scale(${q})::text` : `${q}::text`)];
    case 'bool':
      // true/false → 1/0; an integer column keeps its value, so 2 differs from both (R15)
      return [pgNullable(col, base === 'boolean' ? `${q}::int::text` : `${q}::text`)];
    case 'date':
      // DateStyle ISO (session): YYYY-MM-DD; BC, infinity and 5-digit years keep their own text (R31)
      return [pgNullable(col, `${q}::text`)];
    case 'time':
      return [pgNullable(col, `to_char(${q}, 'HH24:MI:SS.US')`)];
    case 'timestamp':
    case 'timestamptz': {
      // 'YYYY-MM-DD HH:MM:SS.ffffff' + AD/BC; timestamptz as UTC wall-clock time (R25, R27);
      // to_char gives NULL for ±infinity, which then keeps its own text (R31)
      const v = base === 'timestamp with time zone' ? `(${q} AT TIME ZONE 'UTC')` : q;
      const parts = [`to_char(${v}, 'YYYY-MM-DD HH24:MI:SS.USBC')`, `${q}::text`];
      if (col.nullable) parts.push(NULL_MARK);
      return [`coalesce(${parts.join(', ')})`];
    }
    case 'binary':
      return [pgNullable(col, `encode(${q}, 'hex')`)];
    case 'char':
      // bpchar → text drops the pad spaces; a varchar paired with CHAR drops its own (R17)
      return pgFree(col, base === 'character' || base === 'bpchar' ? `${q}::text` : `rtrim(${q}::text, ' ')`);
    case 'uuid':
      if (base === 'uuid') return pgFree(col, `${q}::text`, col.nullable ? `(CASE WHEN ${q} IS NULL THEN ${NULL_MARK} ELSE '36' END)` : "'36'");
      return pgFree(col, `${q}::text`);
    case 'text':
    case 'enum':
      return pgFree(col, `${q}::text`);
    default:
      throw new Error(`pushdown: column "${col.name}" (${col.nativeType}, compared as ${family}) has no SQL canonical form`);
  }
}

// ---------------------------------------------------------------- MySQL / MariaDB

const UTF8_CHARSETS = new Set(['utf8mb4', 'utf8mb3', 'utf8', 'ascii']);

function myNullable(col: ColumnInfo, e: string): string {
  return col.nullable ? `IFNULL(${e}, ${NULL_MARK})` : e;
}

/** The column's text as UTF-8 bytes (a binary string: no collation can interfere). */
function myBytes(col: ColumnInfo, q: string): string {
  if (my.dataType(col) === 'uuid') return q;
  if (UTF8_CHARSETS.has((col.charset ?? 'utf8mb4').toLowerCase())) return `CAST(${q} AS BINARY)`;
  return `CAST(CONVERT(${q} USING utf8mb4) AS BINARY)`;
}

function myFree(col: ColumnInfo, text: string, length = `LENGTH(${text})`): Fields {
  return [myNullable(col, length), text];
}

/** A UTF-8 column's byte length: LENGTH counts bytes in the column's own charset (no copy). */
function myUtf8Length(col: ColumnInfo, q: string): string | undefined {
  if (my.dataType(col) === 'uuid') return undefined;
  return UTF8_CHARSETS.has((col.charset ?? 'utf8mb4').toLowerCase()) ? `LENGTH(${q})` : undefined;
}

/** '…(6)' in the declared type: the column already prints six fractional digits. */
function hasMicros(col: ColumnInfo): boolean {
  return /\(6\)/.test(col.nativeType);
}

/** MySQL/MariaDB fields for one column of a pair compared in `family`. */
export function myFields(family: Family, col: ColumnInfo): Fields {
  const q = my.quoteIdent(my.sqlName(col));
  const dt = my.dataType(col);
  switch (family) {
    case 'int':
    case 'bool':
      // TINYINT(1) prints 0/1 like boolean::int; 2 stays 2 (R15)
      return [myNullable(col, q)];
    case 'decimal': {
      const scale = typeof col.detail?.scale === 'number' ? col.detail.scale : 0;
      if ((dt === 'decimal' || dt === 'numeric') && scale > 0) {
        return [myNullable(col, `TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM ${q}))`)];
      }
      return [myNullable(col, q)];
    }
    case 'date':
      return [myNullable(col, q)];
    case 'time':
      return [myNullable(col, hasMicros(col) ? q : `CAST(${q} AS TIME(6))`)];
    case 'timestamp':
    case 'timestamptz': {
      // DATETIME as stored; TIMESTAMP in the session time zone, which is UTC (R26)
      const v = hasMicros(col) ? q : `CAST(${q} AS DATETIME(6))`;
      return [myNullable(col, `CONCAT(${v}, 'AD')`)];
    }
    case 'binary':
      return [myNullable(col, `LOWER(HEX(${q}))`)];
    case 'char':
      // CHAR drops pad spaces on read; a VARCHAR paired with CHAR drops its own (R17)
      return myFree(col, `RTRIM(${myBytes(col, q)})`);
    case 'uuid':
    case 'text':
    case 'enum':
      return myFree(col, myBytes(col, q), myUtf8Length(col, q));
    default:
      throw new Error(`pushdown: column "${col.name}" (${col.nativeType}, compared as ${family}) has no SQL canonical form`);
  }
}

// ---------------------------------------------------------------- segments and query

interface DialectPieces {
  keyExpr(col: ColumnInfo): string;
  keyBoundColumn(col: ColumnInfo): KeyBoundColumn;
  keyColumns(schema: TableSchema): ColumnInfo[];
}

const PIECES: Record<Dialect, DialectPieces> = { postgres: pg, mysql: my };

/**
 * SQL for the segment offset of a row within its partition: the number of `inner`
 * boundaries ≤ its key, as a nested CASE (a binary search: log2(segments) comparisons per
 * row), using the same key-bound SQL as the scans so assignment equals compareKeys'.
 */
export function segmentCaseSql(
  dialect: Dialect,
  keyCols: ColumnInfo[],
  inner: KeyTuple[],
  bind: (value: BoundValue, col: KeyBoundColumn) => string,
): string {
  const p = PIECES[dialect];
  const cols = keyCols.map(p.keyBoundColumn);
  const exprs = keyCols.map(p.keyExpr);
  const node = (a: number, b: number): string => {
    if (a === b) return String(a);
    const mid = (a + b + 1) >> 1;
    // segments a..mid-1 lie below inner[mid-1], segments mid..b at or above it
    const below = boundSql(cols, exprs, inner[mid - 1], '<', bind);
    if (below === 'TRUE') return node(a, mid - 1);
    if (below === 'FALSE') return node(mid, b);
    return `CASE WHEN ${below} THEN ${node(a, mid - 1)} ELSE ${node(mid, b)} END`;
  };
  return node(0, inner.length);
}

const SPAN = 1n << 62n;

/**
 * `inner` as b0 + j·step (one integer key column), the shape of an equal-width plan
 * (equalWidthBoundaries): a row's segment offset is then arithmetic instead of a nested CASE
 * (MariaDB, 500k rows in 3,906 segments: 1.21 -> 1.07 s). Undefined for any other list, or
 * one past ±2^62 (the SQL's subtraction stays inside BIGINT).
 */
export function arithmeticInner(inner: KeyTuple[]): { b0: bigint; step: bigint } | undefined {
  const a = arithmeticProgression(inner);
  return a && a.b0 >= -SPAN && a.b0 + BigInt(inner.length) * a.step <= SPAN ? a : undefined;
}

/** The number of inner boundaries ≤ the key, by arithmetic (see arithmeticInner). */
export function arithmeticSegmentSql(dialect: Dialect, keyCol: ColumnInfo, a: { b0: bigint; step: bigint }, n: number): string {
  const k = dialect === 'postgres' ? `${pg.keyExpr(keyCol)}::bigint` : my.keyExpr(keyCol);
  const div = dialect === 'postgres' ? '/' : 'DIV';
  // the first two arms keep the subtraction in range (and an UNSIGNED one from going below 0)
  return `CASE WHEN ${k} < ${a.b0} THEN 0 WHEN ${k} >= ${a.b0 + BigInt(n) * a.step} THEN ${n} ELSE (${k} - ${a.b0}) ${div} ${a.step} + 1 END`;
}

export interface PushdownQueryInput {
  schema: TableSchema;
  pairs: ColumnPair[];
  side: 'source' | 'target';
  range: KeyRange;
  inner: KeyTuple[];
  where?: string;
}

/**
 * The aggregate query for one partition on one engine. Result rows: segment offset, row
 * count, and Σ of each row's MD5 high 64 bits read as a signed integer (exact: both engines
 * sum integers in exact numerics). The segment digest is that sum mod 2^64 (sumDigest).
 * One lane, not two: a differing segment then goes unnoticed with probability 2^-64, and
 * the second lane cost MariaDB ~20 % of the query (a DECIMAL multiply-add per row).
 */
export function pushdownQuery(dialect: Dialect, input: PushdownQueryInput): (table: string) => { sql: string; params: unknown[] } {
  const keyCols = PIECES[dialect].keyColumns(input.schema);
  const fields = input.pairs.flatMap((p) => (dialect === 'postgres' ? pgFields : myFields)(p.family, p[input.side]));
  const arith = keyCols.length === 1 && keyCols[0].family === 'int' ? arithmeticInner(input.inner) : undefined;
  return (table) => {
    if (dialect === 'postgres') {
      const params: unknown[] = [];
      const seg = arith
        ? arithmeticSegmentSql('postgres', keyCols[0], arith, input.inner.length)
        : segmentCaseSql('postgres', keyCols, input.inner, (v, c) => {
            params.push(c.toParam(v));
            return c.cast(`$${params.length}`, v);
          });
      const w = pg.rangeWhere(keyCols, input.range, undefined, input.where, params.length + 1);
      params.push(...w.params);
      const h = `left(md5(concat_ws(',', ${fields.join(', ')})), 16)`;
      // one segment: a plain aggregate (200k rows on an idle machine: the subquery form below
      // with a constant segment took 750 ms, this 364 ms, and 1,563 segments 443 ms)
      if (!input.inner.length) return { sql: `SELECT 0, count(*)::text, sum(('x' || ${h})::bit(64)::bigint)::text FROM ${table} ${w.sql}`, params };
      // the subquery (kept by OFFSET 0) computes each row's segment once: grouping on the
      // CASE itself measured 1.6x slower over 7,813 segments
      const sql =
        `SELECT seg, count(*)::text, sum(('x' || h)::bit(64)::bigint)::text ` +
        `FROM (SELECT ${seg} AS seg, ${h} AS h FROM ${table} ${w.sql} OFFSET 0) d GROUP BY seg`;
      return { sql, params };
    }
    const params: unknown[] = [];
    const seg = arith ? arithmeticSegmentSql('mysql', keyCols[0], arith, input.inner.length) : segmentCaseSql('mysql', keyCols, input.inner, (v, c) => {
      // integer bounds inline as integer literals: MariaDB re-evaluated CAST('…' AS SIGNED)
      // in every comparison of every row (12 % of the partition query); exact for the
      // column's whole range, unsigned BIGINT included
      if (c.intRange && /^-?\d{1,20}$/.test(v) && BigInt(v) >= c.intRange[0] && BigInt(v) <= c.intRange[1]) return v;
      params.push(c.toParam(v));
      return c.cast('?', v);
    });
    const w = my.rangeWhere(keyCols, input.range, undefined, input.where);
    params.push(...w.params);
    // one segment: no GROUP BY (an empty range then gives one row of count 0, skipped);
    // ORDER BY NULL: MariaDB would sort the groups otherwise (a filesort, ~6 % of the query)
    const sql =
      `SELECT ${seg} AS seg, COUNT(*), SUM(CAST(CONV(LEFT(MD5(CONCAT_WS(',', ${fields.join(', ')})), 16), 16, -10) AS SIGNED)) ` +
      `FROM ${table} ${w.sql}${input.inner.length ? ' GROUP BY seg ORDER BY NULL' : ''}`;
    return { sql, params };
  };
}

const MOD = 1n << 64n;

/** The sum column (decimal text, either engine) → the segment's digest: the sum mod 2^64 as 16 lowercase hex digits. */
export function sumDigest(sum: string): string {
  const v = BigInt(sum);
  return (((v % MOD) + MOD) % MOD).toString(16).padStart(16, '0');
}
