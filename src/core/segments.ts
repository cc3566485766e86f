// Segment arithmetic: workflow-safe, pure. A segment digest is (row count, sum of row
// digests mod 2^128); sums travel as 32-char lowercase hex (the JSON converter drops bigint).
import { addHints, differingSubRanges, hintCount, INT_TEXT, subBoundaries, subRanges } from './narrow';
import type { Family, KeyRange, KeyTuple, TableSchema } from './types';

const MOD = 1n << 128n;

/** Segments per table at most: the workflow's state (and history) holds a digest per segment. */
export const MAX_SEGMENTS = 20_000;

/**
 * Boundaries that cut [min, max] of a one-column integer key into at most `segments` equal
 * key widths, when the key is dense enough that none can hold more than twice its share: a
 * primary key is unique, so a segment of width w holds at most w rows, and width ≤ 2 × rows
 * keeps w ≤ 2 × rows / segments. Undefined otherwise (a sample plans the segments then).
 */
export function equalWidthBoundaries(min: string, max: string, segments: number, rows: number): KeyTuple[] | undefined {
  if (!INT_TEXT.test(min) || !INT_TEXT.test(max) || segments < 2 || rows < 1) return undefined;
  const lo = BigInt(min);
  const width = BigInt(max) - lo + 1n;
  if (width < 2n || width > 2n * BigInt(Math.ceil(rows))) return undefined;
  // one integer step (the ceiling of width / segments, so at most `segments` segments): the
  // boundaries are then an arithmetic progression, which pushdown turns into arithmetic
  const step = (width + BigInt(segments) - 1n) / BigInt(segments);
  const out: KeyTuple[] = [];
  for (let b = lo + step; b < lo + width; b += step) out.push([String(b)]);
  return out;
}

/**
 * An arithmetic list of one-column integer keys, [b0 + j × step] for j < n, as it crosses
 * activity boundaries: an equal-width plan of 7,752 segments is 100 KB of JSON as a list, in
 * every digest input, the sample's result and history (each encoded and decoded in the
 * workflow sandbox), and a few bytes packed.
 */
export interface PackedKeys {
  b0: string;
  step: string;
  n: number;
}

export const isPacked = (k: KeyTuple[] | PackedKeys): k is PackedKeys => !Array.isArray(k);

/**
 * keys as b0 + j × step (one canonical integer column each, at least 2 keys, step ≥ 1);
 * undefined for any other list. packKeys and pushdown's arithmeticInner build on it.
 */
export function arithmeticProgression(keys: KeyTuple[]): { b0: bigint; step: bigint } | undefined {
  if (keys.length < 2 || !keys.every((k) => k.length === 1 && INT_TEXT.test(k[0]))) return undefined;
  const b0 = BigInt(keys[0][0]);
  const step = BigInt(keys[1][0]) - b0;
  if (step < 1n) return undefined;
  for (let j = 2; j < keys.length; j++) if (BigInt(keys[j][0]) !== b0 + BigInt(j) * step) return undefined;
  return { b0, step };
}

/** The packed form of keys that are an arithmetic progression (at least 3, step ≥ 1); else the list itself. */
export function packKeys(keys: KeyTuple[]): KeyTuple[] | PackedKeys {
  const a = keys.length >= 3 ? arithmeticProgression(keys) : undefined;
  return a ? { b0: String(a.b0), step: String(a.step), n: keys.length } : keys;
}

/** keys [from, to) of a packed list, packed */
export function packedSlice(k: PackedKeys, from: number, to: number): PackedKeys {
  const n = Math.max(0, Math.min(to, k.n) - from);
  return { b0: String(BigInt(k.b0) + BigInt(from) * BigInt(k.step)), step: k.step, n };
}

/** The key list again (a list passes through: histories from before packing hold lists). */
export function unpackKeys(k: KeyTuple[] | PackedKeys): KeyTuple[] {
  if (!isPacked(k)) return k;
  const b0 = BigInt(k.b0), step = BigInt(k.step);
  return Array.from({ length: k.n }, (_, j) => [String(b0 + BigInt(j) * step)]);
}

/** Segments a partition of about `partitionRows` rows holds, at the plan's rows per segment. */
export function segmentsPerPartition(partitionRows: number, rows: number, segments: number): number {
  return Math.max(1, Math.round(partitionRows / Math.max(1, rows / segments)));
}
export const ZERO_SUM = '0'.repeat(32);

