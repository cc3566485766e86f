// Digest of one partition on one side: stream rows in canonical key order, encode, mask,
// hash, and add each row into the segment its key falls in. Resumable from a checkpoint.
import { compareKeys } from '../canonical';
import type { ColumnPair, Family, KeyRange, KeyTuple, TableSchema } from '../core/types';
import type { SegmentDigest } from '../core/segments';
import type { ByteBatch, Engine, RawRow, ScanRequest } from '../engines/engine';
import { openEngine } from '../engines/open';
import { makeEncoder, type EncodedRow, type Side } from './encode';
import { FusedRowHasher, fusedEnabled } from './fused';
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
  /** with the rows earlier attempts read up to their last heartbeat (re-reads count) */
  rowsReadTotal?: number;
  /** when a column is tokenized: the fingerprint of the masking key used (never the key) */
  maskKeyFp?: string;
  readStartedAt: string;
  readEndedAt: string;
}

/** Adds rows (in canonical key order) into per-segment sums. */
export class SegmentAccumulator {
  private readonly families: Family[];
  /** reference path (makeEncoder + RowHasher); used when `fused` is not */
  private readonly encode?: (row: RawRow) => EncodedRow;
  private readonly hasher?: RowHasher;
  /** the default: canonical bytes written into one scratch buffer, same digests */
  private readonly fused?: FusedRowHasher;
  private readonly sums = new Map<number, Sum128>();
  private seg = 0;
  private current: Sum128 | undefined;
  rows: number;
  lastKey?: KeyTuple;

  constructor(
    private readonly t: Pick<DigestTask, 'pairs' | 'side' | 'maskKey' | 'inner' | 'segFrom' | 'keyMasked' | 'checkpoint'>,
    opts: { reference?: boolean } = {},
  ) {
    this.families = t.pairs.filter((p) => p.isKey).map((p) => p.family);
    const maskKey = t.maskKey ? Buffer.from(t.maskKey, 'hex') : undefined;
    if (opts.reference || !fusedEnabled()) {
      this.encode = makeEncoder(t.pairs, t.side, maskKey);
      this.hasher = new RowHasher();
    } else this.fused = new FusedRowHasher(t.pairs, t.side, maskKey);
    for (const d of t.checkpoint?.segments ?? []) this.sums.set(d.i, Sum128.fromHex(d.s, d.n));
    this.rows = t.checkpoint?.rows ?? 0;
    this.lastKey = t.checkpoint?.lastKey;
  }

  /** whether addBytes can be used (the fused path; the reference path takes rows) */
  get takesBytes(): boolean {
    return this.fused !== undefined;
  }

  add(raw: RawRow): void {
    if (this.fused) return this.addDigest(this.fused.key(raw), this.fused.digest(raw));
    const row = this.encode!(raw);
    this.addDigest(row.key, this.hasher!.digest(row.values));
  }

  /** add() for row r of a byte batch (Engine.scanBytes) */
  addBytes(b: ByteBatch, r: number): void {
    this.addDigest(this.fused!.keyBytes(b, r), this.fused!.digestBytes(b, r));
  }

  private addDigest(key: KeyTuple, digest: Uint32Array): void {
    const inner = this.t.inner;
    while (this.seg < inner.length && compareKeys(key, inner[this.seg], this.families) >= 0) {
      this.seg++;
      this.current = undefined;
    }
    if (!this.current) {
      const i = this.t.segFrom + this.seg;
      this.current = this.sums.get(i);
      if (!this.current) this.sums.set(i, (this.current = new Sum128()));
    }
    this.current.add(digest);
    this.rows++;
    if (!this.t.keyMasked) this.lastKey = key;
  }

  snapshot(): DigestCheckpoint {
    return {
      lastKey: this.lastKey,
      rows: this.rows,
      segments: [...this.sums].map(([i, s]) => ({ i, n: s.n, s: s.toHex() })).sort((a, b) => a.i - b.i),
    };
  }
}

export function scanColumns(task: Pick<DigestTask, 'pairs' | 'side'>): string[] {
  return task.pairs.map((p) => (task.side === 'source' ? p.source.name : p.target.name));
}

export async function digestPartition(
  task: DigestTask,
  onProgress: (cp: DigestCheckpoint) => void = () => {},
  signal?: AbortSignal,
): Promise<DigestResult> {
  const readStartedAt = new Date().toISOString();
  const acc = new SegmentAccumulator(task);
  const before = acc.rows;
  const engine = await openEngine(task.url, { applicationName: task.applicationName });
  try {
    const req: ScanRequest = {
      schema: task.schema,
      columns: scanColumns(task),
      range: task.range,
      after: acc.lastKey,
      where: task.where,
      fetchSize: task.fetchSize,
      signal,
    };
    let lastProgress = Date.now();
    const progress = () => {
      if (Date.now() - lastProgress > 1000) {
        lastProgress = Date.now();
        onProgress(acc.snapshot());
      }
    };
    const bytes = bytesScan(engine, req, acc.takesBytes);
    if (bytes) {
      for await (const b of bytes) {
        for (let r = 0; r < b.rows; r++) acc.addBytes(b, r);
        progress();
      }
    } else {
      for await (const batch of engine.scan(req)) {
        for (const raw of batch) acc.add(raw);
        progress();
      }
    }
  } finally {
    await engine.close();
  }
  return { ...acc.snapshot(), rowsReadNow: acc.rows - before, readStartedAt, readEndedAt: new Date().toISOString() };
}

/** Set to 0 to read every side through Engine.scan (strings), never scanBytes. */
export const SCAN_BYTES_ENV = 'PARITY_SCAN_BYTES';

/**
 * The byte scan of a request (PostgreSQL COPY, MySQL/MariaDB row packets), when the engine
 * offers one for it, the caller hashes with the fused hasher (`fused`; the reference path
 * takes rows) and PARITY_SCAN_BYTES is not 0; else undefined (use Engine.scan). Digests
 * and refinement both ask here.
 */
export function bytesScan(engine: Engine, req: ScanRequest, fused: boolean): AsyncIterable<ByteBatch> | undefined {
  if (!engine.scanBytes || !fused || process.env[SCAN_BYTES_ENV] === '0') return undefined;
  return engine.scanBytes(req);
}
