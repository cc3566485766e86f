// Workflow-safe types shared by workflows, activities and src/. Pure data, JSON-friendly.

export type Dialect = 'postgres' | 'mysql';

/**
 * Canonical type families (../docs/canonical-rules.md). A column pair is compared in one
 * family; each side's raw value is turned into that family's canonical bytes.
 */
export type Family =
  | 'int'
  | 'decimal'
  | 'float'
  | 'bool'
  | 'text'
  | 'char'
  | 'binary'
  | 'uuid'
  | 'json'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'enum'
  | 'unsupported';

export interface ColumnInfo {
  /** lowercase column name */
  name: string;
  /** the engine's declared type, e.g. "numeric(12,2)", "tinyint(1)", "timestamp with time zone" */
  nativeType: string;
  /** the family this side's type maps to on its own (pairing may refine it, e.g. tinyint(1) ↔ boolean) */
  family: Family;
  nullable: boolean;
  charset?: string;
  collation?: string;
  /** free-form detail the encoder needs, e.g. {unsigned: true}, {scale: 2}, {length: 10} */
  detail?: Record<string, string | number | boolean>;
}

export interface TableSchema {
  dialect: Dialect;
  /** as the user named it (schema-qualified for PostgreSQL when given) */
  table: string;
  columns: ColumnInfo[];
  /** primary key column names, in key order */
  primaryKey: string[];
  rowEstimate: number;
  /**
   * A one-column integer key's least and greatest value (introspect gives it, two index
   * lookups): the workflow plans equal widths from it without a sampling activity.
   */
  keyExtent?: { min: string; max: string };
}

/** A key as R10/R10a text forms, one string per key column, in key column order. */
export type KeyTuple = string[];

/** How one column is compared: the family both sides are encoded in. */
export interface ColumnPair {
  name: string;
  family: Family;
  source: ColumnInfo;
  target: ColumnInfo;
  isKey: boolean;
  /** masking applied to this column's canonical bytes */
  mask?: 'tokenize' | 'exclude';
}

export interface SchemaCheck {
  /** columns compared, keys first in key order, then the rest by name */
  columns: ColumnPair[];
  /** reasons the run must halt (missing columns, incompatible types, key mismatch, no key) */
  halts: string[];
  /** noteworthy but harmless differences (charset, collation, nullability) */
  findings: string[];
  /** columns present on both sides that are not compared, with the reason */
  notCompared: { column: string; reason: string }[];
}

/** A half-open range of keys in canonical key order: lo inclusive, hi exclusive; undefined = open end. */
export interface KeyRange {
  lo?: KeyTuple;
  hi?: KeyTuple;
}

export type DiffKind = 'missing_in_target' | 'extra_in_target' | 'changed';

export interface DiffRecord {
  table: string;
  key: KeyTuple;
  kind: DiffKind;
  columns: string[];
}
