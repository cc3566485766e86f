// Narrowing refinement (src/core/narrow.ts): sub-range boundaries, the 16-bit hints the
// digests keep per sub-range, and what the workflow derives from two sides' hints.
import { describe, expect, test } from 'vitest';
import { compareKeys } from '../../src/canonical';
import { addHints, differingSubRanges, hintsFromHex, hintsToHex, subBoundaries, subRanges, SUB_RANGES } from '../../src/core/narrow';
import { addSums, mergeSegmentDigests, subSums } from '../../src/core/segments';
import type { ColumnPair, Family } from '../../src/core/types';
import type { ByteBatch, RawRow } from '../../src/engines/engine';
import { FusedRowHasher } from '../../src/digest/fused';
import { SegmentAccumulator } from '../../src/digest/partition';
import { hashBatch } from '../../src/digest/decoupled';
import { packRows } from '../../src/digest/rawbatch';
import { rng } from '../../scripts/fixtures';

const INT: Family[] = ['int'];

describe('subBoundaries', () => {
  test('cuts [lo, hi) into SUB_RANGES sub-ranges of equal width, strictly inside and ascending', () => {
    expect(SUB_RANGES).toBe(16);
    expect(subBoundaries(['0'], ['160'], INT)).toEqual(Array.from({ length: 15 }, (_, j) => [String(10 * (j + 1))]));
    expect(subBoundaries(['-170'], ['-10'], INT)).toEqual(Array.from({ length: 15 }, (_, j) => [String(-160 + 10 * j)]));
    // floors, never reaching hi
    expect(subBoundaries(['1'], ['25'], INT)).toEqual([2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20, 22, 23].map((n) => [String(n)]));
  });

  test('narrow segments get fewer sub-ranges; width 1, open ends and other keys none', () => {
    expect(subBoundaries(['5'], ['8'], INT)).toEqual([['6'], ['7']]);
    expect(subBoundaries(['5'], ['7'], INT)).toEqual([['6']]);
    expect(subBoundaries(['5'], ['6'], INT)).toEqual([]);
    expect(subBoundaries(undefined, ['80'], INT)).toEqual([]);
    expect(subBoundaries(['0'], undefined, INT)).toEqual([]);
    expect(subBoundaries(['a'], ['z'], ['text'])).toEqual([]);
    expect(subBoundaries(['1', '1'], ['9', '9'], ['int', 'int'])).toEqual([]);
    expect(subBoundaries(['0.5'], ['80'], ['decimal'])).toEqual([]);
    // not canonical integer text (a key the encoder left as it came): never cut
    expect(subBoundaries(['007'], ['80'], INT)).toEqual([]);
  });

  test('past 2^64 (MySQL BIGINT UNSIGNED, PostgreSQL numeric keys are not int) stays exact', () => {
    const b = subBoundaries(['18446744073709551000'], ['18446744073709551615'], INT);
    expect(b).toHaveLength(15);
    expect(b[0]).toEqual(['18446744073709551038']);
    for (let j = 1; j < b.length; j++) expect(compareKeys(b[j - 1], b[j], INT)).toBeLessThan(0);
  });
});

describe('hints and sums', () => {
  test('hex round trip, element-wise addition mod 2^8, and which sub-ranges differ', () => {
    const h = new Uint8Array([0, 1, 0xff, 0x12]);
    expect(hintsToHex(h)).toBe('0001ff12');
    expect(Array.from(hintsFromHex('0001ff12'))).toEqual([0, 1, 0xff, 0x12]);
    expect(addHints('01ff', '0202')).toBe('0301');
    expect(addHints('01ff', undefined)).toBeUndefined();
    expect(addHints('01', '0101')).toBeUndefined();
    expect(differingSubRanges('010203', '010903', 3)).toBe(0b010);
    expect(differingSubRanges('010203', '910204', 3)).toBe(0b101);
    // all 16 sub-ranges
    expect(differingSubRanges('00'.repeat(16), '01'.repeat(16), 16)).toBe(0xffff);
    // lengths that disagree with each other or with the cut: nothing to narrow by
    expect(differingSubRanges('0102', '010203', 3)).toBe(0);
    expect(differingSubRanges('0102', '0103', 3)).toBe(0);
    expect(differingSubRanges(undefined, '0103', 2)).toBe(0);
  });

  test('subSums is the inverse of addSums mod 2^128', () => {
    const a = 'ffffffffffffffffffffffffffffff00';
    const b = '00000000000000000000000000000101';
    const d = subSums(b, a);
    expect(d).toBe('00000000000000000000000000000201');
    expect(addSums(a, d)).toBe(b);
    expect(subSums(a, a)).toBe('0'.repeat(32));
  });

  test('subRanges: the masked sub-ranges, adjacent ones merged, ends from the segment', () => {
    const inner = [['10'], ['20'], ['30']];
    const seg = { lo: ['0'], hi: ['40'] };
    expect(subRanges(seg, inner, 0b0001)).toEqual([{ lo: ['0'], hi: ['10'] }]);
    expect(subRanges(seg, inner, 0b0110)).toEqual([{ lo: ['10'], hi: ['30'] }]);
    expect(subRanges(seg, inner, 0b1001)).toEqual([{ lo: ['0'], hi: ['10'] }, { lo: ['30'], hi: ['40'] }]);
    expect(subRanges(seg, inner, 0b1111)).toEqual([seg]);
  });

  test('mergeSegmentDigests adds hints where every part has them, drops them otherwise', () => {
    const m = mergeSegmentDigests([
      [{ i: 1, n: 1, s: '0'.repeat(31) + '1', h: '0102' }, { i: 2, n: 1, s: '0'.repeat(32), h: '0101' }],
      [{ i: 1, n: 2, s: '0'.repeat(31) + '2', h: 'ff01' }, { i: 2, n: 1, s: '0'.repeat(32) }],
    ]);
    expect(m.get(1)).toEqual({ n: 3, s: '0'.repeat(31) + '3', h: '0003' });
    expect(m.get(2)?.h).toBeUndefined();
  });
});

