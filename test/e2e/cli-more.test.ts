// The rest of the CLI surface end to end: plan, baseline + drift halt, --where, --help for
// every command, status/report, resume-from.
import { existsSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDemoPair, MY_URL, myExec, PG_URL, sortRecords, type SamplePair } from '../../scripts/fixtures';
import { registerSearchAttributes } from '../../src/temporal/search-attributes';
import { freshNamespace, ROOT, runCli, startWorker, stopProcess } from '../helpers/cli';

const OUT = join(ROOT, 'test-output', 'e2e-more');
const T = 'more_orders';

describe('CLI surface', () => {
  let pair: SamplePair;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    pair = await createDemoPair(T, 1500, 23);
    worker = await startWorker();
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
  });

  it.each(['run', 'worker', 'server', 'dev', 'status', 'report', 'plan', 'baseline', 'doctor'])('parity %s --help shows usage and an example', async (cmd) => {
    const r = await runCli([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Usage: parity ${cmd}`));
    expect(r.stdout).toMatch(/Example/);
  });

  // exit 1 means "differences found": a mistyped option must not look like it (commander's
  // own exit code for it is 1, and subcommands did not inherit the override)
  it.each([
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['run', '--partition-rows', 'abc'], /--partition-rows must be a whole number/],
    [['worker', '--threads', 'x'], /--threads must be a whole number/],
    [['status'], /missing required argument 'workflow-id'/],
    [['nosuch'], /unknown command 'nosuch'/],
  ])('parity %j is bad input: exit 2, naming the problem', async (args, message) => {
    const r = await runCli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  // bin/parity sets glibc's trim threshold before node starts (bench/README.md, finding 35):
  // the worker's own environment shows it, and the process is node itself (exec), so signals
  // and the pid a supervisor holds reach the worker
  it.runIf(existsSync('/proc/self/environ'))('the parity command runs node with a fixed malloc trim threshold; a value already set wins', async () => {
    const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    expect(readFileSync(`/proc/${worker.pid}/comm`, 'utf8').trim()).toBe('node');
    // and its start-up output is its own line, without the SDK's by-design "not polling" warnings
    expect(worker.output()).toMatch(/^worker: region local/);
    expect(worker.output()).not.toMatch(/not polling for/);
    expect(environ(worker.pid!)).toContain(`MALLOC_TRIM_THRESHOLD_=${process.env.MALLOC_TRIM_THRESHOLD_ ?? '131072'}`);
    const own = await startWorker([], { MALLOC_TRIM_THRESHOLD_: '262144' });
    try {
      expect(environ(own.pid!)).toContain('MALLOC_TRIM_THRESHOLD_=262144');
      // and it found the first worker registered on this machine (src/policy/host.ts)
      expect(Number(/(\d+) worker\(s\) on this machine share its cores/.exec(own.output())?.[1])).toBeGreaterThanOrEqual(2);
    } finally {
      await stopProcess(own);
    }
    // SIGTERM is a clean stop: exit 0 (the SDK's runtime had already begun the shutdown), and
    // the worker left the machine's registry
    expect(own.exitCode).toBe(0);
    expect(existsSync(join(tmpdir(), `parity-workers-${process.getuid?.() ?? 'user'}`, String(own.pid)))).toBe(false);
  });

  it('plan prints partitions, estimates and mode without hashing', async () => {
    const r = await runCli(['plan', '--source', PG_URL, '--target', MY_URL, '--table', T, '--json', '--partition-rows', '1000', '--segment-rows', '100']);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout).tables[0];
    expect(p.table).toBe(T);
    expect(p.segments).toBeGreaterThanOrEqual(10);
    expect(p.partitionsPerSide).toBeGreaterThanOrEqual(2);
    expect(['extract', 'pushdown']).toContain(p.mode);
    expect(p.halts).toEqual([]);
  });

  it('baseline + run --baseline: no drift runs; drift halts before hashing with exit 2 and a readable diff', async () => {
    const base = join(OUT, 'baseline.json');
    expect((await runCli(['baseline', '--source', PG_URL, '--target', MY_URL, '--table', T, '--out', base])).code).toBe(0);
    const b = JSON.parse(readFileSync(base, 'utf8'));
    expect(b.canonicalVersion).toBe(1);
    expect(b.tables[T].source.map((c: { name: string }) => c.name)).toContain('price');
    const ok = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', T, '--baseline', base, '--json']);
    expect(ok.code, ok.stderr).toBe(1);
    await myExec(`ALTER TABLE ${T} MODIFY ratio DOUBLE NOT NULL DEFAULT 0`);
    try {
      const r = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', T, '--baseline', base, '--json']);
      expect(r.code).toBe(2);
      const t = JSON.parse(r.stdout).tables[0];
      expect(t.status).toBe('halted');
      expect(t.error.type).toBe('SchemaDrift');
      expect(t.error.message).toMatch(/target: column "ratio" changed nullability NULL → NOT NULL/);
    } finally {
      await myExec(`ALTER TABLE ${T} MODIFY ratio DOUBLE NULL`);
    }
  });

  it('--where restricts both sides; a predicate that fails on one side is bad input (exit 2)', async () => {
    const out = join(OUT, 'where.jsonl');
    const r = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', T, '--where', 'id < 0', '--out', out, '--json']);
    const expected = pair.expected.filter((e) => BigInt(e.key[0]) < 0n);
    expect(r.code, r.stderr).toBe(expected.length ? 1 : 0);
    expect(sortRecords(readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)))).toEqual(expected);
    const bad = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', T, '--where', 'no_such_column = 1', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).tables[0].error.message).toMatch(/--where .* does not work on the source/);
  });

  it('status --json, status --wait and report (jsonl, csv) follow the contract; --detach exits 0 at once', async () => {
    const d = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', T, '--detach', '--run-id', 'more-detach']);
    expect(d.code).toBe(0);
    expect(d.stdout.trim()).toBe('parity/more-detach');
    const w = await runCli(['status', 'parity/more-detach', '--wait', '--json']);
    expect(w.code).toBe(1);
    expect(JSON.parse(w.stdout)).toMatchObject({ workflowId: 'parity/more-detach', status: 'different', progress: 1 });
    const s = await runCli(['status', 'parity/more-detach', '--json']);
    expect(JSON.parse(s.stdout).progress).toBe(1);
    const jsonl = await runCli(['report', 'parity/more-detach', '--format', 'jsonl']);
    expect(sortRecords(jsonl.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)))).toEqual(pair.expected);
    const csv = await runCli(['report', 'parity/more-detach', '--format', 'csv']);
    expect(csv.stdout.split('\n').filter((l) => l && !l.startsWith('#')).length).toBe(pair.expected.length + 1);
    const missing = await runCli(['status', 'parity/no-such-run', '--json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no workflow with id "parity\/no-such-run"/);
  });

  // README: PARITY_NAMESPACE is the namespace of workers and runs; --namespace wins over it.
  // (--namespace used to default to "default" and so silently overrode the variable.) A
  // namespace without Parity's search attributes used to hang every run (the server rejects
  // each workflow task): worker and run now refuse it with the command that registers them.
  it('PARITY_NAMESPACE puts workers and runs in that namespace, --namespace overrides it, and a namespace without the search attributes is refused', async () => {
    const ns = await freshNamespace('parity-test', false);
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const env = { PARITY_NAMESPACE: ns };
      const refusedRun = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', T, '--json'], { env, timeoutMs: 30_000 });
      expect(refusedRun.code).toBe(2);
      expect(refusedRun.stderr).toMatch(new RegExp(`namespace "${ns}" lacks the search attribute\\(s\\) ParityTable, ParitySource, ParityTarget, ParityStatus`));
      expect(refusedRun.stderr).toContain(`temporal operator search-attribute create --namespace ${ns} --name ParityTable --type Keyword`);
      await expect(startWorker([], env)).rejects.toThrow(/lacks the search attribute/);

      await registerSearchAttributes(connection.operatorService, ns);
      const own = await startWorker([], env);
      try {
        const r = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', T, '--run-id', 'more-ns', '--json'], { env, timeoutMs: 60_000 });
        expect(r.code, r.stderr).toBe(1);
        const inNs = await new Client({ connection, namespace: ns }).workflow.getHandle('parity/more-ns').describe();
        expect(inNs.status.name).toBe('COMPLETED');
        await expect(new Client({ connection }).workflow.getHandle('parity/more-ns').describe()).rejects.toThrow(/not found/i);
        // the flag wins over the variable, both ways
        expect((await runCli(['status', 'parity/more-ns', '--json', '--namespace', ns])).code).toBe(1);
        const wrong = await runCli(['status', 'parity/more-ns', '--json', '--namespace', 'default'], { env });
        expect(wrong.code).toBe(2);
        expect(wrong.stderr).toMatch(/no workflow with id "parity\/more-ns"/);
      } finally {
        await stopProcess(own);
      }
    } finally {
      await connection.close();
    }
  });

  // A worker that cannot serve (here: a namespace the server does not know) fails at start
  // with a plain message and leaves nothing running: no hashing threads, no entry in the
  // machine's worker registry (its pool used to stay up, keeping an embedding process alive).
  it('a worker on an unknown namespace stops at start with a clear message and leaves nothing running', async () => {
    const { createWorker } = await import('../../src/temporal/worker');
    const entry = join(tmpdir(), `parity-workers-${process.getuid?.() ?? 'user'}`, String(process.pid));
    await expect(createWorker({ address: inject('temporalAddress'), namespace: 'parity-no-such-namespace' })).rejects.toThrow(/parity-no-such-namespace/);
    expect(existsSync(entry)).toBe(false);
    const r = await startWorker([], { PARITY_NAMESPACE: 'parity-no-such-namespace' }).then(
      (w) => (stopProcess(w), 'started'),
      (e: Error) => e.message,
    );
    expect(r).toMatch(/worker exited: parity: Temporal namespace "parity-no-such-namespace" does not exist on this server: create it/);
  });

  it('--resume-from reuses every completed partition of an earlier run (no rows read) and gives the same manifest', async () => {
    const first = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', T, '--run-id', 'more-resume-a', '--partition-rows', '1000', '--segment-rows', '100', '--json']);
    expect(first.code).toBe(1);
    const out = join(OUT, 'resume.jsonl');
    const r = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', T, '--resume-from', 'parity/more-resume-a', '--partition-rows', '1000', '--segment-rows', '100', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const t = JSON.parse(r.stdout).tables[0];
    expect(t.rowsRead).toEqual({ source: 0, target: 0 });
    expect(sortRecords(readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)))).toEqual(pair.expected);
    const none = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', T, '--resume-from', 'parity/never-ran', '--json']);
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stdout).tables[0].error.message).toMatch(/no saved plan/);
  });
});
