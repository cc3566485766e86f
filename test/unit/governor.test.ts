// The memory governor: a full collection of the main thread when the resident set is above
// the threshold, at most once per interval; never without a threshold.
import { describe, expect, it } from 'vitest';
import { makeGovernor } from '../../src/policy/governor';

describe('memory governor', () => {
  it('collects above the threshold, at most once per interval, and frees garbage', async () => {
    const g = makeGovernor(1, 200, 1024);
    // garbage: a few hundred thousand short-lived Buffers, like refinement's canonical values
    let keep = 0;
    for (let i = 0; i < 300_000; i++) keep += Buffer.from(`value ${i}`).length;
    expect(keep).toBeGreaterThan(0);
    const before = process.memoryUsage().heapUsed;
    expect(g.check()).toBe(true);
    const after = process.memoryUsage().heapUsed;
    expect(after).toBeLessThan(before);
    expect(g.collections).toBe(1);
    expect(g.check()).toBe(false); // within the interval
    await new Promise((r) => setTimeout(r, 250));
    expect(g.check()).toBe(true);
    expect(g.collections).toBe(2);
  });

  it('does not collect when this thread\'s heap has not grown (the excess is elsewhere)', () => {
    const g = makeGovernor(1, 0, 8 * 2 ** 20);
    // the first check collects (nothing is known yet); then the heap is at its floor
    g.check();
    const n = g.collections;
    expect(g.check()).toBe(false);
    expect(g.collections).toBe(n);
    // 8 MiB+ more live data on this heap: the heap grew, so a collection may free something
    const before = process.memoryUsage().heapUsed;
    const held = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `value ${i}` }));
    expect(process.memoryUsage().heapUsed - before).toBeGreaterThan(8 * 2 ** 20);
    expect(g.check()).toBe(true);
    expect(g.collections).toBe(n + 1);
    expect(held.length).toBe(200_000);
  });

  it('never collects below the threshold or without one', () => {
    expect(makeGovernor(undefined).check()).toBe(false);
    expect(makeGovernor(Number.MAX_SAFE_INTEGER).check()).toBe(false);
  });
});
