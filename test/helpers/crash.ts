// Helpers for the durability tests: table pairs with known differences (built in SQL, so a
// 60k-row pair takes a second), a Temporal client, progress polling, history inspection,
// and the crashes themselves (killing database sessions). Real parts only.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Client as PgClient } from 'pg';
import { createConnection } from 'mysql2/promise';
import { inject } from 'vitest';
import { MY_URL, PG_URL, sortRecords } from '../../scripts/fixtures';
import type { DiffRecord } from '../../src/core/types';
import type { ProgressView, RunSummary } from '../../workflows/types';
import { ROOT } from './cli';

export { MY_URL, PG_URL };
export const OUT = join(ROOT, 'test-output', 'durability');

export interface CrashPair {
  table: string;
  sourceRows: number;
  targetRows: number;
  expected: DiffRecord[];
}

export async function pgQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new PgClient({ connectionString: PG_URL, application_name: 'crash-test' });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

export async function myQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = await createConnection({ uri: MY_URL, charset: 'utf8mb4', multipleStatements: true });
  try {
    return (await c.query(sql, params))[0] as T[];
  } finally {
    await c.end();
  }
}

/**
 * A PostgreSQL (source) → MariaDB (target) pair of n rows, ids 1..n, with differences at
 * known keys: `missing` rows deleted from the target, `changed` rows with another `name`
 * (and every third also another `amount`), and `extra` rows only in the target.
 * The differences are spread over the whole key range, so they land in many partitions.
 */
export async function createCrashPair(table: string, n: number, d: { missing?: number; changed?: number; extra?: number } = {}): Promise<CrashPair> {
  if (!/^crash_[a-z0-9_]+$/.test(table)) throw new Error(`test tables are named crash_…: ${table}`);
  const missing = d.missing ?? 6;
  const changed = d.changed ?? 6;
  const extra = d.extra ?? 3;
  await pgQuery(`DROP TABLE IF EXISTS ${table}`);
  await pgQuery(`CREATE TABLE ${table} (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2), qty integer, pad text)`);
  await pgQuery(`INSERT INTO ${table} SELECT i, 'n' || i, (i % 100000) / 100.0, i % 1000, md5(i::text) || md5((i * 7)::text) FROM generate_series(1, $1::int) AS i`, [n]);
  await myQuery(`DROP TABLE IF EXISTS ${table}`);
  await myQuery(`CREATE TABLE ${table} (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, amount DECIMAL(12,2), qty INT, pad VARCHAR(100)) CHARACTER SET utf8mb4`);
  await myQuery(`INSERT INTO ${table} SELECT seq, CONCAT('n', seq), (seq % 100000) / 100.0, seq % 1000, CONCAT(MD5(seq), MD5(seq * 7)) FROM seq_1_to_${Math.floor(n)}`);
  const expected: DiffRecord[] = [];
  // keys spread evenly, never the same key twice
  const spread = (count: number, offset: number) => Array.from({ length: count }, (_, j) => Math.floor(((j + offset) * n) / (count + 1)) + 1 + offset);
  const gone = spread(missing, 0).map((k) => k + 11);
  const touched = spread(changed, 1).map((k) => k + 29);
  for (const k of gone) expected.push({ table, key: [String(k)], kind: 'missing_in_target', columns: [] });
  for (const [j, k] of touched.entries()) {
    const cols = j % 3 === 0 ? ['amount', 'name'] : ['name'];
    expected.push({ table, key: [String(k)], kind: 'changed', columns: cols });
  }
  if (gone.length) await myQuery(`DELETE FROM ${table} WHERE id IN (?)`, [gone]);
  for (const [j, k] of touched.entries()) {
    await myQuery(`UPDATE ${table} SET name = CONCAT(name, '*')${j % 3 === 0 ? ', amount = amount + 1' : ''} WHERE id = ?`, [k]);
  }
  for (let j = 1; j <= extra; j++) {
    const k = n + 1000 * j;
    await myQuery(`INSERT INTO ${table} VALUES (?, 'extra', 1.00, 1, 'x')`, [k]);
    expected.push({ table, key: [String(k)], kind: 'extra_in_target', columns: [] });
  }
  if (new Set(expected.map((e) => e.key[0])).size !== expected.length) throw new Error('createCrashPair: overlapping keys');
  await pgQuery(`ANALYZE ${table}`);
  await myQuery(`ANALYZE TABLE ${table}`);
  return { table, sourceRows: n, targetRows: n - missing + extra, expected: sortRecords(expected) };
}

