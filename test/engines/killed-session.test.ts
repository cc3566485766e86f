// A scan whose database session is killed must fail (so Temporal retries it), never wait
// forever; nor may a scan wait forever behind a lock nobody kills (lockTimeoutMs). Found by the db-sessions durability test: mysql2 gives a fatal connection error
// of a streaming query to the connection only, so a MariaDB session killed while it waited
// on a table lock left the scan (and its heartbeating activity) hanging for good.
import { Client as PgClient } from 'pg';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engines/engine';
import { openEngine } from '../../src/engines/open';
import { classifyError as classifyPg } from '../../src/engines/postgres/errors';
import { classifyError as classifyMy } from '../../src/engines/mysql/errors';
import { MY_URL, myExec, PG_URL, pgExec } from '../../scripts/fixtures';

const TABLE = 'killed_session_t';
const APP = 'parity-test:killed-session';

beforeAll(async () => {
  await pgExec(`DROP TABLE IF EXISTS ${TABLE}; CREATE TABLE ${TABLE} (id int PRIMARY KEY, v text); INSERT INTO ${TABLE} SELECT i, md5(i::text) FROM generate_series(1, 2000) i`);
  await myExec(`DROP TABLE IF EXISTS ${TABLE}; CREATE TABLE ${TABLE} (id INT PRIMARY KEY, v VARCHAR(40)); INSERT INTO ${TABLE} SELECT seq, MD5(seq) FROM seq_1_to_2000`);
});
afterAll(async () => {
  await pgExec(`DROP TABLE IF EXISTS ${TABLE}`);
  await myExec(`DROP TABLE IF EXISTS ${TABLE}`);
});

/** Scans the whole table while `lock` holds it, kills the waiting session, and reports how the scan ended. */
async function scanKilledWhileWaiting(e: Engine, kill: () => Promise<number>): Promise<{ killed: number; outcome: string }> {
  const schema = await e.introspect(TABLE);
  const scan = (async () => {
    let n = 0;
    for await (const b of e.scan({ schema, columns: ['id', 'v'], range: {}, fetchSize: 100 })) n += b.length;
    return `ended with ${n} rows`;
  })().then((x) => x, (err: Error) => `failed: ${err.message}`);
  let killed = 0;
  for (let i = 0; i < 100 && killed === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    killed = await kill();
  }
  const outcome = await Promise.race([scan, new Promise<string>((r) => setTimeout(() => r('still waiting after 10 s'), 10_000))]);
  return { killed, outcome };
}

describe('a scan whose session is killed fails instead of hanging', () => {
  it('PostgreSQL: pg_terminate_backend while the scan waits on a lock', async () => {
    const e = await openEngine(PG_URL, { applicationName: APP, statementTimeoutMs: 30_000 });
    const lock = new PgClient({ connectionString: PG_URL });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query(`LOCK TABLE ${TABLE} IN ACCESS EXCLUSIVE MODE`);
      const r = await scanKilledWhileWaiting(e, async () => {
        const x = await lock.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [APP]);
        return x.rowCount ?? 0;
      });
      expect(r.killed).toBe(1);
      expect(r.outcome).toMatch(/^failed: .*terminating connection/);
    } finally {
      await lock.query('ROLLBACK').catch(() => {});
      await lock.end();
      await e.close();
    }
  });

  it('MariaDB: KILL CONNECTION while the scan waits on a table lock', async () => {
    const e = await openEngine(MY_URL, { applicationName: APP, statementTimeoutMs: 30_000 });
    const lock = await createConnection({ uri: MY_URL });
    const killer = await createConnection({ uri: MY_URL });
    try {
      await lock.query(`LOCK TABLES ${TABLE} WRITE`);
      const r = await scanKilledWhileWaiting(e, async () => {
        const [rows] = (await killer.query(
          `SELECT ID FROM information_schema.PROCESSLIST WHERE STATE LIKE 'Waiting for table%lock' AND INFO LIKE ?`,
          [`%FROM \`${TABLE}\`%`],
        )) as unknown as [{ ID: number }[]];
        for (const row of rows) await killer.query(`KILL CONNECTION ${Number(row.ID)}`);
        return rows.length;
      });
      expect(r.killed).toBe(1);
      expect(r.outcome).toMatch(/^failed: .*(Connection lost|closed|killed)/i);
    } finally {
      await lock.query('UNLOCK TABLES').catch(() => {});
      await lock.end();
      await killer.end();
      await e.close();
    }
  });
});

/** Scans the whole table while another session holds it locked; how the scan ended, and when. */
async function scanBehindLock(e: Engine): Promise<{ outcome: string; err?: unknown; ms: number }> {
  const schema = await e.introspect(TABLE);
  const t0 = Date.now();
  let err: unknown;
  const scan = (async () => {
    let n = 0;
    for await (const b of e.scan({ schema, columns: ['id', 'v'], range: {}, fetchSize: 100 })) n += b.length;
    return `ended with ${n} rows`;
  })().then((x) => x, (e2: Error) => ((err = e2), `failed: ${e2.message}`));
  const outcome = await Promise.race([scan, new Promise<string>((r) => setTimeout(() => r('still waiting after 15 s'), 15_000))]);
  return { outcome, err, ms: Date.now() - t0 };
}

describe('a scan behind a lock gives up after the lock timeout (a Timeout, retried)', () => {
  it('PostgreSQL: ACCESS EXCLUSIVE held by another session', async () => {
    const e = await openEngine(PG_URL, { applicationName: APP, lockTimeoutMs: 1000 });
    const lock = new PgClient({ connectionString: PG_URL });
    await lock.connect();
    try {
      // introspect first: it must not be the statement that waits
      await e.introspect(TABLE);
      await lock.query('BEGIN');
      await lock.query(`LOCK TABLE ${TABLE} IN ACCESS EXCLUSIVE MODE`);
      const r = await scanBehindLock(e);
      expect(r.outcome).toMatch(/^failed: .*lock timeout/);
      expect(classifyPg(r.err)).toBe('Timeout');
      expect(r.ms).toBeLessThan(10_000);
    } finally {
      await lock.query('ROLLBACK').catch(() => {});
      await lock.end();
      await e.close();
    }
  });

  it('MariaDB: LOCK TABLES … WRITE held by another session', async () => {
    const e = await openEngine(MY_URL, { applicationName: APP, lockTimeoutMs: 1000 });
    const lock = await createConnection({ uri: MY_URL });
    try {
      await e.introspect(TABLE);
      await lock.query(`LOCK TABLES ${TABLE} WRITE`);
      const r = await scanBehindLock(e);
      expect(r.outcome).toMatch(/^failed: .*Lock wait timeout/i);
      expect(classifyMy(r.err)).toBe('Timeout');
      expect(r.ms).toBeLessThan(10_000);
    } finally {
      await lock.query('UNLOCK TABLES').catch(() => {});
      await lock.end();
      await e.close();
    }
  });
});
