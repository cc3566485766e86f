// Pushdown, partition first: the table workflow's state transitions when whole-partition
// digests meet (workflows/partition-first.ts). The end-to-end runs are in test/e2e/modes.test.ts.
import { describe, expect, it } from 'vitest';
import { abandonWhole, pairWhole, type WholeState } from '../../workflows/partition-first';
import type { Partition } from '../../src/core/segments';
import type { DigestResult } from '../../src/digest/partition';

type Side = 'source' | 'target';
const P = (from: number, to: number): Partition => ({ from, to });
const digest = (p: Partition, n: number, s: string): DigestResult =>
  ({ segments: n ? [{ i: p.from, n, s }] : [], rows: n, rowsReadNow: n, readStartedAt: '', readEndedAt: '' }) as unknown as DigestResult;

function state(parts: Partition[]): WholeState {
  return {
    queues: { source: parts.map((p) => ({ p, attempts: 0, whole: true })), target: parts.map((p) => ({ p, attempts: 0, whole: true })) },
    totals: { source: parts.length, target: parts.length },
  };
}

describe('partition first', () => {
  it('equal whole digests record the partition on both sides and queue nothing', () => {
    const st = state([]);
    const recorded: [Side, string, DigestResult][] = [];
    const rec = (s: Side, p: Partition, r: DigestResult) => void recorded.push([s, `${p.from}-${p.to}`, r]);
    const p = P(0, 10);
    pairWhole(st, 'source', p, digest(p, 100, 'aa'), rec);
    expect(recorded).toEqual([]);
    expect(st.whole).toEqual({ '0-10': { source: digest(p, 100, 'aa') } });
    pairWhole(st, 'target', p, digest(p, 100, 'aa'), rec);
    expect(recorded.map(([s, l]) => `${s} ${l}`).sort()).toEqual(['source 0-10', 'target 0-10']);
    expect(st.whole).toEqual({});
    expect(st.queues).toEqual({ source: [], target: [] });
    expect(st.wholeSeen).toEqual({ equal: 1, unequal: 0 });
  });

  it('both sides empty are equal; a count or a sum that differs queues segment digests on both sides', () => {
    for (const [a, b, same] of [
      [digest(P(0, 4), 0, ''), digest(P(0, 4), 0, ''), true],
      [digest(P(0, 4), 5, 'ab'), digest(P(0, 4), 6, 'ab'), false],
      [digest(P(0, 4), 5, 'ab'), digest(P(0, 4), 5, 'ac'), false],
      [digest(P(0, 4), 5, 'ab'), digest(P(0, 4), 0, ''), false],
    ] as const) {
      const st = state([]);
      let recorded = 0;
      pairWhole(st, 'target', P(0, 4), b, () => void recorded++);
      pairWhole(st, 'source', P(0, 4), a, () => void recorded++);
      expect(recorded).toBe(same ? 2 : 0);
      expect(st.queues.source).toEqual(same ? [] : [{ p: P(0, 4), attempts: 0 }]);
      expect(st.queues.target).toEqual(same ? [] : [{ p: P(0, 4), attempts: 0 }]);
      expect(st.totals).toEqual(same ? { source: 0, target: 0 } : { source: 1, target: 1 });
    }
  });

  it('once most pairs differ, the whole digests still queued go by segment', () => {
    const parts = [P(0, 4), P(4, 8), P(8, 12), P(12, 16), P(16, 20)];
    const st = state(parts.slice(2));
    const noop = () => {};
    pairWhole(st, 'source', parts[0], digest(parts[0], 4, 'a'), noop);
    pairWhole(st, 'target', parts[0], digest(parts[0], 4, 'b'), noop);
    // one differing pair: the queued whole digests stay whole
    expect(st.queues.source.filter((j) => j.whole).length).toBe(3);
    pairWhole(st, 'source', parts[1], digest(parts[1], 4, 'a'), noop);
    pairWhole(st, 'target', parts[1], digest(parts[1], 4, 'b'), noop);
    for (const s of ['source', 'target'] as const) {
      expect(st.queues[s].filter((j) => j.whole)).toEqual([]);
      expect(st.queues[s].map((j) => `${j.p.from}-${j.p.to}`)).toEqual(['8-12', '12-16', '16-20', '0-4', '4-8']);
    }
  });

  it('a partition one side has begun whole stays whole on the other side (else its whole digest waits forever)', () => {
    const parts = [P(0, 4), P(4, 8), P(8, 12), P(12, 16)];
    const st = state(parts.slice(2));
    // the source has taken 8-12 already (in flight): only 12-16 is queued whole on both sides
    st.queues.source = st.queues.source.filter((j) => j.p.from !== 8);
    const noop = () => {};
    for (const p of parts.slice(0, 2)) {
      pairWhole(st, 'source', p, digest(p, 4, 'a'), noop);
      pairWhole(st, 'target', p, digest(p, 4, 'b'), noop);
    }
    expect(st.queues.target.filter((j) => j.whole).map((j) => j.p)).toEqual([P(8, 12)]);
    expect(st.queues.source.filter((j) => j.whole)).toEqual([]);
    // the source's whole digest of 8-12 arrives, then the target's: they pair as usual
    let recorded = 0;
    pairWhole(st, 'source', P(8, 12), digest(P(8, 12), 4, 'c'), () => void recorded++);
    pairWhole(st, 'target', P(8, 12), digest(P(8, 12), 4, 'c'), () => void recorded++);
    expect(recorded).toBe(2);
    expect(st.whole).toEqual({});
  });

  it('a side that gives up its whole digest takes the other side to segments, whichever comes first', () => {
    const p = P(0, 8);
    // the other side's whole digest already waits: it is queued by segment at once
    const a = state([]);
    pairWhole(a, 'target', p, digest(p, 8, 'x'), () => {});
    abandonWhole(a, 'source', p);
    expect(a.whole).toEqual({});
    expect(a.queues).toEqual({ source: [], target: [{ p, attempts: 0 }] });
    // the other side's digest comes later: it is queued by segment when it arrives
    const b = state([]);
    abandonWhole(b, 'source', p);
    expect(b.whole).toEqual({ '0-8': { source: 'segmented' } });
    let recorded = 0;
    pairWhole(b, 'target', p, digest(p, 8, 'x'), () => void recorded++);
    expect(recorded).toBe(0);
    expect(b.whole).toEqual({});
    expect(b.queues).toEqual({ source: [], target: [{ p, attempts: 0 }] });
    // both give up: nothing waits, nothing extra queued (each side requeues its own job)
    const c = state([]);
    abandonWhole(c, 'source', p);
    abandonWhole(c, 'target', p);
    expect(c.whole).toEqual({});
    expect(c.queues).toEqual({ source: [], target: [] });
  });
});