const pair = (name: string, family: Family, isKey: boolean): ColumnPair => {
  const c = { name, nativeType: 'text', family, nullable: !isKey };
  return { name, family, isKey, source: c, target: c };
};
const PAIRS = [pair('id', 'int', true), pair('t', 'text', false), pair('n', 'int', false)];

function rows(n: number, seed: number): RawRow[] {
  const r = rng(seed);
  const out: RawRow[] = [];
  // ascending keys with gaps and a negative run
  for (let i = 0, k = -300; i < n; i++, k += 1 + Math.floor(r() * 3)) out.push([String(k), r() < 0.1 ? null : `v${Math.floor(r() * 1e6)}`, String(Math.floor(r() * 100))]);
  return out;
}

describe('SegmentAccumulator hints', () => {
  const range = { lo: ['-300'], hi: ['5000'] };
  const inner = [['-200'], ['0'], ['1000'], ['1003']];
  const task = { pairs: PAIRS, side: 'source' as const, inner, segFrom: 3, range };
  const data = rows(1500, 11);

  /** the hints computed the long way: each row's digest into the sub-range its key falls in */
  function expected(): Map<number, string> {
    const h = new FusedRowHasher(PAIRS, 'source');
    const edges = [range.lo, ...inner, range.hi];
    const out = new Map<number, Uint8Array>();
    for (const row of data) {
      const key = [row[0] as string];
      let j = 0;
      while (j < inner.length && compareKeys(key, inner[j], INT) >= 0) j++;
      const sub = subBoundaries(edges[j], edges[j + 1], INT);
      if (!sub.length) continue;
      let s = 0;
      while (s < sub.length && compareKeys(key, sub[s], INT) >= 0) s++;
      const hs = out.get(3 + j) ?? new Uint8Array(sub.length + 1);
      hs[s] += h.digest(row)[0];
      out.set(3 + j, hs);
    }
    return new Map([...out].map(([i, v]) => [i, hintsToHex(v)]));
  }

  test('each cut segment carries the sum of its rows per sub-range; a segment too narrow to cut carries none', () => {
    const acc = new SegmentAccumulator(task);
    for (const row of data) acc.add(row);
    const snap = acc.snapshot();
    const want = expected();
    const got = new Map(snap.segments.filter((d) => d.h).map((d) => [d.i, d.h!]));
    expect(got).toEqual(want);
    // segments 3..7: [-300,-200), [-200,0), [0,1000), [1000,1003), [1003,5000); all cut
    expect([...got.keys()]).toEqual([3, 4, 5, 6, 7]);
    expect(got.get(6)!.length).toBe(3 * 2); // width 3: three sub-ranges
    // a changed value moves its sub-range's hint (and almost surely only that one)
    const changed = data.map((r) => [...r]);
    const at = changed.findIndex((r) => r[0] === '500' || Number(r[0]) > 500);
    changed[at][2] = String(Number(changed[at][2]) + 1);
    const b = new SegmentAccumulator(task);
    for (const row of changed) b.add(row);
    const hb = b.snapshot().segments.find((d) => d.i === 5)!.h;
    const m = differingSubRanges(got.get(5), hb, SUB_RANGES);
    expect(m).not.toBe(0);
    const sub = subBoundaries(['0'], ['1000'], INT);
    const j = sub.filter((k) => compareKeys(k, [changed[at][0] as string], INT) <= 0).length;
    expect(m).toBe(1 << j);
  });

  test('without a range (pushdown-era callers, masked keys) there are no hints', () => {
    const acc = new SegmentAccumulator({ ...task, range: undefined });
    for (const row of data) acc.add(row);
    expect(acc.snapshot().segments.every((d) => d.h === undefined)).toBe(true);
  });

  test('resuming from a checkpoint continues the hints; a checkpoint without them gives none for its segments', () => {
    const whole = new SegmentAccumulator(task);
    for (const row of data) whole.add(row);
    const a = new SegmentAccumulator(task);
    for (const row of data.slice(0, 700)) a.add(row);
    const b = new SegmentAccumulator({ ...task, checkpoint: a.snapshot() });
    for (const row of data.slice(700)) b.add(row);
    expect(b.snapshot()).toEqual(whole.snapshot());
    // an older worker's checkpoint (no hints): those segments stay without, later ones get them
    const old = a.snapshot();
    const c = new SegmentAccumulator({ ...task, checkpoint: { ...old, segments: old.segments.map(({ h: _h, ...d }) => d) } });
    for (const row of data.slice(700)) c.add(row);
    const seen = new Set(old.segments.map((d) => d.i));
    for (const d of c.snapshot().segments) {
      if (seen.has(d.i)) expect(d.h).toBeUndefined();
      else expect(d.h).toBe(whole.snapshot().segments.find((x) => x.i === d.i)!.h);
    }
  });

  test('level 2: batches hashed apart add up to the same hints', () => {
    const whole = new SegmentAccumulator(task);
    for (const row of data) whole.add(row);
    const parts = [data.slice(0, 400), data.slice(400, 401), data.slice(401)].map((b) => hashBatch({ rows: packRows(b, 3), task }));
    const merged = mergeSegmentDigests(parts.map((p) => p.segments));
    for (const d of whole.snapshot().segments) expect(merged.get(d.i)).toEqual({ n: d.n, s: d.s, h: d.h });
  });
});

