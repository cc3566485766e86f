// parity run: build the run spec, start reconcileRun, follow progress, print the summary,
// copy the manifest, and choose the exit code (0 identical, 1 differences, 2 undecided).
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Baseline } from '../../core/baseline';
import { createInterface } from 'node:readline';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { loadConfigFile, specFromConfig, urlDialect } from '../../config/load';
import type { RunSpec } from '../../config/schema';
import { BadConfig } from '../../errors';
import { readTableFile } from '../../report/store';
import { runWorkflowId, tableWorkflowId } from '../../temporal/names';
import { workflowTaskQueue } from '../../temporal/queue';
import { requireSearchAttributes } from '../../temporal/search-attributes';
import type { RunSummary } from '../../../workflows/types';
import { ensureWorker, reachTemporal, serveIfUnserved, stderr, type GlobalOptions } from '../context';
import { followProgress } from '../progress';
import { exitCodeOf, formatSummary } from '../summary';

export interface RunOptions extends GlobalOptions {
  source?: string;
  target?: string;
  table?: string[];
  config?: string;
  out?: string;
  json?: boolean;
  mode?: 'auto' | 'extract' | 'pushdown';
  mask?: string[];
  detach?: boolean;
  resumeFrom?: string;
  where?: string;
  runId?: string;
  segmentRows?: number;
  partitionRows?: number;
  concurrency?: number;
  recheckAfter?: number;
  baseline?: string;
  fetchSize?: number;
  heartbeatSeconds?: number;
}

