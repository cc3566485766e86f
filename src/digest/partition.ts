// Digest of one partition on one side: stream rows in canonical key order, encode, mask,
// hash, and add each row into the segment its key falls in. Resumable from a checkpoint.
import { compareKeys } from '../canonical';
import type { ColumnPair, KeyRange, KeyTuple, TableSchema } from '../core/types';
import type { SegmentDigest } from '../core/segments';
import { openEngine } from '../engines/open';
import { makeEncoder, type Side } from './encode';
import { RowHasher, Sum128 } from './row';

export interface DigestTask {
  side: Side;
  /** resolved by the worker from its own config; never leaves the worker process */
  url: string;
  schema: TableSchema;
  pairs: ColumnPair[];
  range: KeyRange;
  /** index of the partition's first segment */
  segFrom: number;
  /** boundaries between the partition's segments (count = segments - 1) */
  inner: KeyTuple[];
  where?: string;
  fetchSize: number;
  maskKey?: string;
  applicationName: string;
  checkpoint?: DigestCheckpoint;
  /** a masked key never goes into a checkpoint (heartbeats reach workflow history) */
  keyMasked?: boolean;
}

export interface DigestCheckpoint {
  lastKey?: KeyTuple;
  rows: number;
  segments: SegmentDigest[];
}

export interface DigestResult extends DigestCheckpoint {
  /** rows read by this attempt (after a resume, only the new ones) */
  rowsReadNow: number;
  readStartedAt: string;
  readEndedAt: string;
}

export async function digestPartition(
  task: DigestTask,
  onProgress: (cp: DigestCheckpoint) => void = () => {},
  signal?: AbortSignal,
): Promise<DigestResult> {
  const readStartedAt = new Date().toISOString();
  const families = task.pairs.filter((p) => p.isKey).map((p) => p.family);
  const encode = makeEncoder(task.pairs, task.side, task.maskKey ? Buffer.from(task.maskKey, 'hex') : undefined);
  const hasher = new RowHasher();
  const sums = new Map<number, Sum128>();
  for (const d of task.checkpoint?.segments ?? []) sums.set(d.i, Sum128.fromHex(d.s, d.n));
  let rows = task.checkpoint?.rows ?? 0;
  let rowsReadNow = 0;
  let lastKey = task.checkpoint?.lastKey;
  let seg = 0; // offset within the partition
  let current: Sum128 | undefined;

  const snapshot = (): DigestCheckpoint => ({
    lastKey,
    rows,
    segments: [...sums].map(([i, s]) => ({ i, n: s.n, s: s.toHex() })).sort((a, b) => a.i - b.i),
  });

  const engine = await openEngine(task.url, { applicationName: task.applicationName });
  try {
    const stream = engine.scan({
      schema: task.schema,
      columns: task.pairs.map((p) => (task.side === 'source' ? p.source.name : p.target.name)),
      range: task.range,
      after: lastKey,
      where: task.where,
      fetchSize: task.fetchSize,
      signal,
    });
    let lastProgress = Date.now();
    for await (const batch of stream) {
      for (const raw of batch) {
        const row = encode(raw);
        while (seg < task.inner.length && compareKeys(row.key, task.inner[seg], families) >= 0) {
          seg++;
          current = undefined;
        }
        if (!current) {
          const i = task.segFrom + seg;
          current = sums.get(i);
          if (!current) sums.set(i, (current = new Sum128()));
        }
        current.add(hasher.digest(row.values));
        if (!task.keyMasked) lastKey = row.key;
      }
      rows += batch.length;
      rowsReadNow += batch.length;
      if (Date.now() - lastProgress > 1000) {
        lastProgress = Date.now();
        onProgress(snapshot());
      }
    }
  } finally {
    await engine.close();
  }
  return { ...snapshot(), rowsReadNow, readStartedAt, readEndedAt: new Date().toISOString() };
}
