// Digest of one partition on one side: stream rows in canonical key order, encode, mask,
// hash, and add each row into the segment its key falls in. Resumable from a checkpoint.
import { compareKeys } from '../canonical';
import type { ColumnPair, Family, KeyRange, KeyTuple, TableSchema } from '../core/types';
import type { SegmentDigest } from '../core/segments';
import { hintsFromHex, hintsToHex, subBoundaries } from '../core/narrow';
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
  /** per segment, 8-bit hints per sub-range (src/core/narrow); absent where a segment is not cut */
  private readonly hints = new Map<number, Uint8Array>();
  /** segments a checkpoint brought without hints: their hints would miss the earlier rows */
  private readonly noHints = new Set<number>();
  private hint: Uint8Array | undefined;
  private subB: KeyTuple[] = [];
  private sub = 0;
  /**
   * A one-column integer key whose plan fits in ±2^53 is compared as a number: a row's key
   * is parsed from its bytes (canonical text only: what PostgreSQL and MariaDB print) and
   * made a string only for a checkpoint. Other keys, and any row whose key text is not a
   * canonical integer of up to 15 digits, take the text comparison; both orders agree.
   */
  private readonly num?: { col: number; inner: Float64Array };
  private subN = new Float64Array(0);
  private lastNum: number | undefined;
  private lastText?: KeyTuple;
  rows: number;

  constructor(
    private readonly t: Pick<DigestTask, 'pairs' | 'side' | 'maskKey' | 'inner' | 'segFrom' | 'keyMasked' | 'checkpoint'> & Partial<Pick<DigestTask, 'range'>>,
    opts: { reference?: boolean } = {},
  ) {
    this.families = t.pairs.filter((p) => p.isKey).map((p) => p.family);
    const maskKey = t.maskKey ? Buffer.from(t.maskKey, 'hex') : undefined;
    if (opts.reference || !fusedEnabled()) {
      this.encode = makeEncoder(t.pairs, t.side, maskKey);
      this.hasher = new RowHasher();
    } else this.fused = new FusedRowHasher(t.pairs, t.side, maskKey);
    for (const d of t.checkpoint?.segments ?? []) {
      this.sums.set(d.i, Sum128.fromHex(d.s, d.n));
      if (d.h) this.hints.set(d.i, hintsFromHex(d.h));
      else this.noHints.add(d.i);
    }
    this.rows = t.checkpoint?.rows ?? 0;
    this.lastText = t.checkpoint?.lastKey;
    const col = t.pairs.findIndex((p) => p.isKey);
    const bounds = [...t.inner, ...(t.range?.lo ? [t.range.lo] : []), ...(t.range?.hi ? [t.range.hi] : [])];
    if (this.fused && this.families.length === 1 && this.families[0] === 'int' && bounds.every((k) => safeInt(k[0]) !== undefined)) {
      this.num = { col, inner: Float64Array.from(t.inner, (k) => safeInt(k[0])!) };
    }
  }

  /** the last row's key (undefined under a masked key: it never goes into a checkpoint) */
  get lastKey(): KeyTuple | undefined {
    return this.lastNum !== undefined ? [String(this.lastNum)] : this.lastText;
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
    const num = this.num;
    if (num) {
      const at = r * b.cols + num.col;
      const v = b.starts[at] < 0 ? NaN : intAt(b.buf, b.starts[at], b.ends[at]);
      if (v === v) return this.addNum(v, this.fused!.digestBytes(b, r));
    }
    this.addDigest(this.fused!.keyBytes(b, r), this.fused!.digestBytes(b, r));
  }

  /** addDigest for a key compared as a number (`num`); its twin on purpose: a comparator passed
   * in would cost a call per row on the path this exists to make cheap */
  private addNum(v: number, digest: Uint32Array): void {
    const inner = this.num!.inner;
    while (this.seg < inner.length && v >= inner[this.seg]) {
      this.seg++;
      this.current = undefined;
    }
    if (!this.current) this.openSegment();
    this.current!.add(digest);
    if (this.hint) {
      const b = this.subN;
      while (this.sub < b.length && v >= b[this.sub]) this.sub++;
      this.hint[this.sub] += digest[0];
    }
    this.rows++;
    if (!this.t.keyMasked) this.lastNum = v;
  }

  private addDigest(key: KeyTuple, digest: Uint32Array): void {
    const inner = this.t.inner;
    while (this.seg < inner.length && compareKeys(key, inner[this.seg], this.families) >= 0) {
      this.seg++;
      this.current = undefined;
    }
    if (!this.current) this.openSegment();
    this.current!.add(digest);
    if (this.hint) {
      const b = this.subB;
      while (this.sub < b.length && compareKeys(key, b[this.sub], this.families) >= 0) this.sub++;
      this.hint[this.sub] += digest[0]; // a Uint8Array keeps the low 8 bits
    }
    this.rows++;
    if (!this.t.keyMasked) {
      this.lastText = key;
      this.lastNum = undefined;
    }
  }

  /** the sum (and hints) of the segment the row pointer has reached */
  private openSegment(): void {
    const i = this.t.segFrom + this.seg;
    this.current = this.sums.get(i);
    if (!this.current) this.sums.set(i, (this.current = new Sum128()));
    this.enterSegment(i);
  }

  /** the sub-ranges of segment i (the partition's `range` and `inner` bound it) and its hints */
  private enterSegment(i: number): void {
    this.sub = 0;
    this.hint = undefined;
    const range = this.t.range;
    // a masked key's plan is one open segment; hints would describe its plain keys
    if (!range || this.t.keyMasked || this.noHints.has(i)) return;
    const j = i - this.t.segFrom;
    const inner = this.t.inner;
    this.subB = subBoundaries(j === 0 ? range.lo : inner[j - 1], j === inner.length ? range.hi : inner[j], this.families);
    if (!this.subB.length) return;
    if (this.num) this.subN = Float64Array.from(this.subB, (k) => Number(k[0]));
    this.hint = this.hints.get(i);
    if (!this.hint) this.hints.set(i, (this.hint = new Uint8Array(this.subB.length + 1)));
  }

  snapshot(): DigestCheckpoint {
    return {
      lastKey: this.lastKey,
      rows: this.rows,
      segments: [...this.sums]
        .map(([i, s]): SegmentDigest => {
          const h = this.hints.get(i);
          return h ? { i, n: s.n, s: s.toHex(), h: hintsToHex(h) } : { i, n: s.n, s: s.toHex() };
        })
        .sort((a, b) => a.i - b.i),
    };
  }
}

/** canonical integer text within ±2^53 as a number, else undefined */
function safeInt(s: string): number | undefined {
  const v = Number(s);
  return Number.isSafeInteger(v) && String(v) === s ? v : undefined;
}

/**
 * The integer in buf[st, en) if it is canonical text (no sign but '-', no leading zero, not
 * "-0") of at most 15 digits, so exact as a number and String(v) gives the text back; else NaN.
 */
function intAt(buf: Buffer, st: number, en: number): number {
  let i = st;
  const neg = buf[i] === 45;
  if (neg) i++;
  const n = en - i;
  if (n < 1 || n > 15 || (buf[i] === 48 && (n > 1 || neg))) return NaN;
  let v = 0;
  for (; i < en; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return neg ? -v : v;
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
