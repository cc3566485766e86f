// Pushdown and extract give the same verdict and the same manifest for the same data, in
// both directions, on a pair whose every column pushdown can express; auto picks pushdown
// there and extract where it cannot (the demo pair has double and JSON columns).
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MY_URL, myExec, PG_URL, pgExec, createDemoPair } from '../../scripts/fixtures';
import { ROOT, runCli, startWorker, stopProcess } from '../helpers/cli';
import { history, temporalClient } from '../helpers/crash';

const OUT = join(ROOT, 'test-output', 'modes');
const T = 'modes_pair';

async function makePair(): Promise<void> {
  await pgExec(`DROP TABLE IF EXISTS ${T}; CREATE TABLE ${T} (
    id bigint PRIMARY KEY, n int, amount numeric(14,4), name text, flag boolean, at timestamptz, d date, u uuid, b bytea, c character(6), note varchar(20));
    INSERT INTO ${T} SELECT i, i % 97, (i % 1000) / 16.0, 'name ' || i || CASE WHEN i % 7 = 0 THEN ' ' ELSE '' END, i % 2 = 0,
      TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL '1 second 17 microseconds', DATE '2020-01-01' + (i % 500),
      md5(i::text)::uuid, decode(md5(i::text), 'hex'), 'c' || (i % 100), CASE WHEN i % 11 = 0 THEN NULL ELSE '' END
    FROM generate_series(1, 6000) i; ANALYZE ${T}`);
  await myExec(`DROP TABLE IF EXISTS ${T}; CREATE TABLE ${T} (
    id BIGINT PRIMARY KEY, n INT, amount DECIMAL(18,6), name VARCHAR(64), flag TINYINT(1), at DATETIME(6), d DATE, u CHAR(36), b VARBINARY(16), c CHAR(6), note VARCHAR(20)) CHARACTER SET utf8mb4;
    INSERT INTO ${T} SELECT seq, seq % 97, (seq % 1000) / 16.0, CONCAT('name ', seq, IF(seq % 7 = 0, ' ', '')), seq % 2 = 0,
      TIMESTAMP('2024-01-01 00:00:00') + INTERVAL seq SECOND + INTERVAL seq * 17 MICROSECOND, DATE('2020-01-01') + INTERVAL (seq % 500) DAY,
      CONCAT_WS('-', SUBSTR(MD5(seq),1,8), SUBSTR(MD5(seq),9,4), SUBSTR(MD5(seq),13,4), SUBSTR(MD5(seq),17,4), SUBSTR(MD5(seq),21,12)),
      UNHEX(MD5(seq)), CONCAT('c', seq % 100), IF(seq % 11 = 0, NULL, '')
    FROM seq_1_to_6000;
    UPDATE ${T} SET amount = amount + 0.0001 WHERE id = 10;
    UPDATE ${T} SET name = UPPER(name) WHERE id = 20;
    UPDATE ${T} SET at = at + INTERVAL 1 MICROSECOND WHERE id = 30;
    UPDATE ${T} SET flag = 2 WHERE id = 40;
    UPDATE ${T} SET u = UPPER(u) WHERE id = 50;
    UPDATE ${T} SET note = NULL WHERE id = 60;
    UPDATE ${T} SET b = '' WHERE id = 70;
    UPDATE ${T} SET name = TRIM(name) WHERE id = 77;
    DELETE FROM ${T} WHERE id = 80;
    INSERT INTO ${T} (id, n) VALUES (9000, 1);
    ANALYZE TABLE ${T}`);
}

const EXPECTED = (dir: 'forward' | 'reverse') => {
  const miss = dir === 'forward' ? 'missing_in_target' : 'extra_in_target';
  const extra = dir === 'forward' ? 'extra_in_target' : 'missing_in_target';
  return [
    { key: ['10'], kind: 'changed', columns: ['amount'] },
    { key: ['20'], kind: 'changed', columns: ['name'] },
    { key: ['30'], kind: 'changed', columns: ['at'] },
    { key: ['40'], kind: 'changed', columns: ['flag'] },
    { key: ['50'], kind: 'changed', columns: ['u'] },
    { key: ['60'], kind: 'changed', columns: ['note'] },
    { key: ['70'], kind: 'changed', columns: ['b'] },
    { key: ['77'], kind: 'changed', columns: ['name'] },
    { key: ['80'], kind: miss, columns: [] },
    { key: ['9000'], kind: extra, columns: [] },
  ].map((r) => ({ table: T, ...r }));
};