/** rows as a ByteBatch, the way scanBytes hands them over */
function byteBatch(rs: RawRow[]): ByteBatch {
  const cols = rs[0].length;
  const parts: Buffer[] = [];
  const starts = new Int32Array(rs.length * cols);
  const ends = new Int32Array(rs.length * cols);
  let o = 0;
  rs.forEach((row, r) =>
    row.forEach((v, c) => {
      const at = r * cols + c;
      if (v === null) return void (starts[at] = ends[at] = -1);
      const b = Buffer.from(v as string);
      parts.push(b);
      starts[at] = o;
      ends[at] = o += b.length;
    }),
  );
  return { buf: Buffer.concat(parts), rows: rs.length, cols, starts, ends };
}

describe('SegmentAccumulator: integer keys compared as numbers (bytes) = as text (rows)', () => {
  // keys across the 15-digit edge and past 2^53, so rows switch between the two comparisons
  const keys = ['-9007199254740993', '-999999999999999', '-1000', '-1', '0', '7', '999', '1000', '1001', '123456789012345', '1234567890123456', '9007199254740993'];
  const data: RawRow[] = keys.map((k, i) => [k, `t${i}`, String(i)]);
  const check = (task: ConstructorParameters<typeof SegmentAccumulator>[0], numeric: boolean) => {
    const text = new SegmentAccumulator(task);
    for (const row of data) text.add(row);
    const bytes = new SegmentAccumulator(task);
    expect((bytes as unknown as { num?: unknown }).num !== undefined).toBe(numeric);
    const b = byteBatch(data);
    for (let r = 0; r < b.rows; r++) {
      bytes.addBytes(b, r);
      expect(bytes.lastKey).toEqual([keys[r]]);
    }
    expect(bytes.snapshot()).toEqual(text.snapshot());
    return text.snapshot();
  };

  test('safe boundaries: the numeric path, with hints, agrees on every segment and the last key', () => {
    const snap = check({ pairs: PAIRS, side: 'source', inner: [['-1000'], ['0'], ['1000'], ['123456789012345']], segFrom: 0, range: { lo: ['-2000000000000000'], hi: ['9007199254740991'] } }, true);
    expect(snap.segments.map((d) => [d.i, d.n])).toEqual([[0, 2], [1, 2], [2, 3], [3, 2], [4, 3]]);
    expect(snap.segments.filter((d) => d.h).length).toBe(5);
  });

  test('a boundary past 2^53 keeps every row on the text comparison; the results are the same', () => {
    check({ pairs: PAIRS, side: 'source', inner: [['0'], ['9007199254740992']], segFrom: 2, range: {} }, false);
  });

  test('a checkpoint taken on the numeric path resumes on either', () => {
    const task = { pairs: PAIRS, side: 'source' as const, inner: [['0'], ['1000']], segFrom: 0, range: { lo: ['-1000000'], hi: ['1000000'] } };
    const whole = new SegmentAccumulator(task);
    for (const row of data) whole.add(row);
    const a = new SegmentAccumulator(task);
    const b = byteBatch(data);
    for (let r = 0; r < 6; r++) a.addBytes(b, r);
    expect(a.snapshot().lastKey).toEqual(['7']);
    const c = new SegmentAccumulator({ ...task, checkpoint: a.snapshot() });
    for (const row of data.slice(6)) c.add(row);
    expect(c.snapshot()).toEqual(whole.snapshot());
  });
});
