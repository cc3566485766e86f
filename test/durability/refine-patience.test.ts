// Refinement has a digest's patience with connection trouble. A refinement batch whose
// activity fails with ConnectionLost on both of Temporal's attempts (a killed session, twice)
// used to fail the table (exit 2); the workflow now runs it again after a back-off. The fault
// is injected into the real compareSegments activity (real databases, real Temporal), in a
// namespace of its own so no other worker takes these tasks.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities';
import { createDemoPair, MY_URL, PG_URL, sortRecords } from '../../scripts/fixtures';
import { freshNamespace, ROOT, runCli, workflowQueue } from '../helpers/cli';

const OUT = join(ROOT, 'test-output', 'refine-patience');

describe('refinement and connection trouble', () => {
  it('a refinement batch that fails twice with ConnectionLost is run again, and the result is exact', async () => {
    mkdirSync(OUT, { recursive: true });
    const ns = await freshNamespace('parity-refine');
    const pair = await createDemoPair('refine_patience', 1500, 41);
    const acts = createActivities({ region: 'local' });
    const calls = new Map<string, number>();
    const activities = {
      ...acts,
      async compareSegments(input: Parameters<typeof acts.compareSegments>[0]) {
        const n = (calls.get(input.batch) ?? 0) + 1;
        calls.set(input.batch, n);
        // both of Temporal's attempts of the first activity for each batch
        if (n <= 2) throw ApplicationFailure.create({ type: 'ConnectionLost', message: `injected: the session of ${input.batch} was killed` });
        return acts.compareSegments(input);
      },
    };
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const workers = [
      await Worker.create({ connection, namespace: ns, taskQueue: 'parity-local', activities }),
      await Worker.create({ connection, namespace: ns, taskQueue: workflowQueue(), workflowBundle: { codePath: join(ROOT, 'dist/workflow-bundle.js') } }),
    ];
    const running = Promise.all(workers.map((w) => w.run()));
    try {
      const out = join(OUT, 'run.jsonl');
      const r = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', pair.table, '--out', out, '--json'], { env: { PARITY_NAMESPACE: ns }, timeoutMs: 120_000 });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(sortRecords(readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)))).toEqual(pair.expected);
      // every batch: two failed attempts, then the workflow's own retry succeeded
      expect(calls.size).toBeGreaterThan(0);
      expect([...calls.values()].every((n) => n === 3), JSON.stringify([...calls])).toBe(true);
    } finally {
      workers.forEach((w) => w.shutdown());
      await running;
      await connection.close();
    }
  }, 180_000);
});
