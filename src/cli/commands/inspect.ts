// Commands that look before they leap, run in the CLI process with the user's own
// credentials (nothing goes to Temporal): plan (dry run), baseline (schema snapshot),
// doctor (the diagnostic playbook).
import { writeFileSync } from 'node:fs';
import { CANONICAL_VERSION, checkSchemas, compareKeys, withPairFamilies } from '../../canonical';
import { loadConfigFile, urlDialect } from '../../config/load';
import type { ColumnPair, TableSchema } from '../../core/types';
import { columnSigs, type Baseline } from '../../core/baseline';
import { MAX_SEGMENTS, segmentsPerPartition } from '../../core/segments';
import { RunOptions } from '../../config/schema';
import { openEngine } from '../../engines/open';
import type { Engine } from '../../engines/engine';
import { BadConfig } from '../../errors';
import { connEnvName, displayUrl } from '../../policy/connections';
import { pushdownSupportOf } from '../../digest/mode';
import { digestPartition } from '../../digest/partition';
import { HashPool } from '../../digest/pool';
import { measureThreadOverhead, planBudget } from '../../policy/budget';

export interface LocalOptions {
  source?: string;
  target?: string;
  table?: string[];
  config?: string;
  where?: string;
  json?: boolean;
}

export interface LocalTable {
  name: string;
  sourceUrl: string;
  targetUrl: string;
  sourceTable: string;
  targetTable: string;
  where?: string;
}

/** The tables of --source/--target/--table or --config, with URLs resolved here. */
export function localTables(o: LocalOptions): LocalTable[] {
  if (o.config) {
    const cfg = loadConfigFile(o.config);
    const url = (name: string) => {
      const u = cfg.connections[name]?.url ?? process.env[connEnvName(name)];
      if (!u) throw new BadConfig(`connection "${name}": no url in ${o.config} and no ${connEnvName(name)} set`);
      urlDialect(u, `connections.${name}.url`);
      return u;
    };
    return cfg.tables.map((t, i) => {
      const sourceTable = t.sourceTable ?? t.table;
      if (!sourceTable) throw new BadConfig(`tables[${i}]: give table (or sourceTable and targetTable)`);
      return { name: t.name ?? sourceTable, sourceUrl: url(t.source), targetUrl: url(t.target), sourceTable, targetTable: t.targetTable ?? t.table ?? sourceTable, where: t.where };
    });
  }
  const missing = [!o.source && '--source URL', !o.target && '--target URL', !o.table?.length && '--table NAME'].filter(Boolean);
  if (missing.length) throw new BadConfig(`missing ${missing.join(', ')} (or give --config FILE)`);
  urlDialect(o.source!, '--source');
  urlDialect(o.target!, '--target');
  return o.table!.map((t) => ({ name: t, sourceUrl: o.source!, targetUrl: o.target!, sourceTable: t, targetTable: t, where: o.where }));
}

async function withBoth<T>(t: LocalTable, what: string, fn: (s: Engine, d: Engine) => Promise<T>): Promise<T> {
  const s = await openEngine(t.sourceUrl, { applicationName: `parity:${what}`, statementTimeoutMs: 60_000 });
  try {
    const d = await openEngine(t.targetUrl, { applicationName: `parity:${what}`, statementTimeoutMs: 60_000 });
    try {
      return await fn(s, d);
    } finally {
      await d.close();
    }
  } finally {
    await s.close();
  }
}

export interface Inspected {
  table: LocalTable;
  source: TableSchema;
  target: TableSchema;
  check: ReturnType<typeof checkSchemas>;
}

async function inspect(t: LocalTable, s: Engine, d: Engine): Promise<Inspected> {
  const [source, target] = await Promise.all([s.introspect(t.sourceTable), d.introspect(t.targetTable)]);
  const check = checkSchemas(source, target);
  return { table: t, source: withPairFamilies(source, check.columns), target: withPairFamilies(target, check.columns), check };
}

