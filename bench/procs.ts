// The processes a user runs, started as a user starts them: `bin/parity worker` and
// `bin/parity run` (the launcher npx runs) as their own processes, against a Temporal dev
// server the bench starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { temporal } from '@temporalio/proto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { procStatFields } from '../src/policy/host';
import { registerSearchAttributes } from '../src/temporal/search-attributes';

export const ROOT = resolve(__dirname, '../..');
/** the `parity` command (package.json bin): a shell launcher that sets the allocator up and execs node */
export const LAUNCHER = resolve(ROOT, 'bin/parity');
const ENTRY = resolve(ROOT, 'bin/parity.js');

/**
 * `parity ARGS` as a user runs it; with node flags (--cpu-prof, not allowed in NODE_OPTIONS)
 * node itself, given the launcher's allocator setting (bin/parity) so it measures the same.
 */
function spawnParity(args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): ChildProcess {
  const opts = { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
  if (!nodeArgs.length) return spawn(LAUNCHER, args, opts);
  return spawn(process.execPath, [...nodeArgs, ENTRY, ...args], { ...opts, env: { MALLOC_TRIM_THRESHOLD_: '131072', ...env } });
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export interface WorkerProc {
  child: ChildProcess;
  pid: number;
  /** seconds from spawn until it polls */
  startSeconds: number;
  output(): string;
  /** peak resident set of the process so far (VmHWM), MB */
  peakRssMb(): number | undefined;
  stop(): Promise<void>;
}

/** `parity worker [args]` in its own process; resolves once it polls (its "worker: region" line). */
export async function startWorker(env: NodeJS.ProcessEnv, args: string[] = [], nodeArgs: string[] = []): Promise<WorkerProc> {
  const t0 = performance.now();
  const child = spawnParity(['worker', ...args], env, nodeArgs);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 120_000;
  while (!/worker: region/.test(out)) {
    if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}: ${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker did not start within 120 s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const startSeconds = (performance.now() - t0) / 1000;
  return {
    child,
    pid: child.pid!,
    startSeconds,
    output: () => out,
    peakRssMb: () => peakRssMb(child.pid!),
    stop: () => stopProcess(child),
  };
}

/** CPU seconds (all threads) a process has used so far, user and system; 0 once it is gone. */
export function cpuTimes(pid: number): { user: number; system: number } {
  const f = procStatFields(pid);
  // utime, stime (fields 14 and 15) in clock ticks (USER_HZ = 100 on Linux)
  return f ? { user: Number(f[11]) / 100, system: Number(f[12]) / 100 } : { user: 0, system: 0 };
}

/** The pids of processes by command name (the database servers, their backends). */
export function pidsNamed(names: string[]): number[] {
  const out: number[] = [];
  for (const d of existsSync('/proc') ? readdirSync('/proc') : []) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${d}/comm`, 'utf8').trim())) out.push(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

export function peakRssMb(pid: number): number | undefined {
  const f = `/proc/${pid}/status`;
  if (!existsSync(f)) return undefined;
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(f, 'utf8'));
  return m ? Number(m[1]) / 1024 : undefined;
}

/** SIGTERM (the worker drains and exits, writing any --cpu-prof), SIGKILL after a grace period. */
export async function stopProcess(child: ChildProcess, graceMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([done, new Promise((r) => setTimeout(r, graceMs))]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await done;
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
  /** Date.now() at spawn and at exit */
  spawnedAt: number;
  exitedAt: number;
}

/** `parity <args>` as its own process, timed wall-clock from spawn to exit. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30 * 60_000): Promise<CliRun> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const spawnedAt = Date.now();
    const child = spawnParity(args, env);
    let stdout = '', stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`parity ${args.join(' ')} timed out after ${timeoutMs / 1000} s\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(t);
      res({ code: code ?? -1, stdout, stderr, seconds: (performance.now() - t0) / 1000, spawnedAt, exitedAt: Date.now() });
    });
  });
}

/** A command's wall time with stdout discarded (the floor reads). */
export function timedCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.on('error', rej);
    child.on('exit', (code) => (code === 0 ? res((performance.now() - t0) / 1000) : rej(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

/** A command's stdout (the checksum queries). */
export function commandOutput(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ out: string; seconds: number }> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    child.on('error', rej);
    child.on('exit', (code) => (code === 0 ? res({ out: out.trim(), seconds: (performance.now() - t0) / 1000 }) : rej(new Error(`${cmd} exited ${code}: ${err}`))));
  });
}

export interface ActivityStats {
  count: number;
  /** first scheduled → last closed, seconds */
  span: number;
  /** sum of started → closed, seconds */
  busy: number;
  /** identity → ActivityTaskStarted count */
  identities: Record<string, number>;
}

export interface HistoryBreakdown {
  /** workflow start → close, seconds */
  total: number;
  activities: Record<string, ActivityStats>;
}

const tsOf = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? Number(t.seconds ?? 0) + (t.nanos ?? 0) / 1e9 : NaN);

/** Every run of a workflow's chain (continue-as-new), or [undefined] (the latest) if none is listed yet. */
async function runIdsOf(client: Client, workflowId: string): Promise<(string | undefined)[]> {
  const runIds: string[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, "\\'")}'` })) runIds.push(w.runId);
  return runIds.length ? runIds : [undefined];
}

