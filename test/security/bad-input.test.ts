// Bad input (issue 6, item 6): each case answered with a message that names what is wrong
// and where, exit code 2, no stack trace, and nothing written (no --out file). The real CLI;
// cases found at run time go through the real Temporal server and a real worker process.
// Last, table and column names that look like SQL injection are reconciled correctly.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startWorker, stopProcess, type CliResult } from '../helpers/cli';
import { leaks, MY_URL, myIdent, myQuery, NO_STACK, OUT, PG_URL, pgIdent, pgQuery, UNIQUE, writeJson, writeText } from './helpers';

const REGION = `secbad${UNIQUE}`;
const NOPK = `sec_bad_nopk_${UNIQUE}`;
const KEYS = `sec_bad_keys_${UNIQUE}`;
const TYPES = `sec_bad_types_${UNIQUE}`;
const GOOD = `sec_bad_good_${UNIQUE}`;
const VICTIM = `sec_vic_${UNIQUE}`;
const INJ = `sec_inj_${UNIQUE}"; drop table ${VICTIM}; --`;
const INJ_COL = `v"); delete from ${VICTIM}; --`;
const INJ_COL2 = "w`; drop table " + VICTIM + '; --';
const USER = `sec_badpw_${UNIQUE}`;
const PASSWORD = `Right_${randomBytes(6).toString('hex')}`;
const WRONG = `Wrong_${randomBytes(6).toString('hex')}`;

let n = 0;
const outFile = () => {
  const f = join(OUT, `bad-${UNIQUE}-${++n}.jsonl`);
  rmSync(f, { force: true });
  return f;
};

/** exit 2, no stack trace, the message matches every pattern, and --out was not written */
function expectRefused(r: CliResult, out: string, ...patterns: RegExp[]): void {
  const text = r.stdout + r.stderr;
  if (process.env.PARITY_SHOW_MESSAGES) console.log(text);
  expect(r.code, text).toBe(2);
  expect(text).not.toMatch(NO_STACK);
  for (const p of patterns) expect(text).toMatch(p);
  expect(existsSync(out), `--out ${out} was written though the run could not decide`).toBe(false);
}

function config(name: string, doc: unknown): string {
  return writeJson(join(OUT, `bad-${UNIQUE}-${name}.json`), doc);
}

const conns = (src = PG_URL, dst = MY_URL) => ({ src: { url: src, region: REGION }, dst: { url: dst, region: REGION } });

