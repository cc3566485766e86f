// Control of a running table: the `progress` query, `parity status ID --json` (progress
// 0…1), the pause / resume / setConcurrency signals, and `parity status --wait`, which
// exits like run.
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startWorker, stopProcess } from '../helpers/cli';
import {
  OUT, connEnv, createCrashPair, dropCrashPair, history, queryProgress, sleep, temporalClient, until, writeConfig,
  type CrashPair,
} from '../helpers/crash';
import type { ProgressView } from '../../workflows/types';

const TABLE = 'crash_ctl';
const REGION = 'crashctl';
const N = 40_000;

describe('durability: progress, pause / resume / setConcurrency, status', () => {
  let pair: CrashPair;
  let client: Client;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  beforeAll(async () => {
    pair = await createCrashPair(TABLE, N);
    client = await temporalClient();
    worker = await startWorker(['--region', REGION], connEnv('cctl_src', 'cctl_tgt'));
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
    await client?.connection.close();
    await dropCrashPair(TABLE);
  });

  it('pauses, reports progress, runs one partition at a time after setConcurrency(1), and status --wait exits 1', async () => {
    const runId = `crash-ctl-${Date.now().toString(36)}`;
    const wfRun = `parity/${runId}`;
    const wfTable = `${wfRun}/${TABLE}`;
    const cfg = writeConfig(join(OUT, 'ctl.json'), { source: 'cctl_src', target: 'cctl_tgt', region: REGION, tables: [TABLE] });
    const d = await runCli(['run', '--config', cfg, '--detach', '--json', '--run-id', runId, '--segment-rows', '250', '--partition-rows', '2500', '--concurrency', '3']);
    expect(d.code, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout)).toEqual({ workflowId: wfRun, status: 'started' });

    const h = client.workflow.getHandle(wfTable);
    const first = await until('a partition done per side', async () => {
      const p = await queryProgress(client, wfTable);
      return p.partitions.source.done >= 1 && p.partitions.target.done >= 1 ? p : undefined;
    }, 120_000, 50);
    expect(first).toMatchObject({ table: TABLE, phase: 'digest', paused: false, fallbackLevel: 0 });
    expect(first.partitions.source.total).toBe(first.partitions.target.total);
    expect(first.partitions.source.total).toBeGreaterThanOrEqual(N / 2500);
    expect(first.progress).toBeGreaterThan(0);
    expect(first.progress).toBeLessThan(1);
    expect(first.rowsRead.source).toBeGreaterThan(0);

    // pause: the partitions in flight finish, then nothing more is scheduled
    await h.signal('pause');
    const paused = await until('in-flight partitions to drain', async () => {
      const desc = await h.describe();
      const p = await queryProgress(client, wfTable);
      return p.paused && (desc.raw.pendingActivities ?? []).length === 0 ? p : undefined;
    }, 60_000, 200);
    await sleep(3000);
    const still = await queryProgress(client, wfTable);
    expect(still.paused).toBe(true);
    expect(still.partitions).toEqual(paused.partitions);
    expect(still.rowsRead).toEqual(paused.rowsRead);
    expect((await h.describe()).raw.pendingActivities ?? []).toHaveLength(0);
    expect(paused.partitions.source.done).toBeLessThan(paused.partitions.source.total);

    // status --json of the running (paused) run: progress strictly between 0 and 1
    const st = await runCli(['status', wfRun, '--json']);
    expect(st.code, st.stderr).toBe(0);
    const view = JSON.parse(st.stdout);
    expect(view).toMatchObject({ workflowId: wfRun, status: 'running' });
    expect(view.progress).toBeGreaterThan(0);
    expect(view.progress).toBeLessThan(1);
    expect(view.rowsRead).toBeGreaterThan(0);


    // one at a time per side from now on
    await h.signal('setConcurrency', 1);
    await h.signal('resume');
    expect((await queryProgress(client, wfTable)).paused).toBe(false);

    const w = await runCli(['status', wfRun, '--wait', '--json'], { timeoutMs: 240_000 });
    expect(w.code, w.stderr).toBe(1);
    const doc = JSON.parse(w.stdout);
    expect(doc).toMatchObject({ workflowId: wfRun, status: 'different', progress: 1 });
    expect(doc.tables[0]).toMatchObject({ sourceRows: pair.sourceRows, targetRows: pair.targetRows, missing: 6, extra: 3, changed: 6 });
    // after the run, plain status exits like run too, and the final progress is 1
    const after = await runCli(['status', wfRun, '--json']);
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout).progress).toBe(1);
    const end = await h.query<ProgressView>('progress');
    expect(end).toMatchObject({ phase: 'done', progress: 1 });

    // from the history: after the resume signal, never two digests of one side at once
    const events = await history(client, wfTable);
    const resumeAt = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'resume');
    expect(resumeAt).toBeGreaterThan(0);
    const open = new Map<number, string>();
    const max = { source: 0, target: 0 } as Record<string, number>;
    const maxBefore = { source: 0, target: 0 } as Record<string, number>;
    for (const [i, e] of events.entries()) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s?.activityType?.name === 'digestPartition') {
        const side = JSON.parse(Buffer.from(s.input!.payloads![0].data!).toString()).side as string;
        open.set(Number(e.eventId), side);
      }
      const end = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
      if (end) open.delete(Number(end.scheduledEventId));
      const count = { source: 0, target: 0 } as Record<string, number>;
      for (const side of open.values()) count[side]++;
      const into = i > resumeAt ? max : maxBefore;
      for (const side of ['source', 'target']) into[side] = Math.max(into[side], count[side]);
    }
    console.log(`[control] paused at ${JSON.stringify(paused.partitions)}; digests at once per side: before the pause up to ${JSON.stringify(maxBefore)}, after setConcurrency(1) ${JSON.stringify(max)}`);
    expect(maxBefore.source).toBeGreaterThan(1); // concurrency 3 was in effect before
    expect(max).toEqual({ source: 1, target: 1 });
  });
});
