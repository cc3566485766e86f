// Narrowing refinement (workflow-safe, pure). A segment of a one-column integer key is cut
// into up to SUB_RANGES sub-ranges of equal key width, and each side's digest keeps an 8-bit
// hint per sub-range (the low 8 bits of the sum of its rows' digests, first lane) next to
// the segment's 128-bit sum. When a segment's sums differ, only the sub-ranges whose hints
// differ are re-read. A hint is only a pointer: two different sub-ranges can share a hint
// (1 in 256), so refinement checks, segment by segment, that the rows it re-read account for
// the whole difference of the segment's sums, and re-reads the segment whole when they do not.
import type { MergedDigest, Partition } from './segments';
import type { Family, KeyRange, KeyTuple } from './types';

export const SUB_RANGES = 16;

/** hex digits per hint */
const HEX = 2;

const MOD = 1n << 128n;
const INT = /^-?(0|[1-9][0-9]*)$/;

/**
 * The inner boundaries that cut segment [lo, hi) into sub-ranges of equal key width: up to
 * SUB_RANGES - 1 keys, ascending, strictly inside (lo, hi). None (the segment is not cut)
 * for an open end, a key that is not one canonical integer, or a segment narrower than 2.
 */
export function subBoundaries(lo: KeyTuple | undefined, hi: KeyTuple | undefined, families: Family[]): KeyTuple[] {
  if (families.length !== 1 || families[0] !== 'int' || !lo || !hi || !INT.test(lo[0]) || !INT.test(hi[0])) return [];
  const a = BigInt(lo[0]);
  const width = BigInt(hi[0]) - a;
  if (width < 2n) return [];
  const k = width < BigInt(SUB_RANGES) ? Number(width) : SUB_RANGES;
  const out: KeyTuple[] = [];
  for (let j = 1; j < k; j++) out.push([String(a + (width * BigInt(j)) / BigInt(k))]);
  return out;
}

/** Hints as they travel: 2 hex digits per sub-range, the first sub-range first. */
export function hintsToHex(h: Uint8Array): string {
  let s = '';
  for (let j = 0; j < h.length; j++) s += h[j].toString(16).padStart(HEX, '0');
  return s;
}

export function hintsFromHex(s: string): Uint8Array {
  const h = new Uint8Array(s.length / HEX);
  for (let j = 0; j < h.length; j++) h[j] = parseInt(s.slice(j * HEX, j * HEX + HEX), 16);
  return h;
}

/** Sub-ranges a hint string describes. */
export const hintCount = (h: string): number => h.length / HEX;

/** Element-wise sum mod 256 of two parts' hints of one segment; undefined if either part has none. */
export function addHints(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined || a.length !== b.length) return undefined;
  const x = hintsFromHex(a), y = hintsFromHex(b);
  for (let j = 0; j < x.length; j++) x[j] += y[j];
  return hintsToHex(x);
}

/** (a - b) mod 2^128 of two 32-char hex sums. */
export function subSums(a: string, b: string): string {
  return ((((BigInt('0x' + a) - BigInt('0x' + b)) % MOD) + MOD) % MOD).toString(16).padStart(32, '0');
}

/** Bit j set: sub-range j's hints differ. 0 when either side has no hints or they cannot be compared. */
export function differingSubRanges(a: string | undefined, b: string | undefined, subRanges: number): number {
  if (a === undefined || b === undefined || a.length !== b.length || a.length !== subRanges * HEX) return 0;
  let m = 0;
  for (let j = 0; j < subRanges; j++) if (a.slice(j * HEX, j * HEX + HEX) !== b.slice(j * HEX, j * HEX + HEX)) m |= 1 << j;
  return m;
}

/** The key ranges of the sub-ranges in `mask` of segment [lo, hi), adjacent ones merged. */
export function subRanges(seg: KeyRange, inner: KeyTuple[], mask: number): KeyRange[] {
  const edges: (KeyTuple | undefined)[] = [seg.lo, ...inner, seg.hi];
  const out: KeyRange[] = [];
  for (let j = 0; j <= inner.length; j++) {
    if (!(mask & (1 << j))) continue;
    const last = out[out.length - 1];
    if (last && last.hi === edges[j]) last.hi = edges[j + 1];
    else out.push({ lo: edges[j], hi: edges[j + 1] });
  }
  return out;
}

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

/** segments.ts's segmentRange (which imports this module; kept apart to avoid the cycle) */
const segmentRange = (boundaries: KeyTuple[], i: number): KeyRange => ({ lo: i > 0 ? boundaries[i - 1] : undefined, hi: i < boundaries.length ? boundaries[i] : undefined });

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
