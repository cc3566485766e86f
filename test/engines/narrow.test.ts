// Narrowed refinement on real PostgreSQL and MariaDB tables: digests with sub-range hints,
// the workflow's narrowing of unequal segments (src/core/narrow), and compareChunks, which
// re-reads only the differing sub-ranges and falls back to whole segments when the rows it
// read do not explain the segments' difference.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkSchemas, withPairFamilies } from '../../src/canonical';
import { consecutiveRuns, mergeSegmentDigests, narrowings, refineRanges, unequalSegments, type Narrowed } from '../../src/core/segments';
import type { ColumnPair, DiffRecord, KeyTuple, TableSchema } from '../../src/core/types';
import { compareChunks, NARROW_RANGES_PER_QUERY, refineChunks, type CompareOptions, type NarrowChunk } from '../../src/digest/compare';
import { digestPartition } from '../../src/digest/partition';
import type { Engine } from '../../src/engines/engine';
import { openEngine } from '../../src/engines/open';
import { sortRecords } from '../../scripts/fixtures';
import { MY_URL, myIdent, openTestDbs, PG_URL, pgIdent, type TestDbs } from '../helpers/db';

let db: TestDbs;
let pgE: Engine;
let myE: Engine;
let t: string;
let pairs: ColumnPair[];
let schemas: { source: TableSchema; target: TableSchema };
// 8 segments of 100 keys; the first and the last are open-ended (never cut)
const boundaries: KeyTuple[] = [100, 200, 300, 400, 500, 600, 700].map((k) => [String(k)]);
const ROWS = 800;

const expected: DiffRecord[] = [];

beforeAll(async () => {
  db = await openTestDbs(__filename);
  t = db.name('narrow');
  await db.createPg(t, 'id integer PRIMARY KEY, v text, n numeric(8,2)');
  await db.createMy(t, 'id int PRIMARY KEY, v varchar(20), n decimal(8,3)');
  const values = (k: number) => [k, `v${(k * 7919) % 1000}`, ((k * 31) % 500) / 4] as const;
  const all = Array.from({ length: ROWS }, (_, i) => values(i));
  await db.pg(`INSERT INTO ${pgIdent(t)} VALUES ${all.map(([k, v, n]) => `(${k}, '${v}', ${n})`).join(',')}`);
  // the target: one changed value in a cut segment (key 250), one in the open first
  // segment (42), a missing row (512), an extra row (1000, past the last boundary), and two
  // changes in one segment's different sub-ranges (610, 690)
  const target = all.filter(([k]) => k !== 512).map(([k, v, n]) => [k, k === 250 || k === 42 || k === 610 ? 'changed' : v, k === 690 ? n + 1 : n] as const);
  target.push([1000, 'x', 0]);
  await db.my(`INSERT INTO ${myIdent(t)} VALUES ${target.map(([k, v, n]) => `(${k}, '${v}', ${n})`).join(',')}`);
  expected.push(
    { table: t, key: ['42'], kind: 'changed', columns: ['v'] },
    { table: t, key: ['250'], kind: 'changed', columns: ['v'] },
    { table: t, key: ['512'], kind: 'missing_in_target', columns: [] },
    { table: t, key: ['610'], kind: 'changed', columns: ['v'] },
    { table: t, key: ['690'], kind: 'changed', columns: ['n'] },
    { table: t, key: ['1000'], kind: 'extra_in_target', columns: [] },
  );
  pgE = await openEngine(PG_URL, { applicationName: 'parity-test:narrow' });
  myE = await openEngine(MY_URL, { applicationName: 'parity-test:narrow' });
  const [ps, ms] = [await pgE.introspect(t), await myE.introspect(t)];
  const check = checkSchemas(ps, ms);
  expect(check.halts).toEqual([]);
  pairs = check.columns;
  schemas = { source: withPairFamilies(ps, pairs), target: withPairFamilies(ms, pairs) };
}, 60_000);

afterAll(async () => {
  await pgE?.close();
  await myE?.close();
  await db?.close();
});

async function plan() {
  const digest = (side: 'source' | 'target') =>
    digestPartition({ side, url: side === 'source' ? PG_URL : MY_URL, schema: schemas[side], pairs, range: {}, segFrom: 0, inner: boundaries, fetchSize: 64, applicationName: 'parity-test:narrow' });
  const [a, b] = [mergeSegmentDigests([(await digest('source')).segments]), mergeSegmentDigests([(await digest('target')).segments])];
  const unequal = unequalSegments(a, b);
  const narrow = narrowings(a, b, unequal);
  return { unequal, narrow, batch: consecutiveRuns(unequal, 64) };
}

const options = (): CompareOptions => ({ table: t, pairs, fetchSize: 50 });
const sides = () => [{ engine: pgE, schema: schemas.source }, { engine: myE, schema: schemas.target }] as const;

