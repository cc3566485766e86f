// Replays recorded workflow histories against the current workflow code, so a change to
// workflows/ that breaks determinism (and would break every run in flight during a deploy)
// fails CI.
//
// The fixtures in test/durability/fixtures/ were recorded from real runs. Regenerate them
// (on purpose, when a workflow change is meant to be incompatible and old runs are drained,
// or when a new code path deserves its own history) with:
//
//   npm run build && PARITY_RECORD_HISTORIES=1 npx vitest run test/durability/replay.test.ts
//
// The recording run reconciles a small pair with differences, with a low continue-as-new
// threshold (so the table workflow continues as new) and with pause / setConcurrency /
// resume signals sent mid-run; it saves the run workflow's history and every run of the
// table workflow's chain.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { inject } from 'vitest';
import { findTemporalCli } from '../../src/temporal/cli-binary';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, startWorker, stopProcess } from '../helpers/cli';
import {
  OUT, connEnv, createCrashPair, dropCrashPair, readManifest, runChain, sleep, temporalClient, until, writeConfig,
} from '../helpers/crash';

const FIXTURES = join(__dirname, 'fixtures');
// the replay workers log every state change at INFO otherwise
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch { /* already installed in this process */ }
const RECORD = process.env.PARITY_RECORD_HISTORIES === '1';
const workflowsPath = join(ROOT, 'workflows', 'index.ts');

interface Fixture { workflowId: string; workflowType: string; note: string; history: { events: Record<string, unknown>[] } }

/**
 * History JSON (as `temporal workflow show --output json` prints it) → History proto.
 * The SDK's own historyFromJSON (which Worker.runReplayHistory calls on JSON input) throws
 * "type must be a Type" in this install: @temporalio/common and @temporalio/proto each get
 * their own nested copy of protobufjs 8 (the hoisted one is 7.x, for @grpc/proto-loader), and
 * protojson's instanceof check fails across the copies. Parsing with the copy that
 * @temporalio/proto itself uses works with either layout.
 */