export function addSums(a: string, b: string): string {
  return ((BigInt('0x' + a) + BigInt('0x' + b)) % MOD).toString(16).padStart(32, '0');
}

/** The sum mod 2^128 of many 32-char hex sums: addSums folded, with one conversion back to hex. */
export function sumAll(sums: Iterable<string>): string {
  let t = 0n;
  for (const s of sums) t += BigInt('0x' + s);
  return (t % MOD).toString(16).padStart(32, '0');
}

/** (a - b) mod 2^128 of two 32-char hex sums. */
export function subSums(a: string, b: string): string {
  return ((((BigInt('0x' + a) - BigInt('0x' + b)) % MOD) + MOD) % MOD).toString(16).padStart(32, '0');
}

export interface SegmentDigest {
  /** segment index in the table's plan */
  i: number;
  /** rows */
  n: number;
  /** sum of row digests mod 2^128, hex */
  s: string;
  /** extract on a one-column integer key: 8-bit hints per sub-range (./narrow) */
  h?: string;
}

export type MergedDigest = { n: number; s: string; h?: string };

/** Adds per-partition segment digests into one digest per segment index. */
export function mergeSegmentDigests(parts: SegmentDigest[][]): Map<number, MergedDigest> {
  const out = new Map<number, MergedDigest>();
  for (const part of parts) {
    for (const d of part) {
      const cur = out.get(d.i);
      if (cur) out.set(d.i, { n: cur.n + d.n, s: addSums(cur.s, d.s), h: addHints(cur.h, d.h) });
      else out.set(d.i, { n: d.n, s: d.s, h: d.h });
    }
  }
  return out;
}

/** Segment indexes whose digests differ between the two sides (absent = empty). */
export function unequalSegments(source: Map<number, { n: number; s: string }>, target: Map<number, { n: number; s: string }>): number[] {
  const all = new Set([...source.keys(), ...target.keys()]);
  const out: number[] = [];
  for (const i of all) {
    const a = source.get(i) ?? { n: 0, s: ZERO_SUM };
    const b = target.get(i) ?? { n: 0, s: ZERO_SUM };
    if (a.n !== b.n || a.s !== b.s) out.push(i);
  }
  return out.sort((x, y) => x - y);
}

/** Segment i covers [boundaries[i-1], boundaries[i]); the ends are open. */
export function segmentRange(boundaries: KeyTuple[], i: number): KeyRange {
  return { lo: i > 0 ? boundaries[i - 1] : undefined, hi: i < boundaries.length ? boundaries[i] : undefined };
}

export interface Partition {
  /** first segment index (inclusive) */
  from: number;
  /** last segment index (exclusive) */
  to: number;
}

/** Groups consecutive segments into partitions of about `perPartition` segments. */
export function partitionSegments(segmentCount: number, perPartition: number): Partition[] {
  const out: Partition[] = [];
  const step = Math.max(1, perPartition);
  for (let from = 0; from < segmentCount; from += step) out.push({ from, to: Math.min(segmentCount, from + step) });
  return out;
}

/** The key range a partition covers. */
export function partitionRange(boundaries: KeyTuple[], p: Partition): KeyRange {
  return { lo: segmentRange(boundaries, p.from).lo, hi: segmentRange(boundaries, p.to - 1).hi };
}

/** Splits one partition in two (fallback level 1); a single segment cannot be split. */
export function splitPartition(p: Partition): Partition[] {
  if (p.to - p.from < 2) return [p];
  const mid = p.from + Math.floor((p.to - p.from) / 2);
  return [{ from: p.from, to: mid }, { from: mid, to: p.to }];
}

/** Groups a sorted list of segment indexes into runs of consecutive indexes, each at most maxLen long. */
export function consecutiveRuns(indexes: number[], maxLen: number): Partition[] {
  const out: Partition[] = [];
  for (const i of indexes) {
    const last = out[out.length - 1];
    if (last && last.to === i && last.to - last.from < maxLen) last.to = i + 1;
    else out.push({ from: i, to: i + 1 });
  }
  return out;
}

/**
 * Batches of at most `perBatch` segments each, in order; consecutive segments inside a
 * batch are merged into one run (one range query).
 */
export function batchSegments(indexes: number[], perBatch: number): Partition[][] {
  const out: Partition[][] = [];
  for (let i = 0; i < indexes.length; i += perBatch) out.push(consecutiveRuns(indexes.slice(i, i + perBatch), perBatch));
  return out;
}

