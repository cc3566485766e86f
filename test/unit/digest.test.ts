import { describe, expect, it } from 'vitest';
import { murmur3x86_128, wordView } from '../../src/digest/murmur3';
import { RowHasher, Sum128 } from '../../src/digest/row';
import { addSums, consecutiveRuns, mergeSegmentDigests, partitionRange, maskKeyMismatch, partitionSegments, sampleSide, splitPartition, unequalSegments, ZERO_SUM } from '../../src/core/segments';

// reference values from murmurhash3js-revisited (x86.hash128), checked when this was written
const VECTORS: [string, number, string][] = [
  ['', 0, '00000000000000000000000000000000'],
  ['a', 0, 'a794933c5556b01b5556b01b5556b01b'],
  ['hello world', 0, 'c0b21a8814f3c1e11c0d151a9b0c9e2c'],
  ['The quick brown fox jumps over the lazy dog', 0, '2f1583c3ecee2c675d7bf66ce5e91d2c'],
  ['parity-seed-test-0123456789abcdef!', 0x70617269, '8e6b70ca29e472b3be3c54148535c738'],
];

describe('murmur3 x86_128', () => {
  it.each(VECTORS)('hashes %j (seed %d) like the reference', (text, seed, want) => {
    const out = new Uint32Array(4);
    const b = Buffer.from(text);
    murmur3x86_128(b, b.length, seed, out);
    expect(Array.from(out, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('')).toBe(want);
    // the same through a word view of an aligned copy
    const aligned = Buffer.allocUnsafeSlow(b.length + 16);
    b.copy(aligned);
    const viaWords = new Uint32Array(4);
    murmur3x86_128(aligned, b.length, seed, viaWords, wordView(aligned));
    expect(Array.from(viaWords)).toEqual(Array.from(out));
  });

  it('reads blocks through a word view exactly as byte by byte, at every length and tail', () => {
    const buf = Buffer.allocUnsafeSlow(512);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 131 + 7) & 255;
    const words = wordView(buf);
    expect(words).toBeDefined();
    const a = new Uint32Array(4), b = new Uint32Array(4);
    for (let len = 0; len <= 300; len++) {
      murmur3x86_128(buf, len, 0x70617269, a);
      murmur3x86_128(buf, len, 0x70617269, b, words);
      expect(Array.from(b), `length ${len}`).toEqual(Array.from(a));
    }
    // a buffer that does not start on a 4-byte boundary gets no view (bytes are read one by one)
    expect(wordView(buf.subarray(1))).toBeUndefined();
  });
});

describe('row digests', () => {
  it('length prefixes keep column boundaries: ["ab","c"] ≠ ["a","bc"]', () => {
    const h = new RowHasher();
    expect(h.hex([Buffer.from('ab'), Buffer.from('c')])).not.toBe(h.hex([Buffer.from('a'), Buffer.from('bc')]));
  });
  it('is deterministic and grows its scratch buffer for wide rows', () => {
    const h = new RowHasher();
    const wide = [Buffer.alloc(200_000, 1), Buffer.from('x')];
    expect(h.hex(wide)).toBe(new RowHasher().hex(wide));
  });
});

