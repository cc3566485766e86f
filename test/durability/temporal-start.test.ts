// Starting a run without the Parity CLI: `temporal workflow start --type reconcileRun
// --task-queue parity --input '<json>'` (what the Web UI sends too), with plain JSON input
// whose connections the worker resolves from PARITY_CONN_<NAME>. Bad input fails the
// workflow at once, non-retryably, with the field named.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findTemporalCli } from '../../src/temporal/cli-binary';
import { runCli, startWorker, stopProcess, workflowQueue } from '../helpers/cli';
import { OUT, connEnv, createCrashPair, dropCrashPair, readManifest, temporalClient, type CrashPair } from '../helpers/crash';
import type { RunSummary } from '../../workflows/types';

const TABLE = 'crash_tstart';
const REGION = 'crashtstart';
const run = promisify(execFile);

describe('durability: runs started with `temporal workflow start` and plain JSON', () => {
  let pair: CrashPair;
  let client: Client;
  let cli: string;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  const failedIds: string[] = [];
  const temporal = (args: string[]) => run(cli, [...args, '--address', inject('temporalAddress')], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const spec = (runId: string, over: { source?: string; options?: Record<string, unknown> } = {}) => ({
    runId,
    connections: { tstart_src: { region: REGION }, tstart_tgt: { region: REGION } },
    tables: [{ name: TABLE, source: over.source ?? 'tstart_src', target: 'tstart_tgt', sourceTable: TABLE, targetTable: TABLE }],
    options: { segmentRows: 250, partitionRows: 5000, ...over.options },
  });
  /** the failure a workflow ended with, from `temporal workflow show` */
  const failureOf = async (workflowId: string) => {
    const { stdout } = await temporal(['workflow', 'show', '--workflow-id', workflowId, '--output', 'json']);
    const events = JSON.parse(stdout).events as Record<string, { failure?: { message: string; applicationFailureInfo?: { type: string; nonRetryable?: boolean } } }>[];
    const failed = events.find((e) => e.workflowExecutionFailedEventAttributes)?.workflowExecutionFailedEventAttributes;
    return { failure: failed?.failure, events: events.length, activities: events.filter((e) => e.activityTaskScheduledEventAttributes).length };
  };

  beforeAll(async () => {
    pair = await createCrashPair(TABLE, 12_000, { missing: 3, changed: 3, extra: 2 });
    client = await temporalClient();
    cli = await findTemporalCli();
    worker = await startWorker(['--region', REGION], connEnv('tstart_src', 'tstart_tgt'));
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
    await client?.connection.close();
    await dropCrashPair(TABLE);
  });

  it('reconcileRun started by the temporal CLI completes with the exact result', async () => {
    const runId = `crash-tstart-${Date.now().toString(36)}`;
    const id = `parity/${runId}`;
    await temporal(['workflow', 'start', '--type', 'reconcileRun', '--task-queue', workflowQueue(), '--workflow-id', id, '--input', JSON.stringify({ spec: spec(runId) })]);
    const summary = (await client.workflow.getHandle(id).result()) as RunSummary;
    expect(summary.status).toBe('different');
    const t = summary.tables[0];
    const count = (k: string) => pair.expected.filter((e) => e.kind === k).length;
    expect(t).toMatchObject({
      table: TABLE, sourceRows: pair.sourceRows, targetRows: pair.targetRows,
      missing: count('missing_in_target'), extra: count('extra_in_target'), changed: count('changed'),
      rowsRead: { source: pair.sourceRows, target: pair.targetRows },
    });
    // the same run through the Parity CLI's eyes: status exits like run, report has the manifest
    const st = await runCli(['status', id, '--json']);
    expect(st.code, st.stderr).toBe(1);
    expect(JSON.parse(st.stdout)).toMatchObject({ workflowId: id, status: 'different', progress: 1 });
    const out = join(OUT, 'tstart.jsonl');
    const rep = await runCli(['report', id, '--out', out]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(readManifest(out)).toEqual(pair.expected);
  });

  it.each([
    ['an unknown connection', (runId: string) => ({ spec: spec(runId, { source: 'no_such_conn' }) }), /tables\[0\]\.source: unknown connection "no_such_conn"/],
    ['a misspelt option', (runId: string) => ({ spec: spec(runId, { options: { segmentRowz: 10 } }) }), /options.*segmentRowz/],
    ['an out-of-range option', (runId: string) => ({ spec: spec(runId, { options: { historyThreshold: 5 } }) }), /options\.historyThreshold/],
    ['no spec at all', () => ({ tables: [] }), /bad input/],
  ])('bad input (%s) fails at once, non-retryably, as BadConfig naming the field', async (_what, input, message) => {
    const runId = `crash-tstart-bad-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const id = `parity/${runId}`;
    const t0 = Date.now();
    await temporal(['workflow', 'start', '--type', 'reconcileRun', '--task-queue', workflowQueue(), '--workflow-id', id, '--input', JSON.stringify(input(runId))]);
    const err = await client.workflow.getHandle(id).result().then(() => undefined, (e) => e);
    const took = Date.now() - t0;
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('BadConfig');
    expect((cause as ApplicationFailure).nonRetryable).toBe(true);
    expect((cause as ApplicationFailure).message).toMatch(message);
    // the same, as `temporal workflow show` reports it; and nothing was scheduled
    const shown = await failureOf(id);
    expect(shown.failure?.applicationFailureInfo).toMatchObject({ type: 'BadConfig', nonRetryable: true });
    expect(shown.failure?.message).toMatch(message);
    expect(shown.activities).toBe(0);
    expect(took).toBeLessThan(30_000);
    // the CLI reports it as "could not decide"
    const st = await runCli(['status', id, '--wait', '--json']);
    expect(st.code, st.stdout + st.stderr).toBe(2);
    expect(JSON.parse(st.stdout)).toMatchObject({ workflowId: id, status: 'error' });
    failedIds.push(id);
  });

  // BUG (src/cli/commands/status.ts, statusCommand catch of handle.result()): the message is
  // the WorkflowFailedError's own ("Workflow execution failed"), not its cause's, so the user
  // is never told which field was wrong. Fix: use `(err as WorkflowFailedError).cause?.message`.
  it('`parity status ID --wait` of a run failed on bad input names the field', async () => {
    expect(failedIds.length).toBeGreaterThan(0);
    const st = await runCli(['status', failedIds[0], '--wait', '--json']);
    expect(st.code).toBe(2);
    expect(JSON.parse(st.stdout).error, st.stdout).toMatch(/tables\[0\]\.source/);
  });

  // BUG (src/cli/commands/status.ts, statusCommand): without --wait, a FAILED (or
  // TERMINATED/CANCELED/TIMED_OUT) run falls through to the progress view and exits 0, while
  // a COMPLETED one exits like run. One-line fix: `if (o.wait || desc.status.name !== 'RUNNING')`.
  it('`parity status ID` (no --wait) of a failed run exits 2, like run', async () => {
    expect(failedIds.length).toBeGreaterThan(0);
    const st = await runCli(['status', failedIds[0], '--json']);
    expect(st.code, st.stdout + st.stderr).toBe(2);
  });

  it('reconcileTable can be started on its own too, and rejects a table index that does not exist', async () => {
    const runId = `crash-tstart-tbl-${Date.now().toString(36)}`;
    const id = `parity/${runId}/${TABLE}`;
    await temporal(['workflow', 'start', '--type', 'reconcileTable', '--task-queue', workflowQueue(), '--workflow-id', id, '--input', JSON.stringify({ runId, spec: spec(runId), tableIndex: 3 })]);
    const shown = await client.workflow.getHandle(id).result().then(() => undefined, (e) => (e as WorkflowFailedError).cause as ApplicationFailure);
    expect(shown?.type).toBe('BadConfig');
    expect(shown?.nonRetryable).toBe(true);
    expect(shown?.message).toMatch(/tables\[3\]/);
  });
});
