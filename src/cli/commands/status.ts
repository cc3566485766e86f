// parity status ID [--json] [--wait]; parity report ID [--out FILE] [--format …]
import { writeFileSync } from 'node:fs';
import { BadConfig } from '../../errors';
import type { RunSummary } from '../../../workflows/types';
import { reachTemporal, isNotFound, type GlobalOptions } from '../context';
import { combine, queryProgress } from '../progress';
import { finish, jsonView } from './run';
import { exitCodeOf } from '../summary';
import { renderReport } from '../../report/render';

async function runHandle(o: GlobalOptions, id: string) {
  const { client } = await reachTemporal(o, { startLocal: false });
  const handle = client.workflow.getHandle(id);
  try {
    return { client, handle, desc: await handle.describe() };
  } catch (err) {
    if (isNotFound(err)) throw new BadConfig(`no workflow with id "${id}"`);
    throw err;
  }
}

export async function statusCommand(id: string, o: GlobalOptions & { json?: boolean; wait?: boolean }): Promise<number> {
  const { client, handle, desc } = await runHandle(o, id);
  // a finished run (completed, failed, cancelled, terminated) answers like `run` would
  if (o.wait || desc.status.name !== 'RUNNING') {
    let summary: RunSummary;
    try {
      summary = await handle.result();
    } catch (err) {
      // the cause says what went wrong (e.g. the bad input field); the wrapper only says it failed
      const cause = (err as { cause?: Error }).cause;
      const msg = `${id}: ${desc.status.name === 'RUNNING' ? 'failed' : desc.status.name.toLowerCase()}: ${cause?.message ?? (err as Error).message}`;
      if (o.json) process.stdout.write(JSON.stringify({ workflowId: id, status: 'error', error: msg }) + '\n');
      else process.stderr.write(msg + '\n');
      return 2;
    }
    if (o.json) {
      process.stdout.write(JSON.stringify({ ...jsonView(summary, id), progress: 1 }) + '\n');
      return exitCodeOf(summary);
    }
    return finish(summary, id, {});
  }
  const ids = desc.status.name === 'RUNNING'
    ? ((await handle.query<{ tables: { workflowId: string }[] }>('runState').catch(() => ({ tables: [{ workflowId: id }] }))).tables.map((t) => t.workflowId))
    : [];
  const c = combine(await queryProgress(client, ids), ids.length);
  const view = { workflowId: id, status: desc.status.name.toLowerCase(), progress: Number(c.progress.toFixed(4)), rowsRead: c.rows, rowsPerSec: c.rate, etaSeconds: c.eta, fallbackLevel: c.level, phase: c.phase };
  if (o.json) process.stdout.write(JSON.stringify(view) + '\n');
  else process.stdout.write(`${id}: ${view.status}, ${Math.round(view.progress * 100)}%, ${view.rowsRead} rows read, ${view.rowsPerSec} rows/s, ETA ${view.etaSeconds}s, phase ${view.phase}${view.fallbackLevel ? `, fallback level ${view.fallbackLevel}` : ''}\n`);
  return 0;
}

export async function reportCommand(id: string, o: GlobalOptions & { out?: string; format?: string }): Promise<number> {
  const format = o.format ?? (o.out?.endsWith('.html') ? 'html' : o.out?.endsWith('.csv') ? 'csv' : 'jsonl');
  if (!['jsonl', 'csv', 'html'].includes(format)) throw new BadConfig(`--format: "${format}" is not one of jsonl, csv, html`);
  const { handle } = await runHandle(o, id);
  let summary: RunSummary;
  try {
    summary = await handle.result();
  } catch (err) {
    throw new BadConfig(`${id} has no report: ${(err as Error).message}`);
  }
  const body = renderReport(summary, id, format as 'jsonl' | 'csv' | 'html');
  if (o.out) writeFileSync(o.out, body);
  else process.stdout.write(body);
  return 0;
}