export async function dropCrashPair(table: string): Promise<void> {
  await pgQuery(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
  await myQuery(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
}

export interface ConfigOpts {
  /** connection names; the worker resolves them from PARITY_CONN_<NAME> */
  source: string;
  target: string;
  region: string;
  tables: string[];
  options?: Record<string, unknown>;
}

/** A config file naming connections without URLs (workers resolve PARITY_CONN_<NAME>). */
export function writeConfig(file: string, c: ConfigOpts): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify({
      connections: { [c.source]: { region: c.region }, [c.target]: { region: c.region } },
      tables: c.tables.map((table) => ({ source: c.source, target: c.target, table })),
      // crash tests exercise extract mode's heartbeat checkpoints (pushdown has none)
      options: { mode: 'extract', ...(c.options ?? {}) },
    }, null, 2),
  );
  return file;
}

/** The worker environment that resolves the two connection names to the test databases. */
export function connEnv(source: string, target: string): Record<string, string> {
  return { [`PARITY_CONN_${source.toUpperCase()}`]: PG_URL, [`PARITY_CONN_${target.toUpperCase()}`]: MY_URL };
}

export function readManifest(file: string): DiffRecord[] {
  return sortRecords(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
}

export async function temporalClient(address: string = inject('temporalAddress')): Promise<Client> {
  const connection = await Connection.connect({ address, connectTimeout: 10_000 });
  return new Client({ connection, namespace: 'default' });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until fn returns a truthy value; throws with the last error after timeoutMs. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 120_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export async function queryProgress(client: Client, workflowId: string): Promise<ProgressView> {
  return client.workflow.getHandle(workflowId).query<ProgressView>('progress');
}

/** Waits until the table workflow reports at least `minDone` partitions done on both sides, and not all. */
export async function waitForPartitions(client: Client, workflowId: string, minDone: number, timeoutMs = 120_000): Promise<ProgressView> {
  return until(`${workflowId}: ${minDone} partitions done per side`, async () => {
    const p = await queryProgress(client, workflowId);
    const { source, target } = p.partitions;
    if (source.done >= source.total && target.done >= target.total) throw new Error(`the run finished before the crash (${JSON.stringify(p.partitions)}): make the table larger`);
    return source.done >= minDone && target.done >= minDone ? p : undefined;
  }, timeoutMs, 100);
}

const PENDING_ACTIVITY_STATE_STARTED = 2; // temporal.api.enums.v1.PendingActivityState

/** Waits until a digestPartition of the workflow is running on a worker (started, not only
 *  scheduled), so a kill lands on work in flight and not in the gap between two activities;
 *  returns the started activities' ids. */
export async function waitForStartedDigest(client: Client, workflowId: string, timeoutMs = 120_000): Promise<string[]> {
  const h = client.workflow.getHandle(workflowId);
  return until(`${workflowId}: a digestPartition started`, async () => {
    const d = await h.describe();
    const started = (d.raw.pendingActivities ?? [])
      .filter((pa) => pa.activityType?.name === 'digestPartition' && pa.state === PENDING_ACTIVITY_STATE_STARTED)
      .map((pa) => pa.activityId ?? '');
    return started.length ? started : undefined;
  }, timeoutMs, 20);
}

/** The default identity of an SDK worker in a process with this pid. */
export const workerIdentity = (pid: number) => `${pid}@${hostname()}`;

export interface ActivityRun {
  type: string;
  /** the workflow's activity id (pending activities name it) */
  activityId: string;
  identity: string;
  attempt: number;
  scheduledEventId: number;
  /** how it ended: completed | failed | timedOut | canceled | open */
  outcome: string;
  label?: string;
  side?: string;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export async function history(client: Client, workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  const h = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return h.events ?? [];
}

/** Every activity of a workflow run: who ran its last attempt, which attempt, how it ended. */
export function activityRuns(events: HistoryEvent[]): ActivityRun[] {
  const byScheduled = new Map<number, ActivityRun>();
  for (const e of events) {
    const id = Number(e.eventId);
    const a = e.activityTaskScheduledEventAttributes;
    if (a) {
      let label: string | undefined, side: string | undefined;
      try {
        const input = JSON.parse(Buffer.from(a.input?.payloads?.[0]?.data ?? []).toString('utf8'));
        label = input?.label;
        side = input?.side;
      } catch { /* not JSON */ }
      byScheduled.set(id, { type: a.activityType?.name ?? '?', activityId: a.activityId ?? '', identity: '', attempt: 0, scheduledEventId: id, outcome: 'open', label, side });
    }
    const s = e.activityTaskStartedEventAttributes;
    if (s) {
      const r = byScheduled.get(Number(s.scheduledEventId));
      if (r) Object.assign(r, { identity: s.identity ?? '', attempt: s.attempt ?? 1 });
    }
    const end =
      (e.activityTaskCompletedEventAttributes && ['completed', e.activityTaskCompletedEventAttributes]) ||
      (e.activityTaskFailedEventAttributes && ['failed', e.activityTaskFailedEventAttributes]) ||
      (e.activityTaskTimedOutEventAttributes && ['timedOut', e.activityTaskTimedOutEventAttributes]) ||
      (e.activityTaskCanceledEventAttributes && ['canceled', e.activityTaskCanceledEventAttributes]);
    if (end) {
      const [outcome, attrs] = end as [string, { scheduledEventId?: unknown; identity?: string | null }];
      const r = byScheduled.get(Number(attrs.scheduledEventId));
      if (r) {
        r.outcome = outcome;
        if (!r.identity && attrs.identity) r.identity = attrs.identity;
      }
    }
  }
  return [...byScheduled.values()];
}

/** All runs of a workflow id, first to last (following continue-as-new). */
export async function runChain(client: Client, workflowId: string): Promise<{ runId: string; events: HistoryEvent[] }[]> {
  const desc = await client.workflow.getHandle(workflowId).describe();
  const first = desc.raw.workflowExecutionInfo?.firstRunId ?? desc.runId;
  const out: { runId: string; events: HistoryEvent[] }[] = [];
  let runId: string | undefined = first;
  while (runId && out.length < 100) {
    const events = await history(client, workflowId, runId);
    out.push({ runId, events });
    const last = events[events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return out;
}

/** Local TCP ports of the connections process `pid` holds open to a server port (from `ss`). */
export function socketPorts(pid: number, serverPort: number): number[] {
  const out = execFileSync('ss', ['-tnpH', 'state', 'established', `( dport = :${serverPort} )`], { encoding: 'utf8' });
  const ports: number[] = [];
  for (const line of out.split('\n')) {
    const m = /\S+:(\d+)\s+\S+:(\d+)\s+users:\((.*)\)/.exec(line);
    if (m && Number(m[2]) === serverPort && new RegExp(`pid=${pid},`).test(m[3])) ports.push(Number(m[1]));
  }
  return ports;
}

/**
 * Terminates the PostgreSQL sessions of one Parity worker process (application_name
 * parity:…, client port one of that process's sockets): other runs on the server are left alone.
 */
export async function terminatePgSessions(workerPid: number, o: { waitingOnLock?: boolean } = {}): Promise<number> {
  const ports = socketPorts(workerPid, Number(new URL(PG_URL).port || 5432));
  if (!ports.length) return 0;
  const rows = await pgQuery<{ pid: number; ok: boolean }>(
    `SELECT pid, pg_terminate_backend(pid) AS ok FROM pg_stat_activity
      WHERE application_name LIKE 'parity:%' AND client_port = ANY($1::int[]) AND pid <> pg_backend_pid()
        ${o.waitingOnLock ? `AND wait_event_type = 'Lock'` : ''}`,
    [ports],
  );
  return rows.filter((r) => r.ok).length;
}

/**
 * Kills the MariaDB connections of one worker process. performance_schema is off on this
 * server, so the program_name=parity:… connection attribute is not visible; the client
 * port in PROCESSLIST.HOST is. (MariaDB sends a small partition's whole result at once, so
 * the query text is rarely visible: the session sits in Sleep inside its snapshot
 * transaction while the worker reads the socket.)
 */
export async function killMariaSessions(workerPid: number, o: { waitingOnLock?: boolean } = {}): Promise<number> {
  const ports = socketPorts(workerPid, Number(new URL(MY_URL).port || 3306));
  if (!ports.length) return 0;
  const c = await createConnection({ uri: MY_URL });
  try {
    const [rows] = (await c.query(
      `SELECT ID FROM information_schema.PROCESSLIST WHERE HOST IN (?) AND ID <> CONNECTION_ID()
         ${o.waitingOnLock ? `AND STATE LIKE 'Waiting for table%lock'` : ''}`,
      [ports.map((p) => `127.0.0.1:${p}`)],
    )) as unknown as [{ ID: number }[]];
    let n = 0;
    for (const r of rows) {
      try {
        await c.query(`KILL CONNECTION ${Number(r.ID)}`);
        n++;
      } catch { /* already gone */ }
    }
    return n;
  } finally {
    await c.end();
  }
}

/** The summary of a finished reconcileRun, straight from Temporal. */
export async function runResult(client: Client, workflowId: string): Promise<RunSummary> {
  return client.workflow.getHandle(workflowId).result() as Promise<RunSummary>;
}