export function newRunId(): string {
  const d = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${d}-${randomBytes(3).toString('hex')}`;
}

export function buildSpec(o: RunOptions): RunSpec {
  const spec = buildSpecOnly(o);
  if (o.baseline) {
    let b: Baseline;
    try {
      b = JSON.parse(readFileSync(o.baseline, 'utf8'));
    } catch (err) {
      throw new BadConfig(`--baseline ${o.baseline}: ${(err as Error).message}`);
    }
    for (const t of spec.tables) {
      const tb = b.tables?.[t.name];
      if (!tb) throw new BadConfig(`--baseline ${o.baseline}: no entry for table "${t.name}" (write one with parity baseline)`);
      t.baseline = { canonicalVersion: b.canonicalVersion, ...tb };
    }
  }
  return spec;
}

function buildSpecOnly(o: RunOptions): RunSpec {
  const runId = o.runId ?? newRunId();
  const options = {
    ...(o.mode ? { mode: o.mode } : {}),
    ...(o.segmentRows ? { segmentRows: o.segmentRows } : {}),
    ...(o.partitionRows ? { partitionRows: o.partitionRows } : {}),
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.fetchSize ? { fetchSize: o.fetchSize } : {}),
    ...(o.heartbeatSeconds ? { heartbeatSeconds: o.heartbeatSeconds } : {}),
    ...(o.recheckAfter !== undefined ? { recheckAfterSeconds: o.recheckAfter } : {}),
    ...(o.resumeFrom ? { resumeFrom: o.resumeFrom } : {}),
  };
  if (o.config) {
    if (o.source || o.target || o.table?.length) throw new BadConfig('give either --config or --source/--target/--table, not both');
    return specFromConfig(loadConfigFile(o.config), { mask: o.mask, options, runId });
  }
  const missing = [!o.source && '--source URL', !o.target && '--target URL', !o.table?.length && '--table NAME'].filter(Boolean);
  if (missing.length) throw new BadConfig(`missing ${missing.join(', ')} (or give --config FILE)`);
  const connections = {
    source: { url: o.source!, region: 'local' },
    target: { url: o.target!, region: 'local' },
  };
  for (const [name, c] of Object.entries(connections)) urlDialect(c.url, `--${name}`);
  return specFromConfig(
    {
      connections,
      policies: {},
      tables: o.table!.map((table) => ({ source: 'source', target: 'target', table, where: o.where, tags: {}, mask: {} })),
      options: {},
    },
    { mask: o.mask, options, runId },
  );
}

export async function runCommand(o: RunOptions): Promise<number> {
  const spec = buildSpec(o);
  const { client, uiUrl } = await reachTemporal(o, { startLocal: true });
  await requireSearchAttributes(client.connection.operatorService, client.options.namespace);
  const regions = [...new Set(Object.values(spec.connections).map((c) => c.region))];
  const worker = o.detach ? undefined : await ensureWorker(client, o, regions);
  const workflowId = runWorkflowId(spec.runId!);
  const handle = await client.workflow.start('reconcileRun', {
    taskQueue: workflowTaskQueue(),
    workflowId,
    args: [{ spec }],
    memo: { tables: spec.tables.map((t) => t.name) },
  });
  if (o.detach) {
    if (o.json) process.stdout.write(JSON.stringify({ workflowId, status: 'started' }) + '\n');
    else process.stdout.write(`${workflowId}\n`);
    return 0;
  }
  if (!o.json) stderr(`started ${workflowId}${uiUrl ? `  (Web UI: ${uiUrl}/namespaces/${encodeURIComponent(client.options.namespace)}/workflows/${encodeURIComponent(workflowId)})` : ''}`);
  // pollers were seen, so no worker was started here; make sure one of them is alive
  const watch = !worker && regions.every((r) => r === 'local') ? serveIfUnserved(client, o, workflowId) : undefined;
  const outcome = await waitWithInterrupt(client, handle, spec, !o.json).finally(() => watch?.stop());
  try {
    if (outcome === 'detached') {
      stderr(`detached; the run goes on. Follow it with: parity status ${workflowId} --wait`);
      return 0;
    }
    const summary = outcome as RunSummary;
    return finish(summary, workflowId, o);
  } finally {
    worker?.shutdown();
  }
}

export function finish(summary: RunSummary, workflowId: string, o: { json?: boolean; out?: string }): number {
  // a run that could not decide writes no manifest: an empty file would read as "no differences"
  if (o.out && exitCodeOf(summary) !== 2) {
    const body = summary.tables.map((t) => readTableFile(summary.runId, t.table, 'manifest.jsonl') ?? '').join('');
    writeFileSync(o.out, body);
  }
  const code = exitCodeOf(summary);
  if (o.json) process.stdout.write(JSON.stringify(jsonView(summary, workflowId)) + '\n');
  else process.stdout.write(formatSummary(summary, workflowId) + (o.out && code !== 2 ? `\nmanifest written to ${o.out}\n` : '\n'));
  return code;
}

export function jsonView(summary: RunSummary, workflowId: string) {
  return {
    workflowId,
    status: summary.status,
    tables: summary.tables.map((t) => ({
      table: t.table,
      status: t.status,
      sourceRows: t.sourceRows,
      targetRows: t.targetRows,
      missing: t.missing,
      extra: t.extra,
      changed: t.changed,
      rowsRead: t.rowsRead,
      rowsRefetched: t.rowsRefetched,
      mode: t.mode,
      fallbackLevel: t.fallbackLevel,
      durationMs: t.durationMs,
      ...(t.inFlight ? { inFlight: t.inFlight } : {}),
      ...(t.error ? { error: t.error } : {}),
    })),
  };
}

/** Waits for the result; Ctrl-C asks whether to cancel the run or detach from it. */
async function waitWithInterrupt(client: Client, handle: WorkflowHandle, spec: RunSpec, showProgress: boolean): Promise<RunSummary | 'detached'> {
  const stop = showProgress ? followProgress(client, spec.tables.map((t) => tableWorkflowId(spec.runId!, t.name))) : () => {};
  let onSigint: () => void = () => {};
  const interrupted = new Promise<'detached' | 'cancelled'>((resolve) => {
    onSigint = () => {
      stop();
      if (process.stdin.isTTY) {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        rl.question('\nCancel the run [c] or detach and let it go on [d]? ', (a) => {
          rl.close();
          resolve(a.trim().toLowerCase().startsWith('c') ? 'cancelled' : 'detached');
        });
      } else {
        resolve('cancelled');
      }
    };
    process.once('SIGINT', onSigint);
  });
  try {
    const r = await Promise.race([handle.result() as Promise<RunSummary>, interrupted]);
    if (r === 'cancelled') {
      await handle.cancel();
      stderr(`cancelled ${handle.workflowId}`);
      throw Object.assign(new Error('cancelled by the user'), { exitCode: 130 });
    }
    return r;
  } finally {
    stop();
    process.removeListener('SIGINT', onSigint);
  }
}