/**
 * Batches of unequal segments by the rows refinement will re-read (`rows(i)`), at most
 * `budget` a batch (a segment over it alone), in order; consecutive segments merged as above.
 */
export function batchSegmentsByRows(indexes: number[], rows: (i: number) => number, budget: number): Partition[][] {
  const out: Partition[][] = [];
  let cur: number[] = [];
  let load = 0;
  for (const i of indexes) {
    const n = rows(i);
    if (cur.length && load + n > budget) {
      out.push(consecutiveRuns(cur, cur.length));
      cur = [];
      load = 0;
    }
    cur.push(i);
    load += n;
  }
  if (cur.length) out.push(consecutiveRuns(cur, cur.length));
  return out;
}

/**
 * The side whose key sample plans the segments: PostgreSQL when it holds at least half the
 * rows of the larger side (its sample is cheap), else the larger side.
 */
export function sampleSide(source: Pick<TableSchema, 'dialect' | 'rowEstimate'>, target: Pick<TableSchema, 'dialect' | 'rowEstimate'>): 'source' | 'target' {
  const most = Math.max(source.rowEstimate, target.rowEstimate);
  for (const [side, schema] of [['source', source], ['target', target]] as const) {
    if (schema.dialect === 'postgres' && schema.rowEstimate * 2 >= most) return side;
  }
  return source.rowEstimate >= target.rowEstimate ? 'source' : 'target';
}

/**
 * Digests of tokenized columns are comparable only when every partition was hashed under
 * the same masking key. The first fingerprint seen is kept; a different one is a message
 * (workers of one region holding different PARITY_MASK_KEYs would report every row changed).
 */
export function maskKeyMismatch(known: string | undefined, seen: string | undefined, where: string): { known: string | undefined; error?: string } {
  if (!seen) return { known };
  if (known === undefined || known === seen) return { known: seen };
  return {
    known,
    error: `workers hold different masking keys (fingerprints ${known} and ${seen}, the second from ${where}): every worker that reads a table with tokenized columns needs the same PARITY_MASK_KEY`,
  };
}

// ---------------------------------------------------------------- narrowed refinement (./narrow)

/** An unequal segment refinement may narrow: which sub-ranges to re-read, and what they must explain. */
export interface Narrowed {
  /** the sub-ranges to re-read */
  sub: KeyRange[];
  /** the whole segment, re-read if the sub-ranges do not explain the difference */
  whole: KeyRange;
  /** source sum - target sum of the segment (mod 2^128, hex) */
  d: string;
}

/** Per unequal segment whose hints differ: the differing sub-ranges (bits of k), source - target sum. */
export type Narrowing = Record<number, { m: number; k: number; d: string }>;

/** Adds to `into` the unequal segments of two sides' merged digests that hints can narrow. */
export function narrowings(source: Map<number, MergedDigest>, target: Map<number, MergedDigest>, unequal: number[], into: Narrowing = {}): Narrowing {
  for (const i of unequal) {
    const x = source.get(i), y = target.get(i);
    if (!x?.h || !y) continue;
    const k = hintCount(x.h);
    const m = differingSubRanges(x.h, y.h, k);
    if (m) into[i] = { m, k, d: subSums(x.s, y.s) };
  }
  return into;
}

/**
 * A refinement batch (runs of consecutive unequal segments) as whole ranges, one per run
 * of segments that cannot be narrowed, and the narrowed segments with their sub-ranges.
 */
export function refineRanges(boundaries: KeyTuple[], batch: Partition[], families: Family[], narrow?: Narrowing): { ranges: KeyRange[]; narrowed: Narrowed[] } {
  const ranges: KeyRange[] = [];
  const narrowed: Narrowed[] = [];
  const whole = (from: number, to: number) => {
    if (from < to) ranges.push({ lo: segmentRange(boundaries, from).lo, hi: segmentRange(boundaries, to - 1).hi });
  };
  for (const r of batch) {
    let from = r.from;
    for (let i = r.from; i < r.to; i++) {
      const n = narrow?.[i];
      if (!n) continue;
      const seg = segmentRange(boundaries, i);
      const inner = subBoundaries(seg.lo, seg.hi, families);
      // the cut is recomputed from the plan; hints of another cut are not trusted
      if (inner.length + 1 !== n.k) continue;
      whole(from, i);
      narrowed.push({ sub: subRanges(seg, inner, n.m), whole: seg, d: n.d });
      from = i + 1;
    }
    whole(from, r.to);
  }
  return { ranges, narrowed };
}
