// `parity run` right after the only worker died: Temporal still lists the dead worker's
// poller for up to ~70 s, so the CLI could find the queues "served" and start no worker of
// its own. A poller of a process on this machine that is gone is seen as dead at once (its
// identity is <pid>@<host>); one the CLI cannot check (another host, a custom identity) is
// caught by the watch: nobody picks up the run for 10 s, so the CLI serves it itself.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createDemoPair, MY_URL, PG_URL, sortRecords, type SamplePair } from '../../scripts/fixtures';
import { deadLocalPoller } from '../../src/cli/context';
import { freshNamespace, ROOT, runCli, startWorker, stopProcess, workflowQueue } from '../helpers/cli';

const OUT = join(ROOT, 'test-output', 'e2e-dead-worker');
const T = 'dead_worker_orders';

describe('a run started just after its worker died', () => {
  let pair: SamplePair;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    pair = await createDemoPair(T, 800, 31);
  });

  const manifest = (out: string) => sortRecords(readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));

  it('a poller identity names a dead process only for a gone pid on this host', () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    expect(deadLocalPoller(`${gone}@${hostname()}`)).toBe(true);
    expect(deadLocalPoller(`${process.pid}@${hostname()}`)).toBe(false);
    expect(deadLocalPoller(`${gone}@some-other-host`)).toBe(false);
    expect(deadLocalPoller('my-custom-worker')).toBe(false);
    expect(deadLocalPoller(undefined)).toBe(false);
  });

  it('a local worker killed a moment ago: the CLI serves the run at once, exactly', async () => {
    const w = await startWorker();
    // a few long polls reach the server, then the worker dies without saying goodbye
    await new Promise((r) => setTimeout(r, 1500));
    await stopProcess(w, 'SIGKILL');
    const out = join(OUT, 'run-local.jsonl');
    const r = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', T, '--out', out], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(1);
    // served by the in-process worker from the start, not after the 10 s watch
    expect(r.stderr).not.toMatch(/no worker picked up/);
    expect(manifest(out)).toEqual(pair.expected);
  }, 120_000);

  it('a stopped worker the CLI cannot check: the watch starts an in-process worker after 10 s, exactly', async () => {
    // a worker in this process with another host's identity, stopped: its poller stays listed
    process.env.PARITY_WORKFLOW_QUEUE = workflowQueue();
    const { createWorker } = await import('../../src/temporal/worker');
    const w = await createWorker({ address: inject('temporalAddress'), threads: 0, identity: `1@not-${hostname()}` });
    const running = w.run();
    await new Promise((r) => setTimeout(r, 1500));
    w.shutdown();
    await running;
    const out = join(OUT, 'run-remote.jsonl');
    const t0 = Date.now();
    const r = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', T, '--out', out], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/no worker picked up parity\/\S+ in 10 s .*starting one in this process/);
    expect(manifest(out)).toEqual(pair.expected);
    // well inside the ~70 s a dead poller stays listed
    expect(Date.now() - t0).toBeLessThan(60_000);
  }, 120_000);

  // The workflows served by a live worker, the activities by an activities-only worker that
  // dies mid-run: the run waited forever for a worker nobody would start. The CLI now sees
  // that nothing polls the activity queue and serves the activities itself. Its own
  // namespace: no other test file's worker polls these queues.
  it('the only activity worker dies mid-run: the CLI serves the activities, exactly', async () => {
    const ns = await freshNamespace('parity-dead');
    const env = { PARITY_NAMESPACE: ns };
    const big = await createDemoPair(`${T}_big`, 40_000, 32);
    const workflows = await startWorker(['--region', 'elsewhere'], env); // the workflow queue, not parity-local
    const activities = await startWorker(['--no-workflows'], env);
    try {
      const out = join(OUT, 'run-activities.jsonl');
      const run = runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', big.table, '--out', out, '--run-id', 'dead-activities', '--partition-rows', '2000', '--heartbeat-seconds', '2'], { env, timeoutMs: 150_000 });
      // kill the activity worker while it runs one of this run's digests
      const connection = await Connection.connect({ address: inject('temporalAddress') });
      try {
        const handle = new Client({ connection, namespace: ns }).workflow.getHandle(`parity/dead-activities/${big.table}`);
        for (let i = 0; ; i++) {
          const d = await handle.describe().then((x) => x.raw.pendingActivities ?? [], () => []);
          // a digest (2 s heartbeat timeout here): a short activity killed waits out its start-to-close timeout
          if (d.some((a) => a.activityType?.name === 'digestPartition' && a.lastWorkerIdentity?.startsWith(`${activities.pid}@`))) break;
          if (i > 1500) throw new Error('the activity worker never started an activity');
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        await connection.close();
      }
      await stopProcess(activities, 'SIGKILL');
      const r = await run;
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/no worker polls parity-local any more \(for 10 s\); serving its activities in this process/);
      expect(manifest(out)).toEqual(big.expected);
    } finally {
      await stopProcess(activities, 'SIGKILL');
      await stopProcess(workflows);
    }
  }, 180_000);
});
