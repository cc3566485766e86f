// Scale-out: two worker processes on the same task queues share one run's partitions.
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startWorker, stopProcess } from '../helpers/cli';
import {
  OUT, activityRuns, connEnv, createCrashPair, dropCrashPair, history, readManifest, temporalClient, workerIdentity,
  writeConfig, type CrashPair,
} from '../helpers/crash';

const TABLE = 'crash_pair';
const REGION = 'crashpair';
const N = 40_000;

describe('durability: two workers share a run', () => {
  let pair: CrashPair;
  let client: Client;
  const workers: Awaited<ReturnType<typeof startWorker>>[] = [];
  beforeAll(async () => {
    pair = await createCrashPair(TABLE, N);
    client = await temporalClient();
  });
  afterAll(async () => {
    for (const w of workers) await stopProcess(w);
    await client?.connection.close();
    await dropCrashPair(TABLE);
  });

  it('both worker processes digest partitions of the same run; the result is exact', async () => {
    const runId = `crash-pair-${Date.now().toString(36)}`;
    const wfTable = `parity/${runId}/${TABLE}`;
    const env = connEnv('cpair_src', 'cpair_tgt');
    const cfg = writeConfig(join(OUT, 'pair.json'), { source: 'cpair_src', target: 'cpair_tgt', region: REGION, tables: [TABLE] });
    const out = join(OUT, 'pair.jsonl');
    workers.push(await startWorker(['--region', REGION], env), await startWorker(['--region', REGION], env));
    const r = await runCli(['run', '--config', cfg, '--json', '--out', out, '--run-id', runId, '--segment-rows', '250', '--partition-rows', '2500', '--concurrency', '4'], { timeoutMs: 240_000 });
    expect(r.code, r.stderr).toBe(1);
    const t = JSON.parse(r.stdout).tables[0];
    expect(t).toMatchObject({ sourceRows: pair.sourceRows, targetRows: pair.targetRows });
    expect(readManifest(out)).toEqual(pair.expected);

    const runs = activityRuns(await history(client, wfTable)).filter((x) => x.type === 'digestPartition' && x.outcome === 'completed');
    const ids = workers.map((w) => workerIdentity(w.pid!));
    const count = ids.map((id) => runs.filter((x) => x.identity === id).length);
    console.log(`[scale-out] digest activities per worker: ${count.join(' + ')} = ${runs.length}`);
    // every digest activity ran on one of the two workers, and each did some
    expect(count[0] + count[1]).toBe(runs.length);
    expect(count[0]).toBeGreaterThan(0);
    expect(count[1]).toBeGreaterThan(0);
  });

  // Workers that do not share a results store (PARITY_RESULTS_DIR) must never make the
  // manifest silently short: the workflow checks the store's count against what refinement
  // found and refuses to answer (exit 2) when they differ.
  it('workers with separate results stores never produce a wrong answer', async () => {
    const runId = `crash-pair-sep-${Date.now().toString(36)}`;
    const env = connEnv('cpair_src', 'cpair_tgt');
    const cfg = writeConfig(join(OUT, 'pair-sep.json'), { source: 'cpair_src', target: 'cpair_tgt', region: REGION, tables: [TABLE] });
    for (const w of workers.splice(0)) await stopProcess(w);
    workers.push(
      await startWorker(['--region', REGION], { ...env, PARITY_RESULTS_DIR: join(OUT, 'results-a') }),
      await startWorker(['--region', REGION], { ...env, PARITY_RESULTS_DIR: join(OUT, 'results-b') }),
    );
    const r = await runCli(['run', '--config', cfg, '--json', '--run-id', runId, '--segment-rows', '250', '--partition-rows', '2500', '--concurrency', '4'], { timeoutMs: 240_000 });
    // either exact, or "could not decide": never fewer differences than there are
    if (r.code !== 2) {
      expect(r.code, r.stderr).toBe(1);
      const t = JSON.parse(r.stdout).tables[0];
      expect(t.missing + t.extra + t.changed).toBe(pair.expected.length);
    }
  });
});
