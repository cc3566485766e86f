// The durability scenario at scale (issue 4): a 5M-row pair, the worker SIGKILLed about a
// third of the way through the digest pass, a new worker started. Passes when the manifest
// is exact and the digest pass read no more than 10 % beyond one full read of each side.
//   node dist/bench/kill.js [--rows 5000000] [--at 0.33]
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { startServer } from '../src/temporal/server';
import { MY_URL, PG_URL, sortRecords } from '../scripts/fixtures';
import { ensurePair, expectedManifest } from './data';
import { freePort, runCli, startWorker } from './procs';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : def;
}

async function main(): Promise<number> {
  const rows = Number(arg('--rows', '5000000'));
  const at = Number(arg('--at', '0.33'));
  const spec = { table: `bench_pair_${rows}`, rows, diffs: Math.round(rows / 1000), json: false };
  const dir = join(tmpdir(), 'parity-bench-kill');
  mkdirSync(dir, { recursive: true });
  const { plan } = await ensurePair(spec, { log: (m) => console.error(m) });
  const server = await startServer({ port: await freePort(), dir: join(dir, 'temporal'), headless: true, timeoutMs: 180_000 });
  const env = { ...process.env, PARITY_TEMPORAL_ADDRESS: server.address, PARITY_STATE_DIR: join(dir, 'state') };
  let worker = await startWorker(env);
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  try {
    const runId = `kill-${Date.now().toString(36)}`;
    const out = join(dir, `${runId}.jsonl`);
    const run = runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', spec.table, '--mode', 'extract', '--out', out, '--json', '--run-id', runId], env);
    const h = client.workflow.getHandle(`parity/${runId}/${spec.table}`);
    let killedAt: unknown;
    for (;;) {
      const p = await h.query<{ phase: string; partitions: { source: { done: number; total: number }; target: { done: number; total: number } } }>('progress').catch(() => undefined);
      if (p && p.phase === 'digest') {
        const done = (p.partitions.source.done + p.partitions.target.done) / Math.max(1, p.partitions.source.total + p.partitions.target.total);
        if (done >= at) {
          killedAt = p.partitions;
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    worker.child.kill('SIGKILL');
    console.error(`killed the worker at ${JSON.stringify(killedAt)}`);
    worker = await startWorker(env);
    const r = await run;
    const t = JSON.parse(r.stdout).tables[0];
    const got = sortRecords(readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
    const exact = JSON.stringify(got) === JSON.stringify(sortRecords(expectedManifest(plan, 'pg2my')));
    const ratio = { source: t.rowsRead.source / t.sourceRows, target: t.rowsRead.target / t.targetRows };
    console.log(`${rows} rows: killed at ${JSON.stringify(killedAt)}; run ${r.seconds.toFixed(1)} s; exit ${r.code}; manifest ${exact ? 'EXACT' : 'NOT exact'}; rowsRead/rows source ${ratio.source.toFixed(3)} target ${ratio.target.toFixed(3)} (≤ 1.10 passes)`);
    return exact && ratio.source <= 1.1 && ratio.target <= 1.1 ? 0 : 1;
  } finally {
    await worker.stop();
    await client.connection.close();
    await server.stop();
  }
}

main().then((c) => process.exit(c), (err) => { console.error(err); process.exit(2); });
