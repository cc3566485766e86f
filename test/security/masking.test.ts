// Masking and history hygiene (issue 6, items 1 and 3), end to end: the real CLI, a real
// worker process, the real Temporal server, PostgreSQL → MariaDB with a password-checking
// MariaDB user. A masked column that changed is still reported; a masked key shows as its
// token; 1.5 and 1.500 in a masked decimal column are still equal; and neither the
// password nor any non-key value nor any value of a masked column appears in the full
// history (run and child workflows), the CLI output, the manifest or the worker's logs.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { valueEncoder } from '../../src/canonical';
import { tokenText } from '../../src/policy/mask';
import { runCli, startWorker, stopProcess } from '../helpers/cli';
import { historyText, leaks, myIdent, myQuery, NO_STACK, OUT, pgIdent, pgQuery, UNIQUE, workflowHistory, writeJson } from './helpers';

const PEOPLE = `sec_mask_people_${UNIQUE}`;
const KEYS = `sec_mask_keys_${UNIQUE}`;
const REGION = `secmask${UNIQUE}`;
const USER = `sec_pw_${UNIQUE}`;
const SECRET = randomBytes(4).toString('hex');
const PASSWORD = `Pw_${randomBytes(6).toString('hex')}_s3cr3t`;
const PG_PASSWORD = `PgPw_${randomBytes(6).toString('hex')}`;
const MASK_KEY = `mask-key-${randomBytes(8).toString('hex')}`;
const N = 40;
const K = 20;

const email = (i: number) => `person${i}.${SECRET}@example.com`;
const note = (i: number) => `note-${SECRET}-${i}`;
const keyEmail = (i: number) => `key${i}.${SECRET}@example.org`;
const EXTRA_KEY = `extra.${SECRET}@example.org`;
const CHANGED_EMAIL = `changed7.${SECRET}@example.com`;
const score = (i: number) => 7_000_000 + i * 13;

/** What the manifest must show for a masked text key: HMAC-SHA-256 of its canonical bytes. */
function expectedToken(text: string): string {
  const canonical = valueEncoder('text', { name: 'email', nativeType: 'text', family: 'text', nullable: false });
  return tokenText(Buffer.from(MASK_KEY, 'utf8'), canonical(text));
}

