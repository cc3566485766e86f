// Config file → RunSpec, in stages: parse (YAML or JSON) → shape (zod) → cross-field rules.
// Every problem is reported at once, as `path: message`.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BadConfig } from '../errors';
import { MaskMode, RunOptions, formatIssues, parseRunSpec, type RunSpec } from './schema';
import { displayUrl, seal } from '../policy/connections';

/** yaml is loaded when a config file is read: `parity run --source … --target …` never needs it (28 ms of the CLI's start) */
const yaml = () => require('yaml') as typeof import('yaml');

export const ConfigConnection = z
  .object({
    url: z.string().optional().describe('postgres://… or mysql://…; sealed before it reaches Temporal. Omit to let workers resolve PARITY_CONN_<NAME>'),
    region: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('local').describe('region whose workers open this connection'),
  })
  .strict();

export const ConfigTable = z
  .object({
    name: z.string().optional().describe('table pair name in reports (default: the source table)'),
    source: z.string().describe('connection name of the source'),
    target: z.string().describe('connection name of the target'),
    table: z.string().optional().describe('table name on both sides (R1)'),
    sourceTable: z.string().optional().describe('source table when names differ'),
    targetTable: z.string().optional().describe('target table when names differ'),
    where: z.string().optional().describe('SQL predicate applied to both sides'),
    tags: z.record(z.string(), z.array(z.string())).default({}).describe('column → tags, e.g. {email: [pii]}'),
    mask: z.record(z.string(), MaskMode).default({}).describe('column → masking mode, overriding tag policies'),
  })
  .strict();

export const ConfigFile = z
  .object({
    connections: z.record(z.string(), ConfigConnection).describe('connections by name'),
    policies: z.record(z.string(), MaskMode).default({}).describe('tag → masking mode, e.g. {pii: tokenize}'),
    tables: z.array(ConfigTable).min(1).describe('table pairs to reconcile'),
    options: RunOptions.partial().default({}).describe('run options (see RunOptions)'),
  })
  .strict();

export type ConfigFile = z.infer<typeof ConfigFile>;

export function loadConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new BadConfig(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let data: unknown;
  if (/\.json$/i.test(path)) {
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new BadConfig(`${path}${jsonErrorAt(text, (err as Error).message)}: not valid JSON: ${(err as Error).message}`);
    }
  } else {
    const doc = yaml().parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length) {
      throw new BadConfig(doc.errors.map((e) => `${path}:${e.linePos?.[0]?.line ?? '?'}:${e.linePos?.[0]?.col ?? '?'}: ${e.message.split('\n')[0]}`).join('\n'));
    }
    data = doc.toJS();
  }
  const r = ConfigFile.safeParse(data);
  if (!r.success) throw new BadConfig(formatIssues(r.error).map((l) => `${path}: ${l}`).join('\n'));
  // cross-field: every table names connections defined in this file
  const known = Object.keys(r.data.connections);
  const unknown: string[] = [];
  r.data.tables.forEach((t, i) => {
    for (const side of ['source', 'target'] as const) {
      if (!Object.prototype.hasOwnProperty.call(r.data.connections, t[side])) {
        unknown.push(`${path}: tables[${i}].${side}: unknown connection "${t[side]}" (connections defined: ${known.join(', ') || 'none'})`);
      }
    }
  });
  if (unknown.length) throw new BadConfig(unknown.join('\n'));
  return r.data;
}

/** `:line:col` of a JSON syntax error: from the message's position when given, else from the YAML parser (JSON is YAML). */
function jsonErrorAt(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (m) {
    const before = text.slice(0, Number(m[1])).split('\n');
    return `:${before.length}:${before[before.length - 1].length + 1}`;
  }
  const pos = yaml().parseDocument(text).errors[0]?.linePos?.[0];
  return pos ? `:${pos.line}:${pos.col}` : '';
}

export function urlDialect(url: string, where: string): 'postgres' | 'mysql' {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BadConfig(`${where}: not a URL (expected postgres://user@host:port/db or mysql://user@host:port/db)`);
  }
  if (u.protocol === 'postgres:' || u.protocol === 'postgresql:') return 'postgres';
  if (u.protocol === 'mysql:' || u.protocol === 'mariadb:') return 'mysql';
  throw new BadConfig(`${where}: unsupported scheme "${u.protocol}" (use postgres://, postgresql://, mysql:// or mariadb://)`);
}

/** Builds and validates the workflow input from a config file plus CLI masks/options. */
export function specFromConfig(cfg: ConfigFile, extra: { mask?: string[]; options?: Partial<RunSpec['options']>; runId?: string }): RunSpec {
  const connections: Record<string, unknown> = {};
  for (const [name, c] of Object.entries(cfg.connections)) {
    connections[name] = c.url
      ? { region: c.region, sealed: seal(c.url), dialect: urlDialect(c.url, `connections.${name}.url`), display: displayUrl(c.url) }
      : { region: c.region };
  }
  const errors: string[] = [];
  const tables = cfg.tables.map((t, i) => {
    const sourceTable = t.sourceTable ?? t.table;
    const targetTable = t.targetTable ?? t.table ?? sourceTable;
    if (!sourceTable) errors.push(`tables[${i}]: give table (or sourceTable and targetTable)`);
    const mask: Record<string, string> = {};
    for (const [col, tags] of Object.entries(t.tags)) {
      for (const tag of tags) {
        const mode = cfg.policies[tag];
        if (mode) mask[col.toLowerCase()] = mode;
        else errors.push(`tables[${i}].tags.${col}: tag "${tag}" has no policy in policies`);
      }
    }
    for (const [col, mode] of Object.entries(t.mask)) mask[col.toLowerCase()] = mode;
    const name = t.name ?? sourceTable ?? `table${i}`;
    for (const m of extra.mask ?? []) {
      const dot = m.lastIndexOf('.');
      if (m.slice(0, dot) === name) mask[m.slice(dot + 1).toLowerCase()] = 'tokenize';
    }
    return { name, source: t.source, target: t.target, sourceTable, targetTable, where: t.where, mask };
  });
  for (const m of extra.mask ?? []) {
    const dot = m.lastIndexOf('.');
    if (dot <= 0 || !tables.some((t) => t.name === m.slice(0, dot))) errors.push(`--mask ${m}: expected TABLE.COLUMN naming a table of this run`);
  }
  if (errors.length) throw new BadConfig(errors.join('\n'));
  const r = parseRunSpec({ runId: extra.runId, connections, tables, options: { ...cfg.options, ...extra.options } });
  if (!r.ok) throw new BadConfig(r.errors.join('\n'));
  return r.spec;
}
