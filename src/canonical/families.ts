// Native type → family, and the schema pre-check that pairs source and target columns
// (R1, R12–R31). The table of mappings is in docs/canonical-rules.md.

import type { ColumnInfo, ColumnPair, Dialect, Family, SchemaCheck, TableSchema } from '../core/types';
import { compareCodePoints } from './order';

/** Families whose values can order and identify rows. */
export const KEY_FAMILIES: ReadonlySet<Family> = new Set<Family>([
  'int', 'decimal', 'text', 'char', 'uuid', 'date', 'timestamp', 'timestamptz', 'binary', 'bool',
]);

/** 'numeric(12,2)' → 'numeric'; 'time(3) without time zone' → 'time without time zone'. */
export function baseTypeName(nativeType: string): string {
  return nativeType.toLowerCase().replace(/\([^)]*\)/g, '').replace(/\s+/g, ' ').trim();
}

const PG_FAMILIES: Record<string, Family> = {
  smallint: 'int',
  integer: 'int',
  bigint: 'int',
  numeric: 'decimal',
  real: 'float',
  'double precision': 'float',
  boolean: 'bool',
  text: 'text',
  'character varying': 'text',
  citext: 'text',
  name: 'text',
  character: 'char',
  bpchar: 'char',
  bytea: 'binary',
  uuid: 'uuid',
  json: 'json',
  jsonb: 'json',
  date: 'date',
  'time without time zone': 'time',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
};

const MYSQL_FAMILIES: Record<string, Family> = {
  tinyint: 'int',
  smallint: 'int',
  mediumint: 'int',
  int: 'int',
  integer: 'int',
  bigint: 'int',
  year: 'int',
  decimal: 'decimal',
  numeric: 'decimal',
  float: 'float',
  double: 'float',
  'double precision': 'float',
  real: 'float',
  char: 'char',
  varchar: 'text',
  tinytext: 'text',
  text: 'text',
  mediumtext: 'text',
  longtext: 'text',
  json: 'json',
  binary: 'binary',
  varbinary: 'binary',
  tinyblob: 'binary',
  blob: 'binary',
  mediumblob: 'binary',
  longblob: 'binary',
  uuid: 'uuid',
  date: 'date',
  time: 'time',
  datetime: 'timestamp',
  timestamp: 'timestamptz',
  enum: 'enum',
};

/**
 * The family one side's column maps to on its own. `detail` may carry {enum: true} (a
 * PostgreSQL enum type), {array: true}, or {json: true} (a MariaDB LONGTEXT with a
 * json_valid check).
 */
export function familyOf(dialect: Dialect, nativeType: string, detail?: ColumnInfo['detail']): Family {
  if (detail?.array === true || nativeType.endsWith('[]')) return 'unsupported';
  if (dialect === 'postgres') {
    if (detail?.enum === true) return 'enum';
    return PG_FAMILIES[baseTypeName(nativeType)] ?? 'unsupported';
  }
  const base = /^[a-z]+(?: precision)?/.exec(nativeType.toLowerCase())?.[0] ?? '';
  const fam = MYSQL_FAMILIES[base] ?? 'unsupported';
  if (fam === 'text' && detail?.json === true) return 'json';
  return fam;
}

/** PostgreSQL real / MariaDB FLOAT: values are float32 and compare as float32 (R14). */
export function isFloat32(col: ColumnInfo): boolean {
  const b = baseTypeName(col.nativeType);
  return b === 'real' || b === 'float' || b.startsWith('float ');
}

function isTinyint(col: ColumnInfo): boolean {
  return baseTypeName(col.nativeType).startsWith('tinyint');
}

type Pairing = { family: Family; finding?: string } | { halt: string } | { skip: string };

function describe(col: ColumnInfo): string {
  return col.nativeType;
}

function pairFamily(name: string, s: ColumnInfo, t: ColumnInfo): Pairing {
  const sf = s.family;
  const tf = t.family;
  const notComparable = {
    halt: `column "${name}": ${describe(s)} in source vs ${describe(t)} in target are not comparable`,
  };
  if (sf === 'unsupported' || tf === 'unsupported') {
    const which = sf === 'unsupported' ? `${describe(s)} in source` : `${describe(t)} in target`;
    return { skip: `type ${which} has no comparison rule yet` };
  }
  const has = (a: Family, b: Family) => (sf === a && tf === b) || (sf === b && tf === a);
  if (sf === tf) return { family: sf };
  // boolean ↔ TINYINT(1) (R15)
  if (has('bool', 'int')) {
    const intSide = sf === 'int' ? s : t;
    return isTinyint(intSide) ? { family: 'bool' } : notComparable;
  }
  if (has('int', 'decimal')) return { family: 'decimal' };
  if (has('text', 'char')) {
    return {
      family: 'char',
      finding: `column "${name}": ${describe(s)} in source vs ${describe(t)} in target: compared as CHAR, trailing spaces do not count (R17)`,
    };
  }
  if (has('enum', 'text')) return { family: 'enum' };
  if (has('enum', 'char')) return { family: 'char' };
  if (has('uuid', 'char') || has('uuid', 'text')) return { family: 'uuid' };
  if (has('json', 'text')) {
    return {
      family: 'json',
      finding: `column "${name}": ${describe(s)} in source vs ${describe(t)} in target: text compared as JSON documents; text that is not JSON differs from every document`,
    };
  }
  // timestamptz ↔ DATETIME (R25) and ↔ TIMESTAMP (R26)
  if (has('timestamptz', 'timestamp')) {
    const pgSide = s.nativeType.includes('with time zone') || t.nativeType.includes('with time zone');
    if (pgSide) return { family: 'timestamptz' };
    // PostgreSQL timestamp ↔ MariaDB TIMESTAMP: both read as UTC wall-clock time
    return {
      family: 'timestamp',
      finding: `column "${name}": ${describe(s)} in source vs ${describe(t)} in target: the TIMESTAMP side is read in UTC and compared as wall-clock time`,
    };
  }
  return notComparable;
}