describe('Sum128 (additive segment digests, mod 2^128)', () => {
  it('matches BigInt arithmetic including the carry across lanes and the wrap at 2^128', () => {
    const s = new Sum128();
    const ones = new Uint32Array([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
    s.add(ones);
    s.add(new Uint32Array([2, 0, 0, 0]));
    // (2^128 - 1) + 2 = 1 mod 2^128
    expect(s.toHex()).toBe('00000000000000000000000000000001');
    expect(s.n).toBe(2);
  });
  it('is order-independent and agrees with addSums on hex', () => {
    const rows = Array.from({ length: 50 }, (_, i) => new Uint32Array([i * 2654435761, i * 40503, ~i, i ^ 0x5bd1e995]));
    const a = new Sum128(), b = new Sum128();
    rows.forEach((r) => a.add(r));
    [...rows].reverse().forEach((r) => b.add(r));
    expect(a.toHex()).toBe(b.toHex());
    const half1 = new Sum128(), half2 = new Sum128();
    rows.slice(0, 20).forEach((r) => half1.add(r));
    rows.slice(20).forEach((r) => half2.add(r));
    expect(addSums(half1.toHex(), half2.toHex())).toBe(a.toHex());
    expect(Sum128.fromHex(a.toHex()).toHex()).toBe(a.toHex());
  });
});

describe('segment math', () => {
  it('finds unequal segments; an absent segment equals an empty one', () => {
    const a = mergeSegmentDigests([[{ i: 0, n: 2, s: 'aa'.padStart(32, '0') }], [{ i: 1, n: 1, s: 'bb'.padStart(32, '0') }]]);
    const b = mergeSegmentDigests([[{ i: 0, n: 2, s: 'aa'.padStart(32, '0') }, { i: 2, n: 1, s: 'cc'.padStart(32, '0') }]]);
    expect(unequalSegments(a, b)).toEqual([1, 2]);
    expect(unequalSegments(new Map(), new Map([[3, { n: 0, s: ZERO_SUM }]]))).toEqual([]);
  });
  it('partitions cover every segment once and map to key ranges with open ends', () => {
    const parts = partitionSegments(10, 4);
    expect(parts).toEqual([{ from: 0, to: 4 }, { from: 4, to: 8 }, { from: 8, to: 10 }]);
    const b = [['1'], ['2'], ['3'], ['4'], ['5'], ['6'], ['7'], ['8'], ['9']];
    expect(partitionRange(b, parts[0])).toEqual({ lo: undefined, hi: ['4'] });
    expect(partitionRange(b, parts[1])).toEqual({ lo: ['4'], hi: ['8'] });
    expect(partitionRange(b, parts[2])).toEqual({ lo: ['8'], hi: undefined });
    expect(splitPartition({ from: 4, to: 8 })).toEqual([{ from: 4, to: 6 }, { from: 6, to: 8 }]);
    expect(splitPartition({ from: 4, to: 5 })).toEqual([{ from: 4, to: 5 }]);
  });
  it('groups consecutive segment indexes into bounded runs', () => {
    expect(consecutiveRuns([1, 2, 3, 7, 8, 20], 2)).toEqual([{ from: 1, to: 3 }, { from: 3, to: 4 }, { from: 7, to: 9 }, { from: 20, to: 21 }]);
  });
});

describe('partitions', () => {
  it('hold about partitionRows rows at the plan\'s real rows per segment (segments are capped)', async () => {
    const { segmentsPerPartition, MAX_SEGMENTS } = await import('../../src/core/segments');
    // 5M rows: the cap makes segments of 250 rows, so 500k rows are 2,000 segments (not 3,907)
    expect(segmentsPerPartition(500_000, 5_000_000, MAX_SEGMENTS)).toBe(2_000);
    expect(segmentsPerPartition(500_000, 1_000_000, 7_813)).toBe(3_907);
    expect(segmentsPerPartition(1_000, 100, 1)).toBe(10);
    expect(segmentsPerPartition(1_000, 0, 1)).toBe(1_000);
  });
});

describe('packed key lists (arithmetic boundaries across activity boundaries)', () => {
  it('pack only an arithmetic progression of integer keys, and unpack to the same list', async () => {
    const { packKeys, unpackKeys, equalWidthBoundaries } = await import('../../src/core/segments');
    const even = equalWidthBoundaries('1', '1000000', 7_813, 1_000_000)!;
    expect(packKeys(even)).toEqual({ b0: '129', step: '128', n: 7_812 });
    expect(unpackKeys(packKeys(even))).toEqual(even);
    const { packedSlice } = await import('../../src/core/segments');
    const whole = packKeys(even) as Parameters<typeof packedSlice>[0];
    for (const [from, to] of [[0, 3_876], [3_876, 7_812], [100, 101], [5, 5], [7_000, 9_000]]) expect(unpackKeys(packedSlice(whole, from, to))).toEqual(even.slice(from, to));
    // negative, and past 2^63, exactly
    for (const keys of [[['-5'], ['-2'], ['1'], ['4']], [['18446744073709551610'], ['18446744073709551612'], ['18446744073709551614']]]) {
      expect(unpackKeys(packKeys(keys))).toEqual(keys);
      expect(Array.isArray(packKeys(keys))).toBe(false);
    }
    // anything else stays a list: a broken step, non-canonical text, two columns, descending, too short
    for (const keys of [[['1'], ['2'], ['4']], [['1'], ['02'], ['3']], [['1', 'a'], ['2', 'a'], ['3', 'a']], [['3'], ['2'], ['1']], [['1'], ['2']], [['a'], ['b'], ['c']]]) {
      expect(packKeys(keys)).toBe(keys);
      expect(unpackKeys(keys)).toBe(keys);
    }
  });
});

describe('saved plans (--resume-from)', () => {
  it('a plan saved from packed boundaries is written and resumed as the list (every version reads it)', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    process.env.PARITY_RESULTS_DIR = mkdtempSync(join(tmpdir(), 'parity-plan-'));
    try {
      const { createActivities } = await import('../../activities');
      const { CANONICAL_VERSION } = await import('../../src/canonical');
      const { packKeys, equalWidthBoundaries } = await import('../../src/core/segments');
      const a = createActivities({ region: 'local' });
      const list = equalWidthBoundaries('1', '100000', 100, 100_000)!;
      const columns = [{ name: 'id', family: 'int' as const, isKey: true, source: { name: 'id', nativeType: 'bigint', nullable: false }, target: { name: 'id', nativeType: 'bigint', nullable: false } }];
      const schema = { table: 't', columns: [], primaryKey: ['id'], rowEstimate: 100_000 } as never;
      for (const [run, boundaries] of [['packed', packKeys(list)], ['listed', list]] as const) {
        await a.savePlan({ runId: run, table: 't', plan: { canonicalVersion: CANONICAL_VERSION, mode: 'extract', schemas: { source: schema, target: schema }, columns: columns as never, boundaries } });
        const r = await a.loadResume({ fromRunId: run, table: 't', columns: columns as never, mode: 'extract' });
        expect(r.plan.boundaries).toEqual(list);
        const { readFileSync } = await import('node:fs');
        expect(JSON.parse(readFileSync(join(process.env.PARITY_RESULTS_DIR!, run, 't', 'plan.json'), 'utf8')).boundaries).toEqual(list);
      }
    } finally {
      delete process.env.PARITY_RESULTS_DIR;
    }
  });
});

describe('equal-width boundaries (a dense integer key)', () => {
  it('cut [min, max] into equal widths; a sparse key, too few rows or a non-integer get none', async () => {
    const { equalWidthBoundaries } = await import('../../src/core/segments');
    expect(equalWidthBoundaries('1', '100', 4, 100)).toEqual([['26'], ['51'], ['76']]);
    expect(equalWidthBoundaries('-50', '49', 2, 100)).toEqual([['0']]);
    // width 2 x rows is still dense; one more is not (a segment could hold over twice its share)
    expect(equalWidthBoundaries('1', '200', 2, 100)).toEqual([['101']]);
    expect(equalWidthBoundaries('1', '201', 2, 100)).toBeUndefined();
    // more segments than keys: one key per segment
    expect(equalWidthBoundaries('10', '12', 8, 3)).toEqual([['11'], ['12']]);
    // past 2^63 (BIGINT UNSIGNED), exactly
    expect(equalWidthBoundaries('18446744073709551515', '18446744073709551614', 2, 100)).toEqual([['18446744073709551565']]);
    // one integer step: 1M keys in 7,813 segments of 128 keys, an arithmetic progression
    const b = equalWidthBoundaries('1', '1000000', 7_813, 1_000_000)!;
    expect([b.length, b[0][0], b[1][0], b[b.length - 1][0]]).toEqual([7_812, '129', '257', '999937']);
    const { arithmeticInner } = await import('../../src/pushdown/sql');
    expect(arithmeticInner(b.slice(100, 3_000))).toEqual({ b0: 12_929n, step: 128n });
    expect(equalWidthBoundaries('1', '100', 1, 100)).toBeUndefined();
    expect(equalWidthBoundaries('1', '100', 4, 0)).toBeUndefined();
    expect(equalWidthBoundaries('1', '1', 4, 1)).toBeUndefined();
    expect(equalWidthBoundaries('1.5', '100', 4, 100)).toBeUndefined();
    expect(equalWidthBoundaries('007', '100', 4, 100)).toBeUndefined();
  });
});

describe('refinement batches', () => {
  it('put scattered segments together, at most perBatch per batch, merging neighbours into one range', async () => {
    const { batchSegments } = await import('../../src/core/segments');
    expect(batchSegments([1, 2, 5, 9, 10, 11, 40], 4)).toEqual([
      [{ from: 1, to: 3 }, { from: 5, to: 6 }, { from: 9, to: 10 }],
      [{ from: 10, to: 12 }, { from: 40, to: 41 }],
    ]);
    expect(batchSegments([], 4)).toEqual([]);
  });

  it('by rows: as many segments as their re-read rows fit in the budget, one over budget alone', async () => {
    const { batchSegmentsByRows } = await import('../../src/core/segments');
    // narrowed segments (even indexes here) re-read 16 rows, whole ones 128
    const rows = (i: number) => (i % 2 === 0 ? 16 : 128);
    expect(batchSegmentsByRows([2, 4, 6, 7, 8, 20, 21], rows, 160)).toEqual([
      [{ from: 2, to: 3 }, { from: 4, to: 5 }, { from: 6, to: 7 }],
      [{ from: 7, to: 9 }, { from: 20, to: 21 }],
      [{ from: 21, to: 22 }],
    ]);
    expect(batchSegmentsByRows([1], () => 1000, 160)).toEqual([[{ from: 1, to: 2 }]]);
    expect(batchSegmentsByRows([], rows, 160)).toEqual([]);
  });
});

describe('which side samples the keys', () => {
  const pg = (rowEstimate: number) => ({ dialect: 'postgres' as const, rowEstimate });
  const my = (rowEstimate: number) => ({ dialect: 'mysql' as const, rowEstimate });
  it('PostgreSQL when it holds at least half the rows of the larger side, whichever side it is', () => {
    expect(sampleSide(pg(1000), my(1000))).toBe('source');
    expect(sampleSide(my(1000), pg(1000))).toBe('target');
    expect(sampleSide(my(1000), pg(500))).toBe('target');
  });
  it('else the larger side (an empty or unanalyzed PostgreSQL side must not plan the segments)', () => {
    expect(sampleSide(pg(0), my(1_000_000))).toBe('target');
    expect(sampleSide(my(1000), pg(499))).toBe('source');
    expect(sampleSide(my(10), my(20))).toBe('target');
    expect(sampleSide(pg(30), pg(20))).toBe('source');
  });
});

describe('one masking key per run', () => {
  it('keeps the first fingerprint, accepts the same again, names a different one', () => {
    expect(maskKeyMismatch(undefined, undefined, 'x')).toEqual({ known: undefined });
    expect(maskKeyMismatch(undefined, 'aa', 'x')).toEqual({ known: 'aa' });
    expect(maskKeyMismatch('aa', 'aa', 'x')).toEqual({ known: 'aa' });
    expect(maskKeyMismatch('aa', undefined, 'x')).toEqual({ known: 'aa' });
    const r = maskKeyMismatch('aa', 'bb', 'target partition 0-4');
    expect(r.known).toBe('aa');
    expect(r.error).toMatch(/different masking keys \(fingerprints aa and bb, the second from target partition 0-4\).*PARITY_MASK_KEY/);
  });
});
