// Region routing (issue 6, item 2): two worker processes on this machine, one per region,
// each holding only its own region's credentials. The run is exact, and each worker only
// ever opened sessions to its own region's database — seen from the databases' own session
// views (pg_stat_activity, MariaDB's PROCESSLIST), each session tied to the worker process
// that owns its socket (ss), and each region using its own database user. Then: workers of
// two regions with different masking keys stop the run before hashing, with a clear error.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startWorker, stopProcess } from '../helpers/cli';
import { historyText, leaks, myIdent, myQuery, NO_STACK, OUT, pgIdent, pgQuery, sleep, socketOwners, UNIQUE, workflowHistory, writeJson } from './helpers';

const TABLE = `sec_region_${UNIQUE}`;
const REGION_A = `sec${UNIQUE}a`;
const REGION_B = `sec${UNIQUE}b`;
const PG_USER = `sec_ra_${UNIQUE}`;
const MY_USER = `sec_rb_${UNIQUE}`;
const MY_PASSWORD = `Rb_${randomBytes(6).toString('hex')}`;
const MASK_KEY = `region-mask-${randomBytes(8).toString('hex')}`;
const N = 30_000;
const SRC_URL = `postgres://${PG_USER}@127.0.0.1:5432/test`;
const DST_URL = `mysql://${MY_USER}:${MY_PASSWORD}@127.0.0.1:3306/test`;

type Worker = Awaited<ReturnType<typeof startWorker>>;

interface Seen {
  db: 'pg' | 'my';
  user: string;
  app: string;
  port: number;
  owner?: number;
}

/** Samples both databases' session views until stop() is called; each session tied to its socket's process. */
function sampleSessions(): { stop: () => Promise<Seen[]> } {
  const seen = new Map<string, Seen>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const before = await socketOwners([5432, 3306]);
      const pg = await pgQuery<{ usename: string; application_name: string; client_port: number }>(
        `SELECT usename, application_name, client_port FROM pg_stat_activity WHERE datname = 'test' AND client_port IS NOT NULL AND pid <> pg_backend_pid()`,
      );
      const my = await myQuery<{ USER: string; HOST: string }>(`SELECT USER, HOST FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND HOST LIKE '%:%'`);
      const after = await socketOwners([5432, 3306]);
      const owner = (port: number) => before.get(port) ?? after.get(port);
      for (const s of pg) seen.set(`pg:${s.client_port}:${s.usename}`, { db: 'pg', user: s.usename, app: s.application_name, port: s.client_port, owner: owner(s.client_port) });
      for (const s of my) {
        const port = Number(s.HOST.slice(s.HOST.lastIndexOf(':') + 1));
        seen.set(`my:${port}:${s.USER}`, { db: 'my', user: s.USER, app: '', port, owner: owner(port) });
      }
      await sleep(40);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return [...seen.values()];
    },
  };
}

