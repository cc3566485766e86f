// The one schema for a run: what the CLI builds from flags or a config file, and what
// `temporal workflow start --input` must send. Workflow-safe: zod only, no Node imports.
import { z } from 'zod';

const name = z.string().min(1).regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only');

export const ConnectionRef = z
  .object({
    region: name.default('local').describe('region whose workers may open this connection (task queue parity-<region>)'),
    sealed: z
      .string()
      .optional()
      .describe('the connection URL encrypted by the CLI with the key it shares with local workers (AES-256-GCM); never a plain URL'),
    dialect: z.enum(['postgres', 'mysql']).optional().describe('filled in by the CLI for display; workers use the URL'),
    display: z.string().optional().describe('host:port/database without credentials, for the UI and reports'),
  })
  .strict();

export const MaskMode = z.enum(['tokenize', 'exclude']);

export const TableSpec = z
  .object({
    name: z.string().min(1).describe('the table pair name used in reports and the manifest (R9); defaults to the source table'),
    source: name.describe('connection name of the source'),
    target: name.describe('connection name of the target'),
    sourceTable: z.string().min(1).describe('table in the source (PostgreSQL may be schema-qualified: sales.orders)'),
    targetTable: z.string().min(1).describe('table in the target'),
    mask: z.record(z.string(), MaskMode).default({}).describe('column → masking mode (tokenize keeps the column compared through an HMAC token; exclude drops it)'),
    where: z.string().optional().describe('SQL predicate applied on both sides, restricting the compared rows'),
    baseline: z
      .object({
        canonicalVersion: z.number().int().describe('canonical encoding version the baseline was written with'),
        source: z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean() })).describe('source columns: name, declared type, nullability'),
        target: z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean() })).describe('target columns: name, declared type, nullability'),
        primaryKey: z.object({ source: z.array(z.string()), target: z.array(z.string()) }).describe('primary key columns of each side, in key order'),
      })
      .optional()
      .describe('schema baseline of this table pair (written by parity baseline); drift from it halts the run'),
  })
  .strict();

export const RunOptions = z
  .object({
    mode: z.enum(['auto', 'extract', 'pushdown']).default('auto').describe('who hashes: the worker (extract), each database in SQL (pushdown), or pushdown where possible (auto)'),
    segmentRows: z.number().int().min(16).max(1_000_000).default(128).describe('target rows per segment (the unit compared and refined)'),
    partitionRows: z.number().int().min(1000).default(500_000).describe('target rows per partition (the unit of work, retry and checkpoint)'),
    concurrency: z.number().int().min(1).max(64).default(2).describe('partitions scanned at once per database'),
    fetchSize: z.number().int().min(10).max(100_000).default(2000).describe('rows per fetch'),
    recheckAfterSeconds: z.number().int().min(0).default(0).describe('wait this long after the diff, then compare the differing keys again; converged keys are reported as in flight'),
    resumeFrom: z.string().optional().describe('workflow id of an earlier run whose completed partitions are reused'),
    heartbeatSeconds: z.number().int().min(2).max(600).default(20).describe('a scan that stops heartbeating this long is treated as a dead worker and retried from its checkpoint'),
    historyThreshold: z.number().int().min(50).default(8000).describe('continue-as-new when the table workflow history passes this many events'),
  })
  .strict();

export const RunSpec = z
  .object({
    runId: z.string().regex(/^[A-Za-z0-9_.:-]+$/).optional().describe('the run id (workflow ids are parity/<runId>/<table>); generated when absent'),
    connections: z.record(name, ConnectionRef).describe('connections by name; URLs come from the workers (PARITY_CONN_<NAME>) or sealed'),
    tables: z.array(TableSpec).min(1).describe('table pairs to reconcile'),
    options: RunOptions.default(RunOptions.parse({})),
  })
  .strict()
  .superRefine((spec, ctx) => {
    spec.tables.forEach((t, i) => {
      for (const side of ['source', 'target'] as const) {
        if (!spec.connections[t[side]]) {
          ctx.addIssue({ code: 'custom', path: ['tables', i, side], message: `unknown connection "${t[side]}"` });
        }
      }
    });
    const seen = new Set<string>();
    spec.tables.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: 'custom', path: ['tables', i, 'name'], message: `duplicate table pair name "${t.name}"` });
      seen.add(t.name);
    });
  });

export type RunSpec = z.infer<typeof RunSpec>;
export type RunSpecInput = z.input<typeof RunSpec>;
export type TableSpec = z.infer<typeof TableSpec>;
export type RunOptions = z.infer<typeof RunOptions>;
export type ConnectionRef = z.infer<typeof ConnectionRef>;

/** zod issues as `tables[2].source: unknown connection "x"` lines, all at once. */
export function formatIssues(error: z.ZodError, root = ''): string[] {
  return error.issues.map((iss) => {
    let path = root;
    for (const p of iss.path) path += typeof p === 'number' ? `[${p}]` : path ? `.${String(p)}` : String(p);
    return `${path || '(input)'}: ${iss.message}`;
  });
}

export function parseRunSpec(input: unknown): { ok: true; spec: RunSpec } | { ok: false; errors: string[] } {
  const r = RunSpec.safeParse(input);
  return r.success ? { ok: true, spec: r.data } : { ok: false, errors: formatIssues(r.error) };
}
