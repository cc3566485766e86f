// The three-level fallback chain as a pure state machine (workflow-safe, unit-tested).
//   0 fused      partitions run end to end inside pool threads
//   1 throttle   halve concurrency and fetch size, split the failing partition, run it alone
//   2 decouple   read on the activity's event loop, hash in a separate bounded pool
//   3 single     one activity walks the remaining partitions sequentially, small fetch, no pool

export type Level = 0 | 1 | 2 | 3;

export interface FallbackEvent {
  level: Level;
  reason: string;
  /** partition label, e.g. "source:3-7" */
  partition?: string;
}

export interface FallbackState {
  level: Level;
  concurrency: number;
  fetchSize: number;
  events: FallbackEvent[];
}

export type Trouble =
  /** a thread ran out of memory or the worker went over budget */
  | { kind: 'ResourceExhausted'; partition: string; detail: string }
  /** the activity died (heartbeat timeout / crash) on all its attempts */
  | { kind: 'WorkerDied'; partition: string; detail: string };

export interface Decision {
  state: FallbackState;
  /** split the failing partition (level 1) */
  split: boolean;
  /** nothing left to try: fail the run with this reason */
  giveUp?: string;
}

export const LEVEL3_FETCH = 200;

export function initialFallback(concurrency: number, fetchSize: number): FallbackState {
  return { level: 0, concurrency, fetchSize, events: [] };
}

function escalate(s: FallbackState, to: Level, reason: string, partition: string): FallbackState {
  const next: FallbackState = { ...s, level: to, events: [...s.events, { level: to, reason, partition }] };
  if (to === 1) {
    next.concurrency = Math.max(1, Math.floor(s.concurrency / 2));
    next.fetchSize = Math.max(10, Math.floor(s.fetchSize / 2));
  } else if (to === 3) {
    next.concurrency = 1;
    next.fetchSize = Math.min(s.fetchSize, LEVEL3_FETCH);
  }
  return next;
}

export function onTrouble(s: FallbackState, t: Trouble): Decision {
  if (s.level >= 3) return { state: s, split: false, giveUp: `${t.kind} at level 3 on ${t.partition}: ${t.detail}` };
  if (t.kind === 'ResourceExhausted') {
    // first memory trouble throttles; more memory trouble moves to the next level
    const to = (s.level === 0 ? 1 : s.level + 1) as Level;
    return { state: escalate(s, to, `${t.kind}: ${t.detail}`, t.partition), split: to === 1 };
  }
  // a partition that kills its worker on every attempt: stop fusing I/O and CPU, then stop pooling
  const to = (s.level < 2 ? 2 : 3) as Level;
  return { state: escalate(s, to, `${t.kind}: ${t.detail}`, t.partition), split: false };
}