function historyFromJSON(history: unknown): unknown {
  const req = createRequire(require.resolve('@temporalio/proto'));
  const { fromJson } = req('protobufjs/ext/protojson') as { fromJson: (t: unknown, v: unknown, o: unknown) => unknown };
  const { patchProtobufRoot } = req('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot: (r: unknown) => { lookupType(n: string): unknown } };
  const type = patchProtobufRoot(req('@temporalio/proto')).lookupType('temporal.api.history.v1.History');
  return fromJson(type, history, { ignoreUnknownFields: true });
}

function fixtures(): { file: string; f: Fixture }[] {
  let files: string[] = [];
  try {
    files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();
  } catch { /* none yet */ }
  return files.map((file) => ({ file, f: JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Fixture }));
}

describe.runIf(RECORD)('record histories for the replay test (PARITY_RECORD_HISTORIES=1)', () => {
  it('runs a small reconciliation with continue-as-new and signals, and saves its histories', async () => {
    const table = 'crash_rec';
    const pair = await createCrashPair(table, 6000, { missing: 2, changed: 3, extra: 1 });
    const client = await temporalClient();
    const env = connEnv('rec_src', 'rec_tgt');
    const worker = await startWorker(['--region', 'crashrec'], env);
    try {
      const runId = 'replay-fixture';
      // a fixed run id: terminate a leftover run of an earlier recording on this server
      await client.workflow.getHandle(`parity/${runId}`).terminate('re-recording').catch(() => {});
      const cfg = writeConfig(join(OUT, 'rec.json'), {
        source: 'rec_src', target: 'rec_tgt', region: 'crashrec', tables: [table],
        options: { segmentRows: 100, partitionRows: 1000, historyThreshold: 60, concurrency: 2 },
      });
      const out = join(OUT, 'rec.jsonl');
      const run = runCli(['run', '--config', cfg, '--json', '--out', out, '--run-id', runId]);
      const wfTable = `parity/${runId}/${table}`;
      const h = client.workflow.getHandle(wfTable);
      await until('the table workflow to start digesting', async () => (await h.query<{ phase: string }>('progress')).phase === 'digest');
      await h.signal('pause');
      await sleep(1500);
      await h.signal('setConcurrency', 1);
      await h.signal('resume');
      const r = await run;
      expect(r.code, r.stderr).toBe(1);
      expect(readManifest(out)).toEqual(pair.expected);

      const chain = await runChain(client, wfTable);
      expect(chain.length, 'the table workflow should have continued as new').toBeGreaterThan(1);
      // the histories as `temporal workflow show --output json` prints them (what the SDK's replayer reads)
      const cli = await findTemporalCli();
      const show = (workflowId: string, runId?: string) =>
        JSON.parse(execFileSync(cli, ['workflow', 'show', '--address', inject('temporalAddress'), '--workflow-id', workflowId, ...(runId ? ['--run-id', runId] : []), '--output', 'json'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
      // replace the recorded histories, keep the README
      mkdirSync(FIXTURES, { recursive: true });
      for (const f of readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))) rmSync(join(FIXTURES, f));
      const save = (name: string, f: Omit<Fixture, 'history'>, history: unknown) =>
        writeFileSync(join(FIXTURES, name), JSON.stringify({ ...f, history }, null, 1) + '\n');
      save('reconcileRun.json', { workflowId: `parity/${runId}`, workflowType: 'reconcileRun', note: 'one table, differences' }, show(`parity/${runId}`));
      for (const [i, c] of chain.entries()) {
        save(`reconcileTable-run${i + 1}-of-${chain.length}.json`, {
          workflowId: wfTable,
          workflowType: 'reconcileTable',
          note: i === 0 ? 'first run: precheck, plan, digest, continue-as-new' : i === chain.length - 1 ? 'last run: carried state, digest, refine, report' : 'carried state, digest, continue-as-new',
        }, show(wfTable, c.runId));
      }
      // the fresh fixtures replay (the replay suite below reads them on the next, normal run)
      for (const { f } of fixtures()) await Worker.runReplayHistory({ workflowsPath }, historyFromJSON(f.history), f.workflowId);
    } finally {
      await stopProcess(worker);
      await client.connection.close();
      await dropCrashPair(table);
    }
  });
});

describe.skipIf(RECORD)('replay of recorded histories against the current workflow code', () => {
  const all = fixtures();
  let workflowBundle: Awaited<ReturnType<typeof bundleWorkflowCode>>;
  beforeAll(async () => {
    // one bundle of workflows/index.ts for every replay (as a worker would build it)
    workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  });

  it('has fixtures to replay', () => {
    expect(all.map((x) => x.f.workflowType).sort()).toEqual(expect.arrayContaining(['reconcileRun', 'reconcileTable']));
    // the table chain's first run ends in continue-as-new; the signals are in the chain
    const first = all.find((x) => /run1-of/.test(x.file))?.f.history.events ?? [];
    expect(first.some((e) => 'workflowExecutionContinuedAsNewEventAttributes' in e)).toBe(true);
    const table = all.filter((x) => x.f.workflowType === 'reconcileTable').flatMap((x) => x.f.history.events);
    expect(table.filter((e) => 'workflowExecutionSignaledEventAttributes' in e).length).toBeGreaterThanOrEqual(3);
  });

  it.each(all.map((x) => [x.file, x.f] as const))('%s replays without nondeterminism', async (_file, f) => {
    await Worker.runReplayHistory({ workflowBundle }, historyFromJSON(f.history), f.workflowId);
  });

  it('the harness does catch nondeterminism (a tampered history fails)', async () => {
    const first = all.find((x) => /reconcileTable-run1/.test(x.file));
    expect(first).toBeDefined();
    const events = structuredClone(first!.f.history.events) as { activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }[];
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes);
    scheduled!.activityTaskScheduledEventAttributes!.activityType!.name = 'notTheActivityTheCodeSchedules';
    await expect(Worker.runReplayHistory({ workflowBundle }, historyFromJSON({ events }), first!.f.workflowId)).rejects.toThrow(/[Nn]ondetermin/);
  });
});
