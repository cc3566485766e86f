import { describe, expect, it } from 'vitest';
import { initialFallback, onTrouble, LEVEL3_FETCH } from '../../src/core/fallback';

describe('fallback chain (pure state machine)', () => {
  it('memory trouble at level 0 throttles: level 1, half concurrency and fetch size, split', () => {
    const d = onTrouble(initialFallback(4, 2000), { kind: 'ResourceExhausted', partition: 'source:0-8', detail: 'oom' });
    expect(d.state.level).toBe(1);
    expect(d.state.concurrency).toBe(2);
    expect(d.state.fetchSize).toBe(1000);
    expect(d.split).toBe(true);
    expect(d.state.events).toEqual([{ level: 1, reason: 'ResourceExhausted: oom', partition: 'source:0-8' }]);
  });
  it('a partition that keeps killing its worker goes to level 2, then level 3, then gives up', () => {
    let s = initialFallback(2, 2000);
    const died = { kind: 'WorkerDied' as const, partition: 'target:3-4', detail: 'heartbeat timeout' };
    let d = onTrouble(s, died);
    expect(d.state.level).toBe(2);
    expect(d.split).toBe(false);
    s = d.state;
    d = onTrouble(s, died);
    expect(d.state.level).toBe(3);
    expect(d.state.concurrency).toBe(1);
    expect(d.state.fetchSize).toBe(LEVEL3_FETCH);
    d = onTrouble(d.state, died);
    expect(d.giveUp).toMatch(/level 3/);
  });
  it('memory trouble again at level 1 escalates to level 2; concurrency never drops below 1', () => {
    const one = onTrouble(initialFallback(1, 20), { kind: 'ResourceExhausted', partition: 'p', detail: 'x' }).state;
    expect(one.concurrency).toBe(1);
    expect(one.fetchSize).toBe(10);
    expect(onTrouble(one, { kind: 'ResourceExhausted', partition: 'p', detail: 'x' }).state.level).toBe(2);
  });
});
