// Level 2: I/O and CPU decoupled. The activity's event loop reads (one stream per
// partition); each batch crosses to a separate, bounded hashing pool as one transferred
// buffer; at most `depth` batches are in flight, so the read waits for the hashers
// (backpressure) and each stage's memory is bounded on its own.
import { addSums, type SegmentDigest } from '../core/segments';
import { addHints } from '../core/narrow';
import type { KeyTuple } from '../core/types';
import { openEngine } from '../engines/open';
import { scanColumns, SegmentAccumulator, type DigestCheckpoint, type DigestResult, type DigestTask } from './partition';
import { packRows, unpackRows } from './rawbatch';

export interface BatchInput {
  rows: ArrayBuffer;
  task: Pick<DigestTask, 'pairs' | 'side' | 'maskKey' | 'inner' | 'segFrom' | 'keyMasked' | 'range'>;
}

export interface BatchResult {
  rows: number;
  lastKey?: KeyTuple;
  segments: SegmentDigest[];
}

/** Runs in a hashing thread: decode, canonicalize, mask, hash one batch. */
export function hashBatch(input: BatchInput): BatchResult {
  const acc = new SegmentAccumulator(input.task);
  for (const row of unpackRows(input.rows)) acc.add(row);
  const s = acc.snapshot();
  return { rows: s.rows, lastKey: s.lastKey, segments: s.segments };
}

export async function digestDecoupled(
  task: DigestTask,
  hash: (input: BatchInput) => Promise<BatchResult>,
  depth: number,
  onProgress: (cp: DigestCheckpoint) => void = () => {},
  signal?: AbortSignal,
): Promise<DigestResult> {
  const readStartedAt = new Date().toISOString();
  const sums = new Map<number, { n: number; s: string; h?: string }>();
  for (const d of task.checkpoint?.segments ?? []) sums.set(d.i, { n: d.n, s: d.s, h: d.h });
  let rows = task.checkpoint?.rows ?? 0;
  let lastKey = task.checkpoint?.lastKey;
  let readNow = 0;
  const snapshot = (): DigestCheckpoint => ({ lastKey, rows, segments: [...sums].map(([i, v]) => ({ i, ...v })).sort((a, b) => a.i - b.i) });
  const merge = (r: BatchResult) => {
    for (const d of r.segments) {
      const cur = sums.get(d.i);
      sums.set(d.i, cur ? { n: cur.n + d.n, s: addSums(cur.s, d.s), h: addHints(cur.h, d.h) } : { n: d.n, s: d.s, h: d.h });
    }
    rows += r.rows;
    readNow += r.rows;
    if (r.lastKey) lastKey = r.lastKey;
  };
  const meta = { pairs: task.pairs, side: task.side, maskKey: task.maskKey, inner: task.inner, segFrom: task.segFrom, keyMasked: task.keyMasked, range: task.range };
  const inflight: Promise<BatchResult>[] = [];
  const engine = await openEngine(task.url, { applicationName: task.applicationName });
  let lastProgress = Date.now();
  try {
    const columns = scanColumns(task);
    for await (const batch of engine.scan({ schema: task.schema, columns, range: task.range, after: lastKey, where: task.where, fetchSize: task.fetchSize, signal })) {
      inflight.push(hash({ rows: packRows(batch, columns.length), task: meta }));
      // in order, so the checkpoint's lastKey always has every earlier row behind it
      while (inflight.length >= depth) merge(await inflight.shift()!);
      if (Date.now() - lastProgress > 1000) {
        lastProgress = Date.now();
        onProgress(snapshot());
      }
    }
    while (inflight.length) merge(await inflight.shift()!);
  } finally {
    await Promise.allSettled(inflight);
    await engine.close();
  }
  return { ...snapshot(), rowsReadNow: readNow, readStartedAt, readEndedAt: new Date().toISOString() };
}
