// `parity run` right after the only worker died: Temporal still lists the dead worker's
// poller for up to ~70 s, so the CLI finds the queues "served" and starts no worker of its
// own. It must notice that nobody picks up the run and serve it itself, not wait forever.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDemoPair, MY_URL, PG_URL, sortRecords, type SamplePair } from '../../scripts/fixtures';
import { ROOT, runCli, startWorker, stopProcess } from '../helpers/cli';

const OUT = join(ROOT, 'test-output', 'e2e-dead-worker');
const T = 'dead_worker_orders';

describe('a run started just after its worker died', () => {
  let pair: SamplePair;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    pair = await createDemoPair(T, 800, 31);
  });

  it('starts an in-process worker when the first workflow task waits, and finishes exactly', async () => {
    const w = await startWorker();
    // a few long polls reach the server, then the worker dies without saying goodbye
    await new Promise((r) => setTimeout(r, 1500));
    await stopProcess(w, 'SIGKILL');
    const out = join(OUT, 'run.jsonl');
    const t0 = Date.now();
    const r = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', T, '--out', out], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/no worker picked up parity\/\S+ in 10 s .*starting one in this process/);
    expect(sortRecords(readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)))).toEqual(pair.expected);
    // well inside the ~70 s a dead poller stays listed
    expect(Date.now() - t0).toBeLessThan(60_000);
  }, 120_000);
});
