// SIGKILL the worker process in the middle of a run and start a new one: the run completes
// with the exact manifest, completed partitions are not read again (rowsRead stays within
// 10 % of one full read of each side), and the history shows who did what.
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runCli, startWorker, stopProcess } from '../helpers/cli';
import {
  OUT, activityRuns, connEnv, createCrashPair, dropCrashPair, history, queryProgress, readManifest,
  temporalClient, until, waitForPartitions, waitForStartedDigest, workerIdentity, writeConfig, type CrashPair,
} from '../helpers/crash';

const TABLE = 'crash_kill';
const REGION = 'crashkill';
const N = 60_000;

describe('durability: the worker process is SIGKILLed mid-run', () => {
  let pair: CrashPair;
  let client: Client;
  const workers: Awaited<ReturnType<typeof startWorker>>[] = [];
  // the workers this file kills run activities only: a SIGKILLed worker that held workflows
  // in its sticky cache would stall every other test file's runs it happened to serve
  // (measured: 10–90 s under the full suite). This file's workflows run on an orchestrator.
  let orchestrator: Awaited<ReturnType<typeof startWorker>> | undefined;
  beforeAll(async () => {
    pair = await createCrashPair(TABLE, N);
    client = await temporalClient();
    orchestrator = await startWorker(['--region', `${REGION}-orchestrator`]);
  });
  afterAll(async () => {
    if (orchestrator) await stopProcess(orchestrator);
    for (const w of workers) await stopProcess(w);
    await client?.connection.close();
    await dropCrashPair(TABLE);
  });

  it('resumes on a new worker: exact manifest, no rescan of completed partitions', async () => {
    const runId = `crash-kill-${Date.now().toString(36)}`;
    const wfTable = `parity/${runId}/${TABLE}`;
    const env = connEnv('ckill_src', 'ckill_tgt');
    const cfg = writeConfig(join(OUT, 'kill.json'), { source: 'ckill_src', target: 'ckill_tgt', region: REGION, tables: [TABLE] });
    const out = join(OUT, 'kill.jsonl');

    const a = await startWorker(['--region', REGION, '--no-workflows'], env);
    workers.push(a);
    const run = runCli(['run', '--config', cfg, '--json', '--out', out, '--run-id', runId, '--segment-rows', '250', '--partition-rows', '5000'], { timeoutMs: 240_000 });

    const before = await waitForPartitions(client, wfTable, 2);
    // kill while a digest runs: a kill in the gap between two activities (partitions take
    // ~0.1 s now) leaves nothing to retry, and this test is about the retry
    const inFlight = await waitForStartedDigest(client, wfTable);
    const killedAt = Date.now();
    a.kill('SIGKILL');
    await new Promise((r) => a.once('exit', r));
    const b = await startWorker(['--region', REGION, '--no-workflows'], env);
    workers.push(b);

    const r = await run;
    const tookAfterKill = Date.now() - killedAt;
    expect(r.code, r.stderr).toBe(1);
    const t = JSON.parse(r.stdout).tables[0];
    expect(t).toMatchObject({ table: TABLE, status: 'different', sourceRows: pair.sourceRows, targetRows: pair.targetRows });
    expect(readManifest(out)).toEqual(pair.expected);
    expect(t.missing + t.extra + t.changed).toBe(pair.expected.length);
    // no rescan: within 10 % of one full read of each side
    expect(t.rowsRead.source).toBeGreaterThanOrEqual(pair.sourceRows);
    expect(t.rowsRead.source).toBeLessThanOrEqual(pair.sourceRows * 1.1);
    expect(t.rowsRead.target).toBeGreaterThanOrEqual(pair.targetRows);
    expect(t.rowsRead.target).toBeLessThanOrEqual(pair.targetRows * 1.1);

    // the history: partitions completed by the killed worker stay done, the new worker did the
    // rest, and the activities the killed worker held were retried (attempt ≥ 2) on the new one
    const runs = activityRuns(await history(client, wfTable)).filter((x) => x.type === 'digestPartition');
    const byA = runs.filter((x) => x.outcome === 'completed' && x.identity === workerIdentity(a.pid!));
    const byB = runs.filter((x) => x.outcome === 'completed' && x.identity === workerIdentity(b.pid!));
    expect(byA.length).toBeGreaterThanOrEqual(before.partitions.source.done + before.partitions.target.done);
    expect(byB.length).toBeGreaterThan(0);
    // each digest seen running just before the kill either finished on the killed worker
    // (its completion beat the kill: partitions take ~0.1 s, so a kill can land in the gap
    // after it, with nothing left to retry) or was retried; never run again at attempt 1
    const held = runs.filter((x) => inFlight.includes(x.activityId));
    expect(held.length, `in flight at the kill: ${inFlight}; ${JSON.stringify(runs)}`).toBe(inFlight.length);
    for (const x of held) {
      const finishedByA = x.outcome === 'completed' && x.identity === workerIdentity(a.pid!);
      expect(finishedByA || x.attempt >= 2, `activity ${x.activityId} (${x.side} ${x.label}) held at the kill: ${JSON.stringify(x)}`).toBe(true);
    }
    const retried = runs.filter((x) => x.attempt >= 2 || x.outcome === 'timedOut');
    if (held.every((x) => x.outcome === 'completed' && x.identity === workerIdentity(a.pid!))) console.log(`[worker-kill] the kill landed after ${inFlight} completed: nothing to retry`);
    else expect(retried.length, `in flight at the kill: ${inFlight}; ${JSON.stringify(runs)}`).toBeGreaterThan(0);
    // every partition of each side completed exactly once
    for (const side of ['source', 'target']) {
      const labels = runs.filter((x) => x.side === side && x.outcome === 'completed').map((x) => x.label);
      expect(new Set(labels).size).toBe(labels.length);
      expect(labels.length).toBe(t.fallbackLevel === 0 ? before.partitions[side as 'source'].total : labels.length);
    }
    const final = await queryProgress(client, wfTable).catch(() => undefined);
    console.log(`[worker-kill] killed at ${JSON.stringify(before.partitions)}; finished ${tookAfterKill} ms after the kill; rowsRead ${JSON.stringify(t.rowsRead)}; retried ${retried.length}; by killed worker ${byA.length}, by new worker ${byB.length}; final progress ${final?.progress}`);
  });

  it('a partition killed mid-scan resumes from its heartbeat checkpoint on the new worker', async () => {
    // one partition per side (seconds of scanning), so a scan heartbeats a checkpoint before the kill;
    // extract mode: a pushdown partition is one aggregate query, with no checkpoint inside it
    // its own, larger pair: the scan must last long enough to heartbeat a checkpoint before the kill
    const CP_TABLE = 'crash_kill_cp';
    const pair = await createCrashPair(CP_TABLE, 2_000_000);
    onTestFinished(() => dropCrashPair(CP_TABLE));
    const runId = `crash-kill-cp-${Date.now().toString(36)}`;
    const wfTable = `parity/${runId}/${CP_TABLE}`;
    const env = connEnv('ckill_src', 'ckill_tgt');
    const cfg = writeConfig(join(OUT, 'kill-cp.json'), { source: 'ckill_src', target: 'ckill_tgt', region: REGION, tables: [CP_TABLE], options: { mode: 'extract', fetchSize: 500, heartbeatSeconds: 2 } });
    const out = join(OUT, 'kill-cp.jsonl');
    // only this test's workers poll the region's queue
    for (const w of workers.splice(0)) await stopProcess(w);
    // --threads 2: both sides' scans at once, however many test workers share this machine
    // (a default pool would take its share, src/policy/host.ts, and run them one after the
    // other, each then too quick to heartbeat a checkpoint)
    const a = await startWorker(['--region', REGION, '--no-workflows', '--threads', '2'], env);
    workers.push(a);
    // the SDK sends an activity's heartbeats at most every 0.8 × its heartbeat timeout: with
    // the default 20 s a fast machine finishes the scan before any checkpoint reaches the server
    let ended = false;
    const run = runCli(['run', '--config', cfg, '--json', '--out', out, '--run-id', runId, '--segment-rows', '2000', '--partition-rows', '2000000'], { timeoutMs: 240_000 })
      .finally(() => void (ended = true));

    // wait for a digest whose heartbeat carries a checkpoint (rows > 0, a last key)
    const h = client.workflow.getHandle(wfTable);
    let seen = '';
    const cp = await until('a digest heartbeat with a checkpoint', async () => {
      if (ended) throw new Error(`the run ended before a checkpoint was heartbeated (seen:${seen}): make the table larger`);
      const desc = await h.describe().catch(() => undefined);
      const found: { activityId: string; rows: number; lastKey: string[] }[] = [];
      seen = '';
      for (const pa of desc?.raw.pendingActivities ?? []) {
        const data = pa.heartbeatDetails?.payloads?.[0]?.data;
        seen += ` [${pa.activityId} ${pa.activityType?.name} ${data ? Buffer.from(data).toString('utf8').slice(0, 60) : '-'}]`;
        if (pa.activityType?.name !== 'digestPartition' || !data) continue;
        const d = JSON.parse(Buffer.from(data).toString('utf8')) as { rows?: number; lastKey?: string[] } | null;
        if (d?.rows && d.lastKey) found.push({ activityId: pa.activityId ?? '', rows: d.rows, lastKey: d.lastKey });
      }
      return found[0];
    }, 120_000, 100);
    console.log(`[worker-kill] pending at the kill:${seen}`);
    a.kill('SIGKILL');
    await new Promise((r) => a.once('exit', r));
    const b = await startWorker(['--region', REGION, '--no-workflows'], env);
    workers.push(b);

    const r = await run;
    expect(r.code, r.stderr).toBe(1);
    const t = JSON.parse(r.stdout).tables[0];
    expect(readManifest(out)).toEqual(pair.expected);
    expect(t).toMatchObject({ sourceRows: pair.sourceRows, targetRows: pair.targetRows });
    expect(t.rowsRead.source).toBeLessThanOrEqual(pair.sourceRows * 1.1);
    expect(t.rowsRead.target).toBeLessThanOrEqual(pair.targetRows * 1.1);

    // the retried attempt on the new worker read only the rows after the checkpoint
    const events = await history(client, wfTable);
    const resumed = activityRuns(events).filter((x) => x.type === 'digestPartition' && x.attempt >= 2 && x.outcome === 'completed');
    expect(resumed.length).toBeGreaterThan(0);
    const results = resumed.map((x) => {
      const done = events.find((e) => Number(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? -1) === x.scheduledEventId)!;
      const res = JSON.parse(Buffer.from(done.activityTaskCompletedEventAttributes!.result!.payloads![0].data!).toString('utf8')) as { rows: number; rowsReadNow: number };
      return { ...x, rows: res.rows, rowsReadNow: res.rowsReadNow };
    });
    console.log(`[worker-kill] checkpoint at ${cp.rows} rows (last key ${cp.lastKey}); retried: ${results.map((x) => `${x.side} ${x.label} read ${x.rowsReadNow} of ${x.rows} on ${x.identity === workerIdentity(b.pid!) ? 'the new worker' : x.identity}`).join('; ')}`);
    expect(results.some((x) => x.rowsReadNow < x.rows && x.rows - x.rowsReadNow >= cp.rows && x.identity === workerIdentity(b.pid!))).toBe(true);
  });
});