describe('bad input: named, exit 2, no stack trace, nothing written', () => {
  describe('found before anything runs', () => {
    it('malformed YAML: file, line and column', async () => {
      const f = writeText(join(OUT, `bad-${UNIQUE}.yaml`), `connections:\n  src: {url: "${PG_URL}"\ntables:\n  - source: src\n`);
      const out = outFile();
      const r = await runCli(['run', '--config', f, '--out', out]);
      expectRefused(r, out, new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+:`));
    });

    it('malformed JSON: file and position', async () => {
      const f = writeText(join(OUT, `bad-${UNIQUE}.json`), '{"connections": {"src": {"url": "x"}},\n "tables": [ }');
      const out = outFile();
      const r = await runCli(['run', '--config', f, '--out', out]);
      expectRefused(r, out, new RegExp(`bad-${UNIQUE}\\.json:2:14: not valid JSON`));
    });

    it('unknown keys: each named with its path', async () => {
      const f = config('unknown-keys', { connections: conns(), tables: [{ source: 'src', target: 'dst', table: GOOD, colour: 'red' }], extra: 1 });
      const out = outFile();
      const r = await runCli(['run', '--config', f, '--out', out]);
      expectRefused(r, out, /tables\[0\].*colour/, /extra/);
    });

    it('unknown connection name', async () => {
      const f = config('unknown-conn', { connections: conns(), tables: [{ source: 'src', target: 'nowhere', table: GOOD }] });
      const out = outFile();
      const r = await runCli(['run', '--config', f, '--out', out]);
      expectRefused(r, out, new RegExp(`bad-${UNIQUE}-unknown-conn\\.json: tables\\[0\\]\\.target: unknown connection "nowhere"`));
    });

    it('a URL that does not parse, and an unsupported scheme, on the command line and in a config file', async () => {
      let out = outFile();
      expectRefused(await runCli(['run', '--source', 'not a url', '--target', MY_URL, '--table', GOOD, '--out', out]), out, /--source: not a URL/);
      out = outFile();
      expectRefused(await runCli(['run', '--source', PG_URL, '--target', 'oracle://scott:tiger@db/x', '--table', GOOD, '--out', out]), out, /--target: unsupported scheme "oracle:"/);
      out = outFile();
      const f = config('bad-url', { connections: conns(PG_URL, 'mysql//127.0.0.1/test'), tables: [{ source: 'src', target: 'dst', table: GOOD }] });
      const r = await runCli(['run', '--config', f, '--out', out]);
      expectRefused(r, out, /connections\.dst\.url: not a URL/);
    });

    it('--mask naming no table of the run', async () => {
      const out = outFile();
      const r = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', GOOD, '--mask', 'elsewhere.email', '--out', out]);
      expectRefused(r, out, /--mask elsewhere\.email/);
    });
  });

  describe('found at run time (worker process, real databases)', () => {
    let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
    beforeAll(async () => {
      await pgQuery(`DROP TABLE IF EXISTS ${pgIdent(NOPK)}, ${pgIdent(KEYS)}, ${pgIdent(TYPES)}, ${pgIdent(GOOD)}, ${pgIdent(INJ)}, ${pgIdent(VICTIM)}`);
      await myQuery(`DROP TABLE IF EXISTS ${myIdent(NOPK)}, ${myIdent(KEYS)}, ${myIdent(TYPES)}, ${myIdent(GOOD)}, ${myIdent(INJ)}, ${myIdent(VICTIM)}`);
      await pgQuery(`CREATE TABLE ${pgIdent(NOPK)} (id int, v text)`);
      await myQuery(`CREATE TABLE ${myIdent(NOPK)} (id INT, v VARCHAR(10))`);
      await pgQuery(`CREATE TABLE ${pgIdent(KEYS)} (a int, b int, v text, PRIMARY KEY (a))`);
      await myQuery(`CREATE TABLE ${myIdent(KEYS)} (a INT, b INT, v VARCHAR(10), PRIMARY KEY (a, b))`);
      await pgQuery(`CREATE TABLE ${pgIdent(TYPES)} (id int PRIMARY KEY, born date, payload bytea)`);
      await myQuery(`CREATE TABLE ${myIdent(TYPES)} (id INT PRIMARY KEY, born INT, payload VARCHAR(10))`);
      await pgQuery(`CREATE TABLE ${pgIdent(GOOD)} (id int PRIMARY KEY, v text)`);
      await pgQuery(`INSERT INTO ${pgIdent(GOOD)} VALUES (1, 'a'), (2, 'b')`);
      await myQuery(`CREATE TABLE ${myIdent(GOOD)} (id INT PRIMARY KEY, v VARCHAR(10))`);
      await myQuery(`INSERT INTO ${myIdent(GOOD)} VALUES (1, 'a'), (2, 'b')`);
      await myQuery(`DROP USER IF EXISTS '${USER}'@'%'`);
      await myQuery(`CREATE USER '${USER}'@'%' IDENTIFIED BY '${PASSWORD}'`);
      await myQuery(`GRANT SELECT ON test.${myIdent(GOOD)} TO '${USER}'@'%'`);
      worker = await startWorker(['--region', REGION]);
    });
    afterAll(async () => {
      if (worker) await stopProcess(worker);
      await pgQuery(`DROP TABLE IF EXISTS ${pgIdent(NOPK)}, ${pgIdent(KEYS)}, ${pgIdent(TYPES)}, ${pgIdent(GOOD)}, ${pgIdent(INJ)}, ${pgIdent(VICTIM)}`).catch(() => {});
      await myQuery(`DROP TABLE IF EXISTS ${myIdent(NOPK)}, ${myIdent(KEYS)}, ${myIdent(TYPES)}, ${myIdent(GOOD)}, ${myIdent(INJ)}, ${myIdent(VICTIM)}`).catch(() => {});
      await myQuery(`DROP USER IF EXISTS '${USER}'@'%'`).catch(() => {});
    });

    const runTable = async (table: string, c = conns()) => {
      const out = outFile();
      const f = config(`run-${n}`, { connections: c, tables: [{ source: 'src', target: 'dst', table }] });
      return { out, r: await runCli(['run', '--config', f, '--out', out], { timeoutMs: 150_000 }) };
    };

    it('control: the same setup with good input is exact (exit 0)', async () => {
      const { r } = await runTable(GOOD, conns(PG_URL, `mysql://${USER}:${PASSWORD}@127.0.0.1:3306/test`));
      expect(r.code, r.stdout + r.stderr).toBe(0);
    });

    it('wrong password against MariaDB: names the user and host, never the password', async () => {
      const { r, out } = await runTable(GOOD, conns(PG_URL, `mysql://${USER}:${WRONG}@127.0.0.1:3306/test`));
      expectRefused(r, out, /AuthFailed|Access denied/, new RegExp(USER), /127\.0\.0\.1:3306/);
      expect(leaks(r.stdout + r.stderr + worker!.output(), [WRONG, PASSWORD])).toEqual([]);
    });

    it('unreachable host: bounded retries, then a clear error naming host and port, within 60 s', async () => {
      const t0 = Date.now();
      const { r, out } = await runTable(GOOD, conns(PG_URL, 'mysql://root@127.0.0.1:1/test'));
      const seconds = (Date.now() - t0) / 1000;
      expectRefused(r, out, /127\.0\.0\.1:1\b/);
      expect(seconds).toBeLessThan(60);
      console.log(`unreachable host reported after ${seconds.toFixed(1)} s`);
    }, 120_000);

    it('missing table: named, with the database it was looked for in', async () => {
      const missing = `sec_missing_${UNIQUE}`;
      const { r, out } = await runTable(missing);
      expectRefused(r, out, new RegExp(`table "${missing}" not found`));
    });

    it('table without a primary key', async () => {
      const { r, out } = await runTable(NOPK);
      expectRefused(r, out, new RegExp(NOPK), /no primary key/);
    });

    it('key columns that differ', async () => {
      const { r, out } = await runTable(KEYS);
      expectRefused(r, out, /primary keys differ: \(a\) in source vs \(a, b\) in target/);
    });

    it('incompatible column types: each column named', async () => {
      const { r, out } = await runTable(TYPES);
      expectRefused(r, out, /born/, /payload/);
    });

    it('table and column names that look like SQL injection are quoted, never spliced, and reconciled exactly', async () => {
      await pgQuery(`CREATE TABLE ${pgIdent(VICTIM)} (x int)`);
      await myQuery(`CREATE TABLE ${myIdent(VICTIM)} (x INT)`);
      await pgQuery(`INSERT INTO ${pgIdent(VICTIM)} VALUES (1)`);
      await myQuery(`INSERT INTO ${myIdent(VICTIM)} VALUES (1)`);
      await pgQuery(`CREATE TABLE ${pgIdent(INJ)} (id text PRIMARY KEY, ${pgIdent(INJ_COL)} text, ${pgIdent(INJ_COL2)} int)`);
      await myQuery(`CREATE TABLE ${myIdent(INJ)} (id VARCHAR(60) PRIMARY KEY, ${myIdent(INJ_COL)} VARCHAR(60), ${myIdent(INJ_COL2)} INT) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
      const rows = [
        ["'; drop table " + VICTIM + '; --', 'x', 1],
        ['a"b', "it's", 2],
        ['back`tick', '\\', 3],
        ['plain', 'y', 4],
      ];
      for (const row of rows) await pgQuery(`INSERT INTO ${pgIdent(INJ)} VALUES ($1, $2, $3)`, row);
      const target = rows.filter((r) => r[0] !== 'plain').map((r) => (r[0] === 'a"b' ? [r[0], "it''s", r[2]] : r));
      await myQuery(`INSERT INTO ${myIdent(INJ)} VALUES ?`, [target]);
      const out = outFile();
      const f = config('inj', { connections: conns(), tables: [{ source: 'src', target: 'dst', table: INJ }] });
      const r = await runCli(['run', '--config', f, '--out', out, '--json'], { timeoutMs: 150_000 });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      const manifest = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      expect(manifest).toEqual([
        { table: INJ, key: ['a"b'], kind: 'changed', columns: [INJ_COL.toLowerCase()] },
        { table: INJ, key: ['plain'], kind: 'missing_in_target', columns: [] },
      ]);
      // nothing was spliced: the victims are still there, untouched
      expect(await pgQuery(`SELECT x FROM ${pgIdent(VICTIM)}`)).toEqual([{ x: 1 }]);
      expect(await myQuery(`SELECT x FROM ${myIdent(VICTIM)}`)).toEqual([{ x: 1 }]);
    });
  });
});