const TEXTUAL: ReadonlySet<Family> = new Set<Family>(['text', 'char', 'enum', 'uuid', 'json']);

/**
 * Pairs columns by lowercase name and decides how each pair is compared.
 * Halts: no primary key, different primary keys, a missing column, incomparable types, a key
 * column of a family that cannot be a key. Findings: charset, collation and nullability
 * differences. notCompared: columns whose types have no rule yet.
 */
export function checkSchemas(
  source: TableSchema,
  target: TableSchema,
  opts: { columns?: string[] } = {},
): SchemaCheck {
  const halts: string[] = [];
  const findings: string[] = [];
  const notCompared: { column: string; reason: string }[] = [];
  const columns: ColumnPair[] = [];

  const sCols = new Map(source.columns.map((c) => [c.name.toLowerCase(), c]));
  const tCols = new Map(target.columns.map((c) => [c.name.toLowerCase(), c]));
  const sKey = source.primaryKey.map((k) => k.toLowerCase());
  const tKey = target.primaryKey.map((k) => k.toLowerCase());

  if (sKey.length === 0) halts.push(`table "${source.table}" has no primary key in source`);
  if (tKey.length === 0) halts.push(`table "${target.table}" has no primary key in target`);
  if (sKey.length && tKey.length && sKey.join('\u0000') !== tKey.join('\u0000')) {
    halts.push(
      `primary keys differ: (${sKey.join(', ')}) in source vs (${tKey.join(', ')}) in target`,
    );
  }

  let wanted: Set<string> | undefined;
  if (opts.columns) {
    wanted = new Set(opts.columns.map((c) => c.toLowerCase()));
    for (const c of wanted) {
      if (!sCols.has(c) && !tCols.has(c)) halts.push(`column "${c}" not found in source or target`);
    }
  }
  const keySet = new Set(sKey);
  const names = new Set<string>([...sCols.keys(), ...tCols.keys()]);
  const keyPairs: ColumnPair[] = [];
  const rest: ColumnPair[] = [];
  for (const name of names) {
    const isKey = keySet.has(name);
    if (wanted && !isKey && !wanted.has(name)) continue;
    const s = sCols.get(name);
    const t = tCols.get(name);
    if (!s || !t) {
      halts.push(`column "${name}" is missing in ${s ? 'target' : 'source'}`);
      continue;
    }
    const p = pairFamily(name, s, t);
    if ('halt' in p) {
      halts.push(p.halt);
      continue;
    }
    if ('skip' in p) {
      if (isKey) halts.push(`key column "${name}": ${p.skip}, so rows cannot be paired`);
      else notCompared.push({ column: name, reason: p.skip });
      continue;
    }
    if (isKey && !KEY_FAMILIES.has(p.family)) {
      halts.push(
        `key column "${name}": ${describe(s)} in source vs ${describe(t)} in target cannot be used as a key (compared as ${p.family})`,
      );
      continue;
    }
    if (p.finding) findings.push(p.finding);
    if (TEXTUAL.has(p.family)) {
      if ((s.charset ?? '') !== (t.charset ?? '') && s.charset && t.charset) {
        findings.push(`column "${name}": charset ${s.charset} in source vs ${t.charset} in target (values are compared as Unicode code points)`);
      }
      if ((s.collation ?? '') !== (t.collation ?? '') && s.collation && t.collation) {
        findings.push(`column "${name}": collation ${s.collation} in source vs ${t.collation} in target (ignored: values and keys are compared by code points)`);
      }
    }
    if (s.nullable !== t.nullable) {
      findings.push(`column "${name}": ${s.nullable ? 'nullable' : 'NOT NULL'} in source vs ${t.nullable ? 'nullable' : 'NOT NULL'} in target`);
    }
    const pair: ColumnPair = { name, family: p.family, source: s, target: t, isKey };
    (isKey ? keyPairs : rest).push(pair);
  }
  keyPairs.sort((a, b) => sKey.indexOf(a.name) - sKey.indexOf(b.name));
  rest.sort((a, b) => compareCodePoints(a.name, b.name));
  columns.push(...keyPairs, ...rest);
  notCompared.sort((a, b) => compareCodePoints(a.column, b.column));
  return { columns, halts, findings, notCompared };
}

/**
 * One side's schema with each compared column's `family` replaced by its paired family
 * (e.g. a TINYINT(1) key paired with boolean becomes 'bool'). Pass this to
 * Engine.sampleKeys / Engine.scan so key text and key bounds use the paired family.
 */
export function withPairFamilies(schema: TableSchema, pairs: ColumnPair[]): TableSchema {
  const fam = new Map(pairs.map((p) => [p.name, p.family]));
  return {
    ...schema,
    columns: schema.columns.map((c) => {
      const f = fam.get(c.name.toLowerCase());
      return f && f !== c.family ? { ...c, family: f } : c;
    }),
  };
}