describe('pushdown and extract agree', () => {
  let worker: Awaited<ReturnType<typeof startWorker>>;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    await makePair();
    worker = await startWorker();
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
  });

  for (const [dir, src, dst] of [['forward', PG_URL, MY_URL], ['reverse', MY_URL, PG_URL]] as const) {
    it(`${dir}: extract, pushdown and auto give the same verdict and manifest`, async () => {
      const manifests: string[] = [];
      for (const mode of ['extract', 'pushdown', 'auto']) {
        const out = join(OUT, `${dir}-${mode}.jsonl`);
        const r = await runCli(['run', '--source', src, '--target', dst, '--table', T, '--mode', mode, '--out', out, '--json', '--segment-rows', '100', '--partition-rows', '2000']);
        expect(r.code, r.stderr + r.stdout).toBe(1);
        const t = JSON.parse(r.stdout).tables[0];
        expect(t.mode).toBe(mode === 'extract' ? 'extract' : 'pushdown');
        manifests.push(readFileSync(out, 'utf8'));
      }
      expect(manifests[1]).toBe(manifests[0]);
      expect(manifests[2]).toBe(manifests[0]);
      expect(manifests[0].split('\n').filter(Boolean).map((l) => JSON.parse(l))).toEqual(EXPECTED(dir));
    });
  }

  it('a dense integer key is planned from introspect (no sampling activity), the plan saved beside the digests, which get it packed', async () => {
    const r = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', T, '--mode', 'extract', '--json', '--segment-rows', '100', '--partition-rows', '2000', '--run-id', 'modes-dense']);
    expect(r.code, r.stderr + r.stdout).toBe(1);
    const client = await temporalClient();
    const events = await history(client, `parity/modes-dense/${T}`);
    const scheduled = events.map((e) => ({ a: e.activityTaskScheduledEventAttributes, done: e.workflowTaskCompletedEventAttributes })).filter((x) => x.a || x.done);
    const names = scheduled.filter((x) => x.a).map((x) => x.a!.activityType!.name);
    expect(names).toContain('introspect');
    expect(names).not.toContain('sampleBoundaries');
    // savePlan and the digests are scheduled by one workflow task (no task boundary between them)
    const save = scheduled.findIndex((x) => x.a?.activityType?.name === 'savePlan');
    const firstDigest = scheduled.findIndex((x) => x.a?.activityType?.name === 'digestPartition');
    expect(save).toBeGreaterThan(0);
    expect(scheduled.slice(Math.min(save, firstDigest), Math.max(save, firstDigest)).some((x) => x.done)).toBe(false);
    const inputs = scheduled.filter((x) => x.a?.activityType?.name === 'digestPartition').map((x) => JSON.parse(Buffer.from(x.a!.input!.payloads![0].data!).toString('utf8')));
    expect(inputs.length).toBeGreaterThan(1);
    for (const d of inputs) expect(Array.isArray(d.inner) ? d.inner.length : { step: d.inner.step, n: typeof d.inner.n }).toEqual({ step: '100', n: 'number' });
  });

  it('auto falls back to extract where a column has no SQL canonical form; explicit pushdown there halts with the reason', async () => {
    await createDemoPair('modes_demo', 300, 3);
    const auto = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', 'modes_demo', '--json']);
    expect(JSON.parse(auto.stdout).tables[0].mode).toBe('extract');
    const forced = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', 'modes_demo', '--mode', 'pushdown', '--json']);
    expect(forced.code).toBe(2);
    expect(JSON.parse(forced.stdout).tables[0].error.message).toMatch(/--mode pushdown is not possible: .*column "ratio"/);
  });
});
