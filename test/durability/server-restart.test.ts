// The Temporal dev server is stopped in the middle of a run and started again on the same
// SQLite file: the run goes on and completes exactly. This uses a dev server of its own
// (not the shared one of the test run), on a free port, with its state under test-output/.
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/temporal/server';
import { runCli, startWorker, stopProcess } from '../helpers/cli';
import {
  OUT, connEnv, createCrashPair, dropCrashPair, queryProgress, readManifest, sleep, temporalClient, until, waitForPartitions,
  writeConfig, type CrashPair,
} from '../helpers/crash';
import type { RunSummary } from '../../workflows/types';

const TABLE = 'crash_srv';
const REGION = 'crashsrv';
const N = 60_000;
const DIR = join(OUT, 'temporal-restart');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('durability: the Temporal server restarts mid-run', () => {
  let pair: CrashPair;
  let server: RunningServer | undefined;
  let port: number;
  let client: Client | undefined;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  beforeAll(async () => {
    rmSync(DIR, { recursive: true, force: true });
    port = await freePort();
    server = await startServer({ port, dir: DIR, headless: true, timeoutMs: 120_000 });
    pair = await createCrashPair(TABLE, N);
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
    await client?.connection.close().catch(() => {});
    await server?.stop();
    await dropCrashPair(TABLE);
  });

  it('completes exactly after the server was stopped and started again on the same state', async () => {
    const address = server!.address;
    const env = { ...connEnv('csrv_src', 'csrv_tgt'), PARITY_TEMPORAL_ADDRESS: address };
    client = await temporalClient(address);
    const runId = `crash-srv-${Date.now().toString(36)}`;
    const wfRun = `parity/${runId}`;
    const wfTable = `${wfRun}/${TABLE}`;
    const cfg = writeConfig(join(OUT, 'srv.json'), { source: 'csrv_src', target: 'csrv_tgt', region: REGION, tables: [TABLE] });
    worker = await startWorker(['--region', REGION], env);
    const outRun = join(OUT, 'srv-run.jsonl');
    // an attached `parity run`: it must ride out the server's absence too
    const attached = runCli(['run', '--config', cfg, '--json', '--out', outRun, '--run-id', runId, '--segment-rows', '250', '--partition-rows', '5000'], { env, timeoutMs: 240_000 });

    const before = await waitForPartitions(client, wfTable, 2);
    const firstPid = server!.pid;
    const stopAt = Date.now();
    await server!.stop();
    server = undefined;
    // down for a few seconds: the worker's polls and the CLI's long poll fail meanwhile
    await sleep(5000);
    server = await startServer({ port, dir: DIR, headless: true, timeoutMs: 120_000 });
    const downMs = Date.now() - stopAt;
    expect(server.pid).not.toBe(firstPid);

    // the run is still there, and goes on from where it was
    const after = await until('the table workflow to answer after the restart', () => queryProgress(client!, wfTable), 60_000, 500);
    expect(after.partitions.source.done).toBeGreaterThanOrEqual(before.partitions.source.done);

    // `parity status --wait` follows it to the end and exits like run
    const out = join(OUT, 'srv.jsonl');
    const r = await runCli(['status', wfRun, '--wait', '--json'], { env, timeoutMs: 240_000 });
    expect(r.code, r.stderr + r.stdout).toBe(1);
    const t = JSON.parse(r.stdout).tables[0];
    expect(t).toMatchObject({ table: TABLE, status: 'different', sourceRows: pair.sourceRows, targetRows: pair.targetRows });
    expect(t.rowsRead.source).toBeLessThanOrEqual(pair.sourceRows * 1.1);
    expect(t.rowsRead.target).toBeLessThanOrEqual(pair.targetRows * 1.1);
    const rep = await runCli(['report', wfRun, '--out', out], { env });
    expect(rep.code, rep.stderr).toBe(0);
    expect(readManifest(out)).toEqual(pair.expected);
    const a = await attached;
    expect(a.code, `parity run (attached) across the restart: ${a.stderr}`).toBe(1);
    expect(readManifest(outRun)).toEqual(pair.expected);
    const summary = (await client.workflow.getHandle(wfRun).result()) as RunSummary;
    expect(summary.tables[0].manifestSha256).toMatch(/^[0-9a-f]{64}$/);
    console.log(`[server-restart] stopped at ${JSON.stringify(before.partitions)}, down for ${downMs} ms; after restart ${JSON.stringify(after.partitions)}; rowsRead ${JSON.stringify(t.rowsRead)}`);
  });
});