describe('region routing: each worker opens sessions only to its own region', () => {
  let a: Worker | undefined;
  let b: Worker | undefined;
  beforeAll(async () => {
    await pgQuery(`DROP TABLE IF EXISTS ${pgIdent(TABLE)}`);
    await pgQuery(`CREATE TABLE ${pgIdent(TABLE)} (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2))`);
    await pgQuery(`INSERT INTO ${pgIdent(TABLE)} SELECT i, 'n' || i, (i % 1000) / 10.0 FROM generate_series(1, $1::int) AS i`, [N]);
    await pgQuery(`ANALYZE ${pgIdent(TABLE)}`);
    await myQuery(`DROP TABLE IF EXISTS ${myIdent(TABLE)}`);
    await myQuery(`CREATE TABLE ${myIdent(TABLE)} (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL, amount DECIMAL(12,2)) CHARACTER SET utf8mb4`);
    await myQuery(`INSERT INTO ${myIdent(TABLE)} SELECT seq, CONCAT('n', seq), (seq % 1000) / 10.0 FROM seq_1_to_${N}`);
    await myQuery(`DELETE FROM ${myIdent(TABLE)} WHERE id IN (17, 15017)`);
    await myQuery(`UPDATE ${myIdent(TABLE)} SET name = CONCAT(name, '*') WHERE id IN (4242, 29999)`);
    await myQuery(`UPDATE ${myIdent(TABLE)} SET amount = amount + 1 WHERE id = 20000`);
    await myQuery(`INSERT INTO ${myIdent(TABLE)} VALUES (${N + 5}, 'extra', 1)`);
    await myQuery(`ANALYZE TABLE ${myIdent(TABLE)}`);

    // each region its own database user, with SELECT only
    await pgQuery(`DROP ROLE IF EXISTS ${pgIdent(PG_USER)}`);
    await pgQuery(`CREATE ROLE ${pgIdent(PG_USER)} LOGIN`);
    await pgQuery(`GRANT SELECT ON ${pgIdent(TABLE)} TO ${pgIdent(PG_USER)}`);
    await myQuery(`DROP USER IF EXISTS '${MY_USER}'@'%'`);
    await myQuery(`CREATE USER '${MY_USER}'@'%' IDENTIFIED BY '${MY_PASSWORD}'`);
    await myQuery(`GRANT SELECT ON test.${myIdent(TABLE)} TO '${MY_USER}'@'%'`);

    // no worker inherits the other region's credentials from the test environment
    for (const k of Object.keys(process.env)) if (k.startsWith('PARITY_CONN_')) delete process.env[k];
    a = await startWorker(['--region', REGION_A], { PARITY_CONN_SRC: SRC_URL, PARITY_MASK_KEY: MASK_KEY, PARITY_LOG_LEVEL: 'INFO' });
    b = await startWorker(['--region', REGION_B], { PARITY_CONN_DST: DST_URL, PARITY_MASK_KEY: MASK_KEY, PARITY_LOG_LEVEL: 'INFO' });
  });
  afterAll(async () => {
    for (const w of [a, b]) if (w) await stopProcess(w);
    await pgQuery(`DROP TABLE IF EXISTS ${pgIdent(TABLE)}`).catch(() => {});
    await pgQuery(`DROP ROLE IF EXISTS ${pgIdent(PG_USER)}`).catch(() => {});
    await myQuery(`DROP TABLE IF EXISTS ${myIdent(TABLE)}`).catch(() => {});
    await myQuery(`DROP USER IF EXISTS '${MY_USER}'@'%'`).catch(() => {});
  });

  const config = (name: string) =>
    writeJson(join(OUT, `${name}-${UNIQUE}.json`), {
      connections: { src: { region: REGION_A }, dst: { region: REGION_B } },
      tables: [{ source: 'src', target: 'dst', table: TABLE }],
    });

  it('is exact across regions, and each worker only ever opened sessions to its own database', async () => {
    const runId = `sec-region-${UNIQUE}`;
    const out = join(OUT, `region-${UNIQUE}.jsonl`);
    rmSync(out, { force: true });
    const sampler = sampleSessions();
    const r = await runCli(['run', '--config', config('region'), '--mask', `${TABLE}.name`, '--out', out, '--run-id', runId, '--json', '--segment-rows', '250', '--partition-rows', '5000'], {
      timeoutMs: 240_000,
    });
    const sessions = await sampler.stop();
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const t = JSON.parse(r.stdout).tables[0];
    expect(t).toMatchObject({ sourceRows: N, targetRows: N - 1, missing: 2, extra: 1, changed: 3 });
    const manifest = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(manifest.map((m) => [m.key[0], m.kind, [...m.columns].sort().join(',')])).toEqual([
      ['17', 'missing_in_target', ''],
      ['4242', 'changed', 'name'],
      ['15017', 'missing_in_target', ''],
      ['20000', 'changed', 'amount'],
      ['29999', 'changed', 'name'],
      [String(N + 5), 'extra_in_target', ''],
    ]);
    // refinement across regions went through per-side row digests, not one process reading both
    const child = historyText(await workflowHistory(`parity/${runId}/${TABLE}`));
    expect(child).toContain('rowDigests');
    expect(child).not.toContain('compareSegments');
    expect(leaks(child, [MY_PASSWORD])).toEqual([]);

    // the databases' own session views, each session tied to the process owning its socket
    const pa = a!.pid!;
    const pb = b!.pid!;
    const mine = sessions.filter((s) => s.owner === pa || s.owner === pb || s.user === PG_USER || s.user === MY_USER);
    const fmt = (s: Seen) => `${s.db} user=${s.user} app=${s.app} port=${s.port} pid=${s.owner ?? '?'}`;
    const pgByA = mine.filter((s) => s.db === 'pg' && s.owner === pa);
    const myByB = mine.filter((s) => s.db === 'my' && s.owner === pb);
    expect(pgByA.length, 'no PostgreSQL session of worker A was seen').toBeGreaterThan(0);
    expect(myByB.length, 'no MariaDB session of worker B was seen').toBeGreaterThan(0);
    for (const s of pgByA) {
      expect(s.user).toBe(PG_USER);
      expect(s.app).toMatch(/^parity:/);
    }
    // (a MariaDB session mid-handshake shows as 'unauthenticated user')
    for (const s of myByB) expect([MY_USER, 'unauthenticated user']).toContain(s.user);
    // the other way round: never one
    const wrong = mine.filter((s) => (s.db === 'my' && s.owner === pa) || (s.db === 'pg' && s.owner === pb));
    expect(wrong.map(fmt)).toEqual([]);
    // and each region's user only ever came from its own worker
    const strays = mine.filter((s) => s.owner !== undefined && ((s.user === PG_USER && s.owner !== pa) || (s.user === MY_USER && s.owner !== pb)));
    expect(strays.map(fmt)).toEqual([]);
  });

  it('workers of two regions with different masking keys stop the run before hashing, with a clear error', async () => {
    // region B's worker restarted with another key
    await stopProcess(b!);
    const otherKey = `other-mask-${randomBytes(8).toString('hex')}`;
    b = await startWorker(['--region', REGION_B], { PARITY_CONN_DST: DST_URL, PARITY_MASK_KEY: otherKey });
    const runId = `sec-fp-${UNIQUE}`;
    const out = join(OUT, `fp-${UNIQUE}.jsonl`);
    rmSync(out, { force: true });
    const r = await runCli(['run', '--config', config('fp'), '--mask', `${TABLE}.name`, '--out', out, '--run-id', runId], { timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const text = r.stdout + r.stderr;
    expect(text).toMatch(/masking keys differ between regions/);
    expect(text).toContain(REGION_A);
    expect(text).toContain(REGION_B);
    expect(text).not.toMatch(NO_STACK);
    expect(leaks(text, [MASK_KEY, otherKey])).toEqual([]);
    // stopped before hashing: no partition was digested
    const child = historyText(await workflowHistory(`parity/${runId}/${TABLE}`));
    expect(child).toContain('maskFingerprint');
    expect(child).not.toContain('digestPartition');
    expect(leaks(child, [MASK_KEY, otherKey])).toEqual([]);
    expect(existsSync(out), '--out must not be written when the run could not decide').toBe(false);
  });
});