describe('integer key extent (equal-width plans)', () => {
  test('both engines give the least and greatest key as text; an empty table gives none', async () => {
    expect(await pgE.intKeyExtent(schemas.source)).toEqual({ min: '0', max: '799' });
    expect(await myE.intKeyExtent(schemas.target)).toEqual({ min: '0', max: '1000' });
    const e = db.name('narrow_empty');
    await db.createPg(e, 'id bigint PRIMARY KEY');
    await db.createMy(e, 'id bigint unsigned PRIMARY KEY');
    expect(await pgE.intKeyExtent(await pgE.introspect(e))).toBeUndefined();
    expect(await myE.intKeyExtent(await myE.introspect(e))).toBeUndefined();
    // BIGINT UNSIGNED past 2^63 and bigint's least value keep every digit
    await db.my(`INSERT INTO ${myIdent(e)} VALUES (0), (18446744073709551615)`);
    await db.pg(`INSERT INTO ${pgIdent(e)} VALUES (-9223372036854775808), (9223372036854775807)`);
    expect(await myE.intKeyExtent(await myE.introspect(e))).toEqual({ min: '0', max: '18446744073709551615' });
    expect(await pgE.intKeyExtent(await pgE.introspect(e))).toEqual({ min: '-9223372036854775808', max: '9223372036854775807' });
  });
});

describe('narrowed refinement', () => {
  test('only the differing sub-ranges are re-read, and the records are exact', async () => {
    const { unequal, narrow, batch } = await plan();
    // segments 0 (42), 2 (250), 5 (512), 6 (610, 690), 7 (1000)
    expect(unequal).toEqual([0, 2, 5, 6, 7]);
    // the open-ended segments have no hints; the cut ones are narrowed to their sub-ranges
    expect(Object.keys(narrow).map(Number)).toEqual([2, 5, 6]);
    expect(narrow[6].k).toBe(16);
    expect(narrow[6].m).toBe((1 << 1) | (1 << 14)); // 610 in [606,612), 690 in [687,693)
    const { ranges, narrowed } = refineRanges(boundaries, batch, ['int'], narrow);
    expect(ranges).toEqual([{ lo: undefined, hi: ['100'] }, { lo: ['700'], hi: undefined }]);
    expect(narrowed.map((n) => n.sub)).toEqual([
      [{ lo: ['250'], hi: ['256'] }],
      [{ lo: ['512'], hi: ['518'] }],
      [{ lo: ['606'], hi: ['612'] }, { lo: ['687'], hi: ['693'] }],
    ]);
    const out: DiffRecord[] = [];
    const [s, g] = sides();
    const read = await compareChunks(s, g, refineChunks(ranges, narrowed), options(), out);
    expect(sortRecords(out)).toEqual(sortRecords(expected));
    expect(read.widened).toBe(0);
    // whole segments would have re-read 100 + 100 + 100 + 100 + 100 rows on the source
    expect(read.source).toBe(100 + 6 + 6 + 6 + 6 + 100);
  });

  test('sub-ranges that miss a difference do not explain the sum: that segment, and only it, is compared whole', async () => {
    const { narrow, batch } = await plan();
    const { ranges, narrowed } = refineRanges(boundaries, batch, ['int'], narrow);
    // as if segment 6's hint for [687,693) had collided: only [606,612) would be re-read
    const lying: Narrowed[] = narrowed.map((n) => (n.whole.lo?.[0] === '600' ? { ...n, sub: n.sub.slice(0, 1) } : n));
    const out: DiffRecord[] = [];
    const [s, g] = sides();
    const read = await compareChunks(s, g, refineChunks(ranges, lying), options(), out);
    expect(read.widened).toBe(1);
    expect(sortRecords(out)).toEqual(sortRecords(expected));
    // the narrowed chunk read its sub-ranges, then segment 6 whole (its 610 record from the
    // narrowed read was dropped, not reported twice)
    expect(read.source).toBe(100 + 100 + (6 + 6 + 6) + 100);
  });

  test('a chunk of many narrowed segments is split at NARROW_RANGES_PER_QUERY sub-ranges, each segment with its own sum', () => {
    const n = (i: number): Narrowed => ({ sub: [{ lo: [String(i)], hi: [String(i + 1)] }, { lo: [String(i + 2)], hi: [String(i + 3)] }], whole: { lo: [String(i)], hi: [String(i + 4)] }, d: (i + 1).toString(16).padStart(32, '0') });
    expect(NARROW_RANGES_PER_QUERY).toBe(128);
    const chunks = refineChunks([], Array.from({ length: 80 }, (_, i) => n(i * 10)));
    expect(chunks).toHaveLength(2);
    const [c0, c1] = chunks as NarrowChunk[];
    expect([c0.ranges.length, c0.segments.length, c1.ranges.length, c1.segments.length]).toEqual([128, 64, 32, 16]);
    expect(c1.segments[0]).toEqual({ whole: { lo: ['640'], hi: ['644'] }, d: (641).toString(16).padStart(32, '0') });
  });
});