/** Rows per second one side reads in extract mode here (measured by the bench; a planning guess). */
const EXTRACT_ROWS_PER_SEC = 400_000;

export async function planCommand(o: LocalOptions & { segmentRows?: number; partitionRows?: number; mode?: string }): Promise<number> {
  const segmentRows = o.segmentRows ?? 128;
  const partitionRows = o.partitionRows ?? RunOptions.parse({}).partitionRows;
  const out = [];
  let code = 0;
  for (const t of localTables(o)) {
    const r = await withBoth(t, 'plan', async (s, d) => {
      const i = await inspect(t, s, d);
      if (t.where) await Promise.all([s.sampleKeys(i.source, 1, t.where), d.sampleKeys(i.target, 1, t.where)]);
      return i;
    });
    const rows = Math.max(r.source.rowEstimate, r.target.rowEstimate);
    // as the table workflow plans them
    const segments = Math.max(1, Math.min(MAX_SEGMENTS, Math.ceil(rows / segmentRows)));
    const partitions = Math.max(1, Math.ceil(segments / segmentsPerPartition(partitionRows, Math.max(1, rows), segments)));
    const support = pushdownSupportOf(r.check.columns);
    const mode = o.mode === 'extract' || o.mode === 'pushdown' ? o.mode : support.ok ? 'pushdown' : 'extract';
    if (r.check.halts.length) code = 2;
    out.push({
      table: t.name,
      source: `${displayUrl(t.sourceUrl)} ${t.sourceTable}`,
      target: `${displayUrl(t.targetUrl)} ${t.targetTable}`,
      rowEstimate: { source: r.source.rowEstimate, target: r.target.rowEstimate },
      partitionsPerSide: partitions,
      segments,
      estimatedSeconds: Math.ceil(rows / EXTRACT_ROWS_PER_SEC) + 2,
      mode,
      pushdown: support,
      halts: r.check.halts,
      findings: r.check.findings,
      notCompared: r.check.notCompared,
    });
  }
  if (o.json) process.stdout.write(JSON.stringify({ tables: out }, null, 2) + '\n');
  else {
    for (const p of out) {
      process.stdout.write(`${p.table}: ${p.source} → ${p.target}\n  ~${Math.max(p.rowEstimate.source, p.rowEstimate.target)} rows, ${p.partitionsPerSide} partition(s) per side, ${p.segments} segment(s), mode ${p.mode}${p.pushdown.ok ? '' : ` (pushdown not possible: ${p.pushdown.reasons.join('; ')})`}, about ${p.estimatedSeconds}s\n`);
      for (const h of p.halts) process.stdout.write(`  HALT: ${h}\n`);
      for (const f of p.findings) process.stdout.write(`  note: ${f}\n`);
      for (const n of p.notCompared) process.stdout.write(`  not compared: ${n.column} (${n.reason})\n`);
    }
  }
  return code;
}

export async function baselineCommand(o: LocalOptions & { out?: string }): Promise<number> {
  if (!o.out) throw new BadConfig('--out FILE is required (where to write the baseline)');
  const baseline: Baseline = { canonicalVersion: CANONICAL_VERSION, createdAt: new Date().toISOString(), tables: {} };
  for (const t of localTables(o)) {
    const r = await withBoth(t, 'baseline', (s, d) => inspect(t, s, d));
    baseline.tables[t.name] = { source: columnSigs(r.source), target: columnSigs(r.target), primaryKey: { source: r.source.primaryKey, target: r.target.primaryKey } };
  }
  writeFileSync(o.out, JSON.stringify(baseline, null, 2) + '\n');
  process.stderr.write(`baseline of ${Object.keys(baseline.tables).length} table(s) written to ${o.out}\n`);
  return 0;
}