describe('masking and secrets (CLI → Temporal → worker process → databases)', () => {
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  beforeAll(async () => {
    // PostgreSQL: amount is unconstrained numeric (1.5); MariaDB: DECIMAL(20,4) (1.5000)
    await pgQuery(`DROP TABLE IF EXISTS ${pgIdent(PEOPLE)}, ${pgIdent(KEYS)}`);
    await pgQuery(`CREATE TABLE ${pgIdent(PEOPLE)} (id bigint PRIMARY KEY, email text NOT NULL, note text, amount numeric)`);
    await pgQuery(`CREATE TABLE ${pgIdent(KEYS)} (email text PRIMARY KEY, score integer NOT NULL)`);
    const people = Array.from({ length: N }, (_, j) => j + 1);
    for (const i of people) await pgQuery(`INSERT INTO ${pgIdent(PEOPLE)} VALUES ($1, $2, $3, $4)`, [i, email(i), note(i), `${i}.5`]);
    for (let i = 1; i <= K; i++) await pgQuery(`INSERT INTO ${pgIdent(KEYS)} VALUES ($1, $2)`, [keyEmail(i), score(i)]);

    await myQuery(`DROP TABLE IF EXISTS ${myIdent(PEOPLE)}, ${myIdent(KEYS)}`);
    await myQuery(`CREATE TABLE ${myIdent(PEOPLE)} (id BIGINT PRIMARY KEY, email VARCHAR(200) NOT NULL, note VARCHAR(200), amount DECIMAL(20,4)) CHARACTER SET utf8mb4`);
    await myQuery(`CREATE TABLE ${myIdent(KEYS)} (email VARCHAR(200) PRIMARY KEY, score INT NOT NULL) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    const target = people
      .filter((i) => i !== N) // N: missing in target
      .map((i) => [i, i === 7 ? CHANGED_EMAIL : email(i), i === 13 ? note(i) + '!' : note(i), i === 11 ? '11.5001' : `${i}.5000`]);
    await myQuery(`INSERT INTO ${myIdent(PEOPLE)} VALUES ?`, [target]);
    const keyRows = Array.from({ length: K }, (_, j) => j + 1)
      .filter((i) => i !== 3) // key 3: missing in target
      .map((i) => [keyEmail(i), i === 5 ? score(i) + 1 : score(i)]);
    keyRows.push([EXTRA_KEY, 1]);
    await myQuery(`INSERT INTO ${myIdent(KEYS)} VALUES ?`, [keyRows]);

    // a MariaDB user that checks its password and may only SELECT these two tables
    await myQuery(`DROP USER IF EXISTS '${USER}'@'%'`);
    await myQuery(`CREATE USER '${USER}'@'%' IDENTIFIED BY '${PASSWORD}'`);
    await myQuery(`GRANT SELECT ON test.${myIdent(PEOPLE)} TO '${USER}'@'%'`);
    await myQuery(`GRANT SELECT ON test.${myIdent(KEYS)} TO '${USER}'@'%'`);

    worker = await startWorker(['--region', REGION], { PARITY_MASK_KEY: MASK_KEY, PARITY_LOG_LEVEL: 'INFO' });
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
    await pgQuery(`DROP TABLE IF EXISTS ${pgIdent(PEOPLE)}, ${pgIdent(KEYS)}`).catch(() => {});
    await myQuery(`DROP TABLE IF EXISTS ${myIdent(PEOPLE)}, ${myIdent(KEYS)}`).catch(() => {});
    await myQuery(`DROP USER IF EXISTS '${USER}'@'%'`).catch(() => {});
  });

  it('the password-checking MariaDB user refuses a wrong password (the test would prove nothing otherwise)', async () => {
    await expect(myQuery('SELECT 1', [], `mysql://${USER}:wrong@127.0.0.1:3306/test`)).rejects.toThrow(/Access denied/);
    await expect(myQuery(`SELECT COUNT(*) AS n FROM ${myIdent(PEOPLE)}`, [], `mysql://${USER}:${PASSWORD}@127.0.0.1:3306/test`)).resolves.toEqual([{ n: N - 1 }]);
  });

  it('masked columns are still compared, masked keys show as tokens, and no secret or value leaks anywhere', async () => {
    const runId = `sec-mask-${UNIQUE}`;
    const out = join(OUT, `mask-${UNIQUE}.jsonl`);
    rmSync(out, { force: true });
    const cfg = writeJson(join(OUT, `mask-${UNIQUE}.json`), {
      connections: {
        src: { url: `postgres://postgres:${PG_PASSWORD}@127.0.0.1:5432/test`, region: REGION },
        dst: { url: `mysql://${USER}:${PASSWORD}@127.0.0.1:3306/test`, region: REGION },
      },
      tables: [
        { source: 'src', target: 'dst', table: PEOPLE },
        { source: 'src', target: 'dst', table: KEYS },
      ],
    });
    const r = await runCli(['run', '--config', cfg, '--mask', `${PEOPLE}.email`, '--mask', `${PEOPLE}.amount`, '--mask', `${KEYS}.email`, '--out', out, '--run-id', runId]);
    expect(r.stderr).not.toMatch(NO_STACK);
    expect(r.code, r.stdout + r.stderr).toBe(1);

    // 1. still compared: the changed masked column is reported, 1.5 = 1.5000 is not
    const manifest = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const people = manifest.filter((m) => m.table === PEOPLE).map((m) => ({ ...m, columns: [...m.columns].sort() }));
    expect(people).toEqual([
      { table: PEOPLE, key: ['7'], kind: 'changed', columns: ['email'] },
      { table: PEOPLE, key: ['11'], kind: 'changed', columns: ['amount'] },
      { table: PEOPLE, key: ['13'], kind: 'changed', columns: ['note'] },
      { table: PEOPLE, key: [String(N)], kind: 'missing_in_target', columns: [] },
    ]);
    // 2. a masked key shows as its token: HMAC of the canonical bytes under the worker's key
    const keys = manifest.filter((m) => m.table === KEYS);
    const expected = [
      { table: KEYS, key: [expectedToken(keyEmail(3))], kind: 'missing_in_target', columns: [] },
      { table: KEYS, key: [expectedToken(keyEmail(5))], kind: 'changed', columns: ['score'] },
      { table: KEYS, key: [expectedToken(EXTRA_KEY)], kind: 'extra_in_target', columns: [] },
    ];
    const byKey = (a: { key: string[] }, b: { key: string[] }) => (a.key[0] < b.key[0] ? -1 : 1);
    expect([...keys].sort(byKey)).toEqual([...expected].sort(byKey));
    for (const k of keys) expect(k.key[0]).toMatch(/^tok:[0-9a-f]{64}$/);
    // the human summary names the changed masked column
    expect(r.stdout).toMatch(new RegExp(`${PEOPLE}: changed columns: .*email \\(1\\)`));

    // 3. nothing secret anywhere: the password, every non-key value, every masked value
    const secrets = [
      PASSWORD,
      PG_PASSWORD,
      MASK_KEY,
      CHANGED_EMAIL,
      EXTRA_KEY,
      ...Array.from({ length: N }, (_, j) => [email(j + 1), note(j + 1)]).flat(),
      note(13) + '!',
      ...Array.from({ length: K }, (_, j) => [keyEmail(j + 1), String(score(j + 1))]).flat(),
      String(score(5) + 1),
      SECRET, // every plain value above carries it
    ];
    const places: Record<string, string> = {
      'CLI output': r.stdout + r.stderr,
      manifest: readFileSync(out, 'utf8'),
      'worker log': worker!.output(),
    };
    for (const id of [`parity/${runId}`, `parity/${runId}/${PEOPLE}`, `parity/${runId}/${KEYS}`]) {
      const h = historyText(await workflowHistory(id));
      // the history is the real one: the run started the table workflows, which read both tables
      expect(h).toContain(id === `parity/${runId}` ? 'reconcileTable' : 'digestPartition');
      places[`history of ${id}`] = h;
    }
    // the search does see inside payloads: the table name travels only there
    expect(leaks(places[`history of parity/${runId}/${KEYS}`], [KEYS])).toEqual([KEYS]);
    const found = Object.entries(places).flatMap(([where, text]) => leaks(text, secrets).map((s) => `${where}: ${s}`));
    expect(found).toEqual([]);
    // non-masked keys may appear (partition bounds, manifest); the masked table's keys may not
    expect(places.manifest).toContain('"key":["7"]');
  });

  it('a URL with a password given as --source/--target keeps the password out of history and output', async () => {
    const runId = `sec-flags-${UNIQUE}`;
    const out = join(OUT, `flags-${UNIQUE}.jsonl`);
    rmSync(out, { force: true });
    // URLs on the command line run in region "local". This file's own worker polls its
    // workflow queue, so the CLI starts no in-process worker, and a local worker of another
    // test file that stopped less than 70 s ago still counts as a poller: start a live one.
    const local = await startWorker(['--region', 'local']);
    let r: Awaited<ReturnType<typeof runCli>>;
    try {
      r = await runCli([
        'run', '--source', `postgres://postgres:${PG_PASSWORD}@127.0.0.1:5432/test`, '--target', `mysql://${USER}:${PASSWORD}@127.0.0.1:3306/test`,
        '--table', KEYS, '--out', out, '--run-id', runId, '--json',
      ]);
    } finally {
      await stopProcess(local);
    }
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(JSON.parse(r.stdout).tables[0]).toMatchObject({ missing: 1, extra: 1, changed: 1 });
    expect(existsSync(out)).toBe(true);
    const text = [r.stdout, r.stderr, readFileSync(out, 'utf8'), historyText(await workflowHistory(`parity/${runId}`)), historyText(await workflowHistory(`parity/${runId}/${KEYS}`))].join('\n');
    expect(leaks(text, [PASSWORD, PG_PASSWORD])).toEqual([]);
  });
});
