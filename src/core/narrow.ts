// Narrowing refinement (workflow-safe, pure). A segment of a one-column integer key is cut
// into up to SUB_RANGES sub-ranges of equal key width, and each side's digest keeps an 8-bit
// hint per sub-range (the low 8 bits of the sum of its rows' digests, first lane) next to
// the segment's 128-bit sum. When a segment's sums differ, only the sub-ranges whose hints
// differ are re-read. A hint is only a pointer: two different sub-ranges can share a hint
// (1 in 256), so refinement checks, segment by segment, that the rows it re-read account for
// the whole difference of the segment's sums, and re-reads the segment whole when they do not.
// Which unequal segments a batch narrows, and how, is segment arithmetic: ./segments.ts.
import type { Family, KeyRange, KeyTuple } from './types';

export const SUB_RANGES = 16;

/** hex digits per hint */
const HEX = 2;

/** canonical integer text, as normalizeInt writes it (no '+', no leading zero, no '-0') */
export const INT_TEXT = /^-?(0|[1-9][0-9]*)$/;

/**
 * The inner boundaries that cut segment [lo, hi) into sub-ranges of equal key width: up to
 * SUB_RANGES - 1 keys, ascending, strictly inside (lo, hi). None (the segment is not cut)
 * for an open end, a key that is not one canonical integer, or a segment narrower than 2.
 */
export function subBoundaries(lo: KeyTuple | undefined, hi: KeyTuple | undefined, families: Family[]): KeyTuple[] {
  if (families.length !== 1 || families[0] !== 'int' || !lo || !hi || !INT_TEXT.test(lo[0]) || !INT_TEXT.test(hi[0])) return [];
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
