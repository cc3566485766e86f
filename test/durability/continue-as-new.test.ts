// History stays bounded: with a low continue-as-new threshold (RunSpec option
// historyThreshold, from a config file's options block) the table workflow continues as new
// several times, carrying its compact state, and the result is still exact with no rescan.
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startWorker, stopProcess } from '../helpers/cli';
import {
  OUT, activityRuns, connEnv, createCrashPair, dropCrashPair, queryProgress, readManifest, runChain, sleep,
  temporalClient, until, writeConfig, type CrashPair,
} from '../helpers/crash';
import type { RunSummary } from '../../workflows/types';

const TABLE = 'crash_can';
const REGION = 'crashcan';
const N = 30_000;

describe('durability: continue-as-new under a low history threshold', () => {
  let pair: CrashPair;
  let client: Client;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  beforeAll(async () => {
    pair = await createCrashPair(TABLE, N);
    client = await temporalClient();
    worker = await startWorker(['--region', REGION], connEnv('ccan_src', 'ccan_tgt'));
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
    await client?.connection.close();
    await dropCrashPair(TABLE);
  });

  it('continues as new at least once and still reports exactly', async () => {
    const runId = `crash-can-${Date.now().toString(36)}`;
    const wfTable = `parity/${runId}/${TABLE}`;
    const cfg = writeConfig(join(OUT, 'can.json'), {
      source: 'ccan_src', target: 'ccan_tgt', region: REGION, tables: [TABLE],
      options: { historyThreshold: 60, segmentRows: 250, partitionRows: 2500 },
    });
    const out = join(OUT, 'can.jsonl');
    const r = await runCli(['run', '--config', cfg, '--json', '--out', out, '--run-id', runId], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(1);
    const t = JSON.parse(r.stdout).tables[0];
    expect(t).toMatchObject({ table: TABLE, sourceRows: pair.sourceRows, targetRows: pair.targetRows });
    expect(readManifest(out)).toEqual(pair.expected);
    // carried state: nothing read twice across the runs of the chain
    expect(t.rowsRead).toEqual({ source: pair.sourceRows, target: pair.targetRows });

    const summary = (await client.workflow.getHandle(`parity/${runId}`).result()) as RunSummary;
    const partitions = summary.tables[0].partitions!;
    expect(partitions).toBeGreaterThanOrEqual(10);
    const chain = await runChain(client, wfTable);
    expect(chain.length).toBeGreaterThan(1);
    for (const [i, c] of chain.entries()) {
      const last = c.events[c.events.length - 1];
      if (i < chain.length - 1) expect(last.workflowExecutionContinuedAsNewEventAttributes, `run ${i + 1} of ${chain.length}`).toBeTruthy();
      else expect(last.workflowExecutionCompletedEventAttributes).toBeTruthy();
    }
    // every partition of each side digested exactly once across the whole chain
    const digests = chain.flatMap((c) => activityRuns(c.events)).filter((x) => x.type === 'digestPartition' && x.outcome === 'completed');
    for (const side of ['source', 'target']) {
      const labels = digests.filter((x) => x.side === side).map((x) => x.label);
      expect(new Set(labels).size, `${side}: ${labels.join(' ')}`).toBe(labels.length);
      expect(labels.length).toBe(partitions);
    }
    console.log(`[continue-as-new] ${chain.length} runs, history lengths ${chain.map((c) => c.events.length).join(', ')} (threshold 60)`);
    // bounded: a run that continued as new stopped soon after the threshold (only the
    // partitions in flight drain first); the last run adds refine and report on top
    const drained = chain.slice(0, -1).map((c) => c.events.length);
    expect(Math.max(...drained)).toBeLessThan(60 + 40);
  });

  // pushdown: the same chain in pushdown mode, with few and with scattered differences
  for (const [kind, diffs] of [['few', { missing: 1, changed: 1, extra: 1 }], ['scattered', {}]] as const) {
    it(`pushdown, ${kind} differences: continues as new and still reports exactly`, async () => {
      const PD = `crash_can_pd_${kind}`;
      const pd = await createCrashPair(PD, N, diffs);
      try {
        const runId = `crash-can-pd-${kind}-${Date.now().toString(36)}`;
        const cfg = writeConfig(join(OUT, `can-pd-${kind}.json`), {
          source: 'ccan_src', target: 'ccan_tgt', region: REGION, tables: [PD],
          options: { mode: 'pushdown', historyThreshold: 50, segmentRows: 250, partitionRows: 2500 },
        });
        const out = join(OUT, `can-pd-${kind}.jsonl`);
        const r = await runCli(['run', '--config', cfg, '--json', '--out', out, '--run-id', runId], { timeoutMs: 240_000 });
        expect(r.code, r.stderr).toBe(1);
        const t = JSON.parse(r.stdout).tables[0];
        expect(t).toMatchObject({ table: PD, mode: 'pushdown', sourceRows: pd.sourceRows, targetRows: pd.targetRows });
        expect(readManifest(out)).toEqual(pd.expected);
        expect(t.rowsRead).toEqual({ source: pd.sourceRows, target: pd.targetRows });
        const chain = await runChain(client, `parity/${runId}/${PD}`);
        expect(chain.length).toBeGreaterThan(1);
        // every partition of each side digested exactly once across the chain
        const digests = chain.flatMap((c) => activityRuns(c.events)).filter((x) => x.type === 'digestPartition' && x.outcome === 'completed');
        for (const side of ['source', 'target']) {
          const labels = digests.filter((x) => x.side === side).map((x) => x.label);
          expect(new Set(labels).size, `${side}: ${labels.join(' ')}`).toBe(labels.length);
          expect(labels.length).toBe(12);
        }
      } finally {
        await dropCrashPair(PD);
      }
    });
  }

  // a pause is part of the carried state, so it survives continue-as-new
  it('a pause survives continue-as-new', async () => {
    const runId = `crash-can-pause-${Date.now().toString(36)}`;
    const wfTable = `parity/${runId}/${TABLE}`;
    const cfg = writeConfig(join(OUT, 'can-pause.json'), {
      source: 'ccan_src', target: 'ccan_tgt', region: REGION, tables: [TABLE],
      options: { historyThreshold: 60, segmentRows: 250, partitionRows: 2500 },
    });
    const run = runCli(['run', '--config', cfg, '--json', '--run-id', runId], { timeoutMs: 240_000 });
    const h = client.workflow.getHandle(wfTable);
    await until('digest to start', async () => (await h.query<{ phase: string }>('progress')).phase === 'digest');
    await h.signal('pause');
    // grow the history while paused (each signal adds events) until the chain continues as new
    const first = (await h.describe()).runId;
    await until('a continue-as-new while paused', async () => {
      await h.signal('setConcurrency', 2);
      return (await h.describe()).runId !== first;
    }, 60_000, 200);
    await sleep(3000);
    const p = await queryProgress(client, wfTable);
    const done = p.partitions.source.done + p.partitions.target.done;
    await sleep(3000);
    const q = await queryProgress(client, wfTable);
    await h.signal('resume');
    expect(q.paused).toBe(true);
    expect(q.partitions.source.done + q.partitions.target.done).toBe(done);
    expect((await run).code).toBe(1);
  });
});