export async function doctorCommand(o: LocalOptions & { sample?: number }): Promise<number> {
  const sample = o.sample ?? 10_000;
  const findings: string[] = [];
  const suggestions: string[] = [];
  let code = 0;
  for (const t of localTables(o)) {
    await withBoth(t, 'doctor', async (s, d) => {
      const i = await inspect(t, s, d);
      if (i.check.halts.length) {
        code = 2;
        findings.push(...i.check.halts.map((h) => `${t.name}: schema: ${h}`));
        return;
      }
      const pairs: ColumnPair[] = i.check.columns;
      // 1. hash determinism: the same sample hashed on this thread and in a pool thread
      // about `sample` rows: the range up to a sampled key at that quantile
      const families = pairs.filter((p) => p.isKey).map((p) => p.family);
      const keys = (await s.sampleKeys(i.source, 200, t.where)).sort((a, b) => compareKeys(a, b, families));
      const q = Math.ceil((keys.length * sample) / Math.max(1, i.source.rowEstimate));
      const range = q < keys.length ? { hi: keys[q] } : {};
      const task = { side: 'source' as const, url: t.sourceUrl, schema: i.source, pairs, range, segFrom: 0, inner: [], where: t.where, fetchSize: 2000, applicationName: 'parity:doctor' };
      const t0 = Date.now();
      const inline = await digestPartition(task);
      const inlineMs = Date.now() - t0;
      const pool = new HashPool({ threads: 1, heapMb: 256 });
      try {
        const t1 = Date.now();
        let beats = 0;
        const pooled = await pool.digest(task, () => beats++);
        const pooledMs = Date.now() - t1;
        const same = JSON.stringify(inline.segments) === JSON.stringify(pooled.segments);
        findings.push(`${t.name}: hash determinism: single-threaded and pooled digests of ${inline.rows} rows ${same ? 'are identical' : 'DIFFER'} (${inlineMs} ms inline, ${pooledMs} ms pooled, ${beats} progress message(s) from the thread)`);
        if (!same) code = 2;
        // 2. payload sizes across the thread boundary: only checkpoints cross (digests, one key)
        findings.push(`${t.name}: payload across the thread boundary: result ${JSON.stringify(pooled).length} bytes (rows never cross; only digests and the last key)`);
      } finally {
        await pool.close();
      }
    });
    // 3. connection saturation
    for (const [side, url] of [['source', t.sourceUrl], ['target', t.targetUrl]] as const) {
      const n = await idleInTransaction(url);
      findings.push(`${t.name}: ${side}: ${n} session(s) idle in transaction${n > 0 ? ' (they hold snapshots: vacuum lag on PostgreSQL, undo growth on MariaDB)' : ''}`);
      if (n > 5) suggestions.push(`${side}: lower --concurrency: the database already holds ${n} idle transactions`);
    }
  }
  const budget = planBudget({ threadOverhead: await measureThreadOverhead() });
  findings.push(`worker sizing here: ${budget.threads} hashing thread(s), ${budget.heapMb} MiB heap each, fetch size ${budget.fetchSize} (available ${Math.round(budget.available / 2 ** 20)} MiB)`);
  suggestions.push(`parity worker --memory-budget ${Math.round(budget.available / 2 ** 20)}MiB  # or less if the worker shares the machine`);
  if (o.json) process.stdout.write(JSON.stringify({ findings, suggestions }, null, 2) + '\n');
  else process.stdout.write([...findings.map((f) => `- ${f}`), ...suggestions.map((s) => `suggest: ${s}`)].join('\n') + '\n');
  return code;
}

async function idleInTransaction(url: string): Promise<number> {
  if (urlDialect(url, 'url') === 'postgres') {
    const { Client } = await import('pg');
    const c = new Client({ connectionString: url, application_name: 'parity:doctor' });
    await c.connect();
    try {
      const r = await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'`);
      return r.rows[0].n;
    } finally {
      await c.end();
    }
  }
  const { createConnection } = await import('mysql2/promise');
  const c = await createConnection({ uri: url });
  try {
    const [rows] = await c.query(`SELECT COUNT(*) AS n FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE p.COMMAND = 'Sleep'`);
    return Number((rows as { n: number }[])[0].n);
  } finally {
    await c.end();
  }
}
