// The worker's database sessions are killed in the middle of a run (PostgreSQL
// pg_terminate_backend, MariaDB KILL): the scans are retried with backoff and the run
// completes with the exact manifest and without rescanning completed partitions.
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { createConnection } from 'mysql2/promise';
import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startWorker, stopProcess } from '../helpers/cli';
import {
  MY_URL, OUT, PG_URL, activityRuns, myQuery, pgQuery, connEnv, createCrashPair, dropCrashPair, history, killMariaSessions, queryProgress, readManifest,
  sleep, temporalClient, terminatePgSessions, waitForPartitions, writeConfig, type CrashPair,
} from '../helpers/crash';

const TABLE = 'crash_sess';
const REGION = 'crashsess';
const N = 60_000;

describe('durability: database sessions are terminated mid-run', () => {
  let pair: CrashPair;
  let client: Client;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  beforeAll(async () => {
    pair = await createCrashPair(TABLE, N);
    client = await temporalClient();
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
    await client?.connection.close();
    await dropCrashPair(TABLE);
  });

  it('pg_terminate_backend and KILL: retried, exact result', async () => {
    const runId = `crash-sess-${Date.now().toString(36)}`;
    const wfTable = `parity/${runId}/${TABLE}`;
    // small fetches keep each scan open long enough to be caught mid-flight
    const cfg = writeConfig(join(OUT, 'sess.json'), { source: 'csess_src', target: 'csess_tgt', region: REGION, tables: [TABLE], options: { fetchSize: 50 } });
    const out = join(OUT, 'sess.jsonl');
    worker = await startWorker(['--region', REGION], connEnv('csess_src', 'csess_tgt'));
    let finished = false;
    const run = runCli(['run', '--config', cfg, '--json', '--out', out, '--run-id', runId, '--segment-rows', '250', '--partition-rows', '5000'], { timeoutMs: 240_000 })
      .finally(() => void (finished = true));

    await waitForPartitions(client, wfTable, 1);
    // Deterministic part: the test takes an exclusive lock on both tables, so the next scans
    // of each side wait on it inside their read-only transactions; those sessions (and only
    // the worker's own) are killed, retried by Temporal, wait again, and go on once the
    // locks are released. Then, opportunistically, sessions are killed mid-stream.
    const killed = { pg: 0, my: 0, pgStreaming: 0, myStreaming: 0 };
    const pgLock = new PgClient({ connectionString: PG_URL, application_name: 'crash-test-lock' });
    await pgLock.connect();
    const myLock = await createConnection({ uri: MY_URL });
    let at: Awaited<ReturnType<typeof queryProgress>> | undefined;
    try {
      await pgLock.query('BEGIN');
      await Promise.all([pgLock.query(`LOCK TABLE ${TABLE} IN ACCESS EXCLUSIVE MODE`), myLock.query(`LOCK TABLES ${TABLE} WRITE`)]);
      at = await queryProgress(client, wfTable).catch(() => undefined);
      const deadline = Date.now() + 60_000;
      while ((killed.pg === 0 || killed.my === 0) && Date.now() < deadline) {
        killed.pg += await terminatePgSessions(worker.pid!, { waitingOnLock: true });
        killed.my += await killMariaSessions(worker.pid!, { waitingOnLock: true });
        await sleep(100);
      }
    } finally {
      await pgLock.query('ROLLBACK').catch(() => {});
      await pgLock.end();
      await myLock.query('UNLOCK TABLES').catch(() => {});
      await myLock.end();
    }
    expect(killed.pg, 'no PostgreSQL session of the run waited on the lock to be terminated').toBeGreaterThan(0);
    expect(killed.my, 'no MariaDB session of the run waited on the lock to be killed').toBeGreaterThan(0);
    for (let i = 0; i < 10 && !finished; i++) {
      await sleep(200);
      if (finished) break;
      killed.pgStreaming += await terminatePgSessions(worker.pid!);
      killed.myStreaming += await killMariaSessions(worker.pid!);
    }

    const stuck = setTimeout(async () => {
      const d = await client.workflow.getHandle(wfTable).describe().catch(() => undefined);
      const pgs = await pgQuery(`SELECT application_name, state, wait_event_type, wait_event, left(query, 80) AS q FROM pg_stat_activity WHERE application_name LIKE 'parity:%'`).catch((e) => String(e));
      const mys = await myQuery(`SELECT ID, COMMAND, TIME, STATE, LEFT(INFO, 80) AS q FROM information_schema.PROCESSLIST WHERE DB = 'test'`).catch((e) => String(e));
      console.log(`[db-sessions] sessions: ${JSON.stringify(pgs)} ${JSON.stringify(mys)}`);
      console.log(`[db-sessions] still running after 60 s: ${JSON.stringify(d?.raw.pendingActivities?.map((a) => [a.activityType?.name, a.state, a.attempt, a.lastHeartbeatTime?.seconds?.toString(), a.lastFailure?.message]))}; worker exit ${worker?.exitCode} ${worker?.signalCode}; worker output tail: ${worker?.output().slice(-1500)}`);
    }, 60_000);
    const r = await run.finally(() => clearTimeout(stuck));
    expect(r.code, r.stderr).toBe(1);
    const t = JSON.parse(r.stdout).tables[0];
    expect(t).toMatchObject({ table: TABLE, status: 'different', sourceRows: pair.sourceRows, targetRows: pair.targetRows });
    expect(readManifest(out)).toEqual(pair.expected);
    expect(t.rowsRead.source).toBeGreaterThanOrEqual(pair.sourceRows);
    expect(t.rowsRead.source).toBeLessThanOrEqual(pair.sourceRows * 1.1);
    expect(t.rowsRead.target).toBeGreaterThanOrEqual(pair.targetRows);
    expect(t.rowsRead.target).toBeLessThanOrEqual(pair.targetRows * 1.1);

    // the killed scans were retried: a later attempt, or a failure the workflow re-queued
    const runs = activityRuns(await history(client, wfTable));
    const retried = runs.filter((x) => x.attempt >= 2 || x.outcome === 'failed');
    expect(retried.length, JSON.stringify(runs.map((x) => [x.type, x.label, x.attempt, x.outcome]))).toBeGreaterThan(0);
    console.log(`[db-sessions] killed ${killed.pg} PostgreSQL and ${killed.my} MariaDB session(s) waiting on a lock at ${JSON.stringify(at?.partitions)}; mid-stream kills ${killed.pgStreaming} + ${killed.myStreaming}; retried activities: ${retried.map((x) => `${x.type} ${x.side ?? ''} ${x.label ?? ''} attempt ${x.attempt} ${x.outcome}`).join('; ')}; rowsRead ${JSON.stringify(t.rowsRead)}`);
  });
});