/**
 * A namespace on the dev server (registered if new; waits up to 20 s until the frontend
 * knows it), with Parity's search attributes unless told otherwise. The bench's 1-worker set
 * and the tests' own namespaces (test/helpers/cli.ts freshNamespace).
 */
export async function ensureNamespace(address: string, namespace: string, searchAttributes = true): Promise<string> {
  const connection = await Connection.connect({ address });
  try {
    const svc = connection.workflowService;
    try {
      await svc.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: 86_400 as never } });
    } catch (e) {
      if ((e as { code?: number }).code !== 6) throw e; // 6 = ALREADY_EXISTS
    }
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await svc.describeNamespace({ namespace });
        if (searchAttributes) await registerSearchAttributes(connection.operatorService, namespace);
        return namespace;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await connection.close();
  }
}

/**
 * Where a table workflow's time went, from its history (every run of the chain, in case it
 * continued as new): per activity type, how many, over what span, and who ran them.
 */
export async function historyBreakdown(address: string, workflowId: string, namespace = 'default'): Promise<HistoryBreakdown> {
  // a 5M-row run's history passes gRPC's default 4 MB per message
  const connection = await Connection.connect({ address, channelArgs: { 'grpc.max_receive_message_length': 128 * 2 ** 20 } });
  try {
    const client = new Client({ connection, namespace });
    const runIds = await runIdsOf(client, workflowId);
    const activities: Record<string, ActivityStats & { first: number; last: number }> = {};
    let first = Infinity, last = -Infinity;
    for (const runId of runIds) {
      const h = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const sched = new Map<string, { type: string; at: number }>();
      const started = new Map<string, number>();
      for (const e of h.events ?? []) {
        const at = tsOf(e.eventTime as never);
        first = Math.min(first, at);
        last = Math.max(last, at);
        const id = String(e.eventId);
        const a = e.activityTaskScheduledEventAttributes;
        if (a) {
          const type = a.activityType?.name ?? '?';
          sched.set(id, { type, at });
          const st = (activities[type] ??= { count: 0, span: 0, busy: 0, identities: {}, first: Infinity, last: -Infinity });
          st.count++;
          st.first = Math.min(st.first, at);
        }
        const s = e.activityTaskStartedEventAttributes;
        if (s) {
          const sc = sched.get(String(s.scheduledEventId));
          started.set(String(s.scheduledEventId), at);
          if (sc) {
            const ids = activities[sc.type].identities;
            ids[s.identity ?? '?'] = (ids[s.identity ?? '?'] ?? 0) + 1;
          }
        }
        const end = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
        if (end) {
          const key = String(end.scheduledEventId);
          const sc = sched.get(key);
          if (sc) {
            const st = activities[sc.type];
            st.last = Math.max(st.last, at);
            st.busy += at - (started.get(key) ?? sc.at);
          }
        }
      }
    }
    const out: Record<string, ActivityStats> = {};
    for (const [k, v] of Object.entries(activities)) out[k] = { count: v.count, span: v.last - v.first, busy: v.busy, identities: v.identities };
    return { total: last - first, activities: out };
  } finally {
    await connection.close();
  }
}

/**
 * A run's events in seconds from the CLI's spawn: the workflows' history events (activities
 * by type, workflow tasks, child workflows) and the CLI's exit, in time order.
 */
export async function timeline(address: string, workflowIds: string[], run: CliRun, namespace = 'default'): Promise<string[]> {
  const connection = await Connection.connect({ address, channelArgs: { 'grpc.max_receive_message_length': 128 * 2 ** 20 } });
  try {
    const client = new Client({ connection, namespace });
    const rows: [number, string][] = [[0, 'CLI spawned'], [(run.exitedAt - run.spawnedAt) / 1000, 'CLI exited']];
    for (const id of workflowIds.filter(Boolean)) {
      const name = id.split('/').length > 2 ? 'table' : 'run  ';
      for (const runId of await runIdsOf(client, id)) {
        const types = new Map<string, string>();
        const h = await client.workflow.getHandle(id, runId).fetchHistory();
        for (const e of h.events ?? []) {
          const at = tsOf(e.eventTime as never) - run.spawnedAt / 1000;
          const a = e.activityTaskScheduledEventAttributes;
          if (a) {
            // a digest's side and label, from its input (a JSON payload)
            let tag = '';
            try {
              const input = JSON.parse(Buffer.from(a.input?.payloads?.[0]?.data ?? []).toString('utf8'));
              if (input?.side && input?.label) tag = ` ${input.side} ${input.label}`;
            } catch {
              /* not JSON */
            }
            types.set(String(e.eventId), (a.activityType?.name ?? '?') + tag);
          }
          const ref = e.activityTaskStartedEventAttributes?.scheduledEventId ?? e.activityTaskCompletedEventAttributes?.scheduledEventId;
          const what = String(temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? e.eventType).replace(/^EVENT_TYPE_/, '').toLowerCase();
          const act = types.get(String(ref ?? e.eventId));
          rows.push([at, `${name} ${what}${act ? ` ${act}` : ''}`]);
        }
      }
    }
    return rows.sort((x, y) => x[0] - y[0]).map(([t, w]) => `${t.toFixed(3).padStart(7)}  ${w}`);
  } finally {
    await connection.close();
  }
}
