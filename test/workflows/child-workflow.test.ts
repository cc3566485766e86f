// Embedding: a user's migration workflow runs Parity's reconcileRun as a child workflow
// (examples/migration), on the real Temporal server, with a real Parity worker process.
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

// this test runs an in-process SDK worker: keep its INFO chatter out of the test output
Runtime.install({ logger: new DefaultLogger('WARN') });
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDemoPair, MY_URL, myExec, PG_URL } from '../../scripts/fixtures';
import { startWorker, stopProcess, workflowQueue } from '../helpers/cli';

describe('Parity as a child of a user migration workflow', () => {
  let parityWorker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    await createDemoPair('child_orders', 800, 5);
    // its own region: only this worker knows the mig_* connections (other test files' workers poll parity-local)
    parityWorker = await startWorker(['--region', 'childwf'], { PARITY_CONN_MIG_SRC: PG_URL, PARITY_CONN_MIG_DST: MY_URL });
  });
  afterAll(async () => {
    if (parityWorker) await stopProcess(parityWorker);
  });

  it('the child verifies the copy: differences before the fix, identical after', async () => {
    const address = inject('temporalAddress');
    const nc = await NativeConnection.connect({ address });
    let copies = 0;
    const worker = await Worker.create({
      connection: nc,
      taskQueue: 'example-migrations',
      workflowsPath: resolve(__dirname, '../../examples/migration/workflows.ts'),
      activities: { async copyTable() { copies++; } },
    });
    const client = new Client({ connection: await Connection.connect({ address }) });
    const input = { table: 'child_orders', source: 'mig_src', target: 'mig_dst', region: 'childwf', parityQueue: workflowQueue() };
    const first = await worker.runUntil(
      client.workflow.execute('migrateTable', { taskQueue: 'example-migrations', workflowId: `migration-child-${Date.now()}`, args: [input] }),
    );
    expect(first).toMatchObject({ copied: true, verified: 'different' });
    expect(first.differences).toBe(19);
    // "fix" the copy: make the target equal to the source by making both sides the same table
    await myExec('DROP TABLE IF EXISTS child_same; CREATE TABLE child_same (id BIGINT PRIMARY KEY, v VARCHAR(10)); INSERT INTO child_same VALUES (1, "a"), (2, "b")');
    const { pgExec } = await import('../../scripts/fixtures');
    await pgExec(`DROP TABLE IF EXISTS child_same; CREATE TABLE child_same (id bigint PRIMARY KEY, v text); INSERT INTO child_same VALUES (1, 'a'), (2, 'b')`);
    const worker2 = await Worker.create({
      connection: nc,
      taskQueue: 'example-migrations',
      workflowsPath: resolve(__dirname, '../../examples/migration/workflows.ts'),
      activities: { async copyTable() { copies++; } },
    });
    const second = await worker2.runUntil(
      client.workflow.execute('migrateTable', { taskQueue: 'example-migrations', workflowId: `migration-child2-${Date.now()}`, args: [{ ...input, table: 'child_same' }] }),
    );
    expect(second).toEqual({ copied: true, verified: 'identical', differences: 0 });
    expect(copies).toBe(2);
    await nc.close();
  });
});
