// Pushdown, partition first: on tables that are mostly equal, each partition is digested
// whole by both databases (no segment CASE or GROUP BY), and again segment by segment only
// when the two whole digests differ. Pure state transitions of the table workflow's state.
import { sameSegments, type Partition } from '../src/core/segments';
import type { DigestResult } from '../src/digest/partition';

type Side = 'source' | 'target';
const SIDES: Side[] = ['source', 'target'];
const other = (side: Side): Side => (side === 'source' ? 'target' : 'source');

/** Whole-partition digests waiting for the other side's, by partition label; 'segmented' =
 *  that side went on segment by segment (after trouble), so this one must too. */
export type WholeDigests = Record<string, Partial<Record<Side, DigestResult | 'segmented'>>>;

export interface WholeState {
  queues: Record<Side, { p: Partition; attempts: number; whole?: boolean }[]>;
  totals: Record<Side, number>;
  whole?: WholeDigests;
  /** whole pairs compared so far, and how many differed */
  wholeSeen?: { equal: number; unequal: number };
}

const labelOf = (p: Partition) => `${p.from}-${p.to}`;

/**
 * A whole-partition digest meets the other side's. Equal: the partition is done on both
 * sides (`record`ed as one segment numbered as its first, equal on both). Different: both
 * sides digest it again by segment. Once most pairs seen differ (at least 2), the whole
 * digests still queued go segment by segment: scattered differences would pay twice.
 */
export function pairWhole(st: WholeState, side: Side, p: Partition, r: DigestResult, record: (side: Side, p: Partition, r: DigestResult) => void): void {
  const label = labelOf(p);
  const w = ((st.whole ??= {})[label] ??= {});
  w[side] = r;
  const o = w[other(side)];
  if (o === undefined) return;
  delete st.whole[label];
  if (o === 'segmented') return requeueSegmented(st, side, p);
  const seen = (st.wholeSeen ??= { equal: 0, unequal: 0 });
  if (sameSegments(r.segments, o.segments)) {
    seen.equal++;
    record(side, p, r);
    record(other(side), p, o);
    return;
  }
  seen.unequal++;
  for (const s of SIDES) requeueSegmented(st, s, p);
  if (seen.unequal >= 2 && seen.unequal > seen.equal) {
    // only partitions neither side has begun whole: a whole digest begun (or done) on one
    // side waits for the other side's whole digest, which must then still come
    const target = new Set(st.queues.target.filter((j) => j.whole).map((j) => labelOf(j.p)));
    const both = new Set(st.queues.source.filter((j) => j.whole && target.has(labelOf(j.p))).map((j) => labelOf(j.p)));
    for (const s of SIDES) st.queues[s] = st.queues[s].map((j) => (j.whole && both.has(labelOf(j.p)) ? { ...j, whole: undefined } : j));
  }
}

/** This side gives up its whole digest of p (trouble): the other side goes by segment too. */
export function abandonWhole(st: WholeState, side: Side, p: Partition): void {
  const label = labelOf(p);
  const w = ((st.whole ??= {})[label] ??= {});
  const o = w[other(side)];
  if (o === undefined) return void (w[side] = 'segmented');
  delete st.whole[label];
  if (o !== 'segmented') requeueSegmented(st, other(side), p);
}

function requeueSegmented(st: WholeState, side: Side, p: Partition): void {
  st.queues[side].push({ p, attempts: 0 });
  st.totals[side]++;
}
