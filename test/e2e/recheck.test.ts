// Live tables: --recheck-after waits on a durable timer after the diff and compares the
// differing keys again; keys that converged meanwhile (replication lag) are reported apart
// as in flight, not as differences.
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { MY_URL, myExec, PG_URL, pgExec } from '../../scripts/fixtures';
import { runCli, startWorker, stopProcess } from '../helpers/cli';

const T = 'recheck_live';

describe('--recheck-after (live tables)', () => {
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    await pgExec(`DROP TABLE IF EXISTS ${T}; CREATE TABLE ${T} (id bigint PRIMARY KEY, v text, d double precision);
      INSERT INTO ${T} SELECT i, 'v' || i, i / 3.0 FROM generate_series(1, 2000) i`);
    await myExec(`DROP TABLE IF EXISTS ${T}; CREATE TABLE ${T} (id BIGINT PRIMARY KEY, v VARCHAR(20), d DOUBLE);
      INSERT INTO ${T} SELECT seq, CONCAT('v', seq), seq / 3.0e0 FROM seq_1_to_2000;
      UPDATE ${T} SET v = 'lagging' WHERE id IN (10, 20);
      DELETE FROM ${T} WHERE id = 30;
      UPDATE ${T} SET v = 'really different' WHERE id = 40`);
    worker = await startWorker();
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
  });

  it('converged keys are in flight, the rest are differences', async () => {
    const runId = `recheck-${Date.now().toString(36)}`;
    const started = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', T, '--recheck-after', '8', '--detach', '--run-id', runId]);
    expect(started.code, started.stderr).toBe(0);
    const client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
    const h = client.workflow.getHandle(`parity/${runId}/${T}`);
    // wait for the diff to finish and the timer to start
    const deadline = Date.now() + 60_000;
    for (;;) {
      const p = await h.query<{ phase: string }>('progress').catch(() => ({ phase: '' }));
      if (p.phase === 'recheck') break;
      if (Date.now() > deadline) throw new Error('the run never reached the recheck phase');
      await new Promise((r) => setTimeout(r, 200));
    }
    // replication catches up on two keys (and the missing row arrives) while the timer runs
    await myExec(`UPDATE ${T} SET v = CONCAT('v', id) WHERE id IN (10, 20); INSERT INTO ${T} VALUES (30, 'v30', 10.0)`);
    const done = await runCli(['status', `parity/${runId}`, '--wait', '--json']);
    expect(done.code, done.stdout + done.stderr).toBe(1);
    const t = JSON.parse(done.stdout).tables[0];
    expect(t.inFlight).toBe(3);
    expect(t).toMatchObject({ missing: 0, extra: 0, changed: 1 });
    const report = await runCli(['report', `parity/${runId}`, '--format', 'jsonl']);
    expect(report.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l))).toEqual([{ table: T, key: ['40'], kind: 'changed', columns: ['v'] }]);
    await client.connection.close();
  });
});
