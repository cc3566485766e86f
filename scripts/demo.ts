// npm run demo: the embedded default. Makes sure the Temporal dev server is up (leaving it
// running for the Web UI), creates a sample PostgreSQL → MariaDB pair with known
// differences, reconciles it with `parity run`, and prints the report and where to look.
import { join } from 'node:path';
import { ensureLocalServer } from '../src/temporal/server';
import { main } from '../src/cli/main';
import { createDemoPair, MY_URL, PG_URL, sortRecords } from './fixtures';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

async function demo(): Promise<number> {
  const server = await ensureLocalServer({ log: (m) => console.error(m) });
  console.error(`Temporal dev server: ${server.address} (${server.started ? 'started' : 'already running'})`);
  const pair = await createDemoPair();
  console.error(`created ${pair.table}: ${pair.rows} rows in PostgreSQL, its copy in MariaDB with ${pair.expected.length} known differences`);
  const out = join(tmpdir(), `parity-demo-${process.pid}.jsonl`);
  const html = join(process.cwd(), 'parity-demo-report.html');
  const runId = `demo-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}`;
  const code = await main(['node', 'parity', 'run', '--source', PG_URL, '--target', MY_URL, '--table', pair.table, '--out', out, '--run-id', runId, '--temporal', server.address]);
  const manifest = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  console.log('\ndelta manifest (JSON Lines):');
  for (const r of manifest) console.log(JSON.stringify(r));
  const exact = JSON.stringify(sortRecords(manifest)) === JSON.stringify(pair.expected);
  console.log(`\nmanifest ${exact ? 'matches' : 'DOES NOT match'} the ${pair.expected.length} injected differences`);
  await main(['node', 'parity', 'report', `parity/${runId}`, '--format', 'html', '--out', html, '--temporal', server.address]);
  console.log(`HTML report: ${html}`);
  console.log(`Web UI: ${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(`WorkflowId STARTS_WITH "parity/${runId}"`)}`);
  console.log(`See it from the shell: temporal workflow list --address ${server.address} --query 'ParityTable="${pair.table}"'`);
  console.log('The local Temporal server keeps running for the Web UI; stop it with: npx parity server --stop');
  if (!exact) return 2;
  return code === 1 ? 0 : 2;
}

demo().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`demo failed: ${(err as Error).message}`);
    process.exit(2);
  },
);
