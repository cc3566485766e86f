// The digest hot path without a Buffer per value (bench/README.md, finding 3): each row's
// canonical values are written, length-prefixed exactly as RowHasher.digest lays them out,
// into one reusable buffer and hashed there. Same bytes into murmur3, so the same row digest
// as makeEncoder + RowHasher — masked columns included (their token is the same HMAC of the
// same canonical bytes). Refinement matches rows with it too and uses the reference path
// (./encode, ./row) only to name the columns of rows whose digests differ.
import { keyEncoder, NULL_BYTES, valueEncoder, valueWriter, CanonicalSink, type KeyEncoder, type ValueWriter } from '../canonical/encode';
import type { ColumnPair, KeyTuple } from '../core/types';
import type { ByteBatch, RawRow } from '../engines/engine';
import { byteWriter, decodingWriter, type ByteWriter } from '../canonical/bytes';
import { tokenize } from '../policy/mask';
import type { Side } from './encode';
import { murmur3x86_128 } from './murmur3';
import { ROW_SEED } from './row';

/** Set to 1 to digest through the reference path (makeEncoder + RowHasher) instead. */
export const REFERENCE_ENV = 'PARITY_DIGEST_REFERENCE';

export function fusedEnabled(): boolean {
  return process.env[REFERENCE_ENV] !== '1';
}

export class FusedRowHasher {
  readonly out = new Uint32Array(4);
  private readonly sink: CanonicalSink;
  private readonly writers: ValueWriter[];
  /** the same bytes from values still in the driver's buffer (scanBytes) */
  private readonly byteWriters: ByteWriter[];
  /** what a NULL becomes, per column (NULL_BYTES, or its token when masked) */
  private readonly nulls: Buffer[];
  private readonly keyIdx: number[] = [];
  private readonly keyEnc: KeyEncoder[] = [];

  constructor(pairs: ColumnPair[], side: Side, maskKey?: Buffer, scratchBytes = 1 << 16) {
    this.sink = new CanonicalSink(scratchBytes);
    if (pairs.some((p) => p.mask === 'tokenize') && !maskKey) {
      throw new Error('a column is masked with tokenize but this worker has no masking key (PARITY_MASK_KEY)');
    }
    this.writers = pairs.map((p) => {
      if (p.mask !== 'tokenize') return valueWriter(p.family, p[side]);
      // masked: the token of the reference bytes (makeEncoder does the same)
      const enc = valueEncoder(p.family, p[side]);
      return (raw, w) => w.bytes(tokenize(maskKey!, enc(raw)));
    });
    this.byteWriters = pairs.map((p, i) => (p.mask === 'tokenize' ? decodingWriter(this.writers[i]) : byteWriter(p.family, p[side])));
    this.nulls = pairs.map((p) => (p.mask === 'tokenize' ? tokenize(maskKey!, NULL_BYTES) : NULL_BYTES));
    pairs.forEach((p, i) => {
      if (p.isKey) {
        this.keyIdx.push(i);
        this.keyEnc.push(keyEncoder(p.family));
      }
    });
  }

  /** The plain R10/R10a key text, as makeRowEncoder's `key`. */
  key(row: RawRow): KeyTuple {
    const k = this.keyIdx.length;
    const key = new Array<string>(k);
    for (let j = 0; j < k; j++) {
      const v = row[this.keyIdx[j]];
      key[j] = v === null || v === undefined ? '' : this.keyEnc[j](v);
    }
    return key;
  }

  /** key() of row r of a byte batch */
  keyBytes(b: ByteBatch, r: number): KeyTuple {
    const k = this.keyIdx.length;
    const key = new Array<string>(k);
    const base = r * b.cols;
    for (let j = 0; j < k; j++) {
      const at = base + this.keyIdx[j];
      const st = b.starts[at];
      key[j] = st < 0 ? '' : this.keyEnc[j](b.buf.toString('utf8', st, b.ends[at]));
    }
    return key;
  }

  /** digest() of row r of a byte batch: the same bytes, written from the buffer */
  digestBytes(b: ByteBatch, r: number): Uint32Array {
    const s = this.sink;
    const writers = this.byteWriters;
    const n = writers.length;
    const { buf, starts, ends } = b;
    const base = r * b.cols;
    s.source(buf);
    s.o = 0;
    for (let i = 0; i < n; i++) {
      s.reserve(4);
      const at = s.o;
      s.o = at + 4;
      const st = starts[base + i];
      if (st < 0) s.bytes(this.nulls[i]);
      else writers[i](buf, st, ends[base + i], s);
      // after the value: a writer may have grown (replaced) the buffer and its view
      s.view.setUint32(at, s.o - at - 4, true);
    }
    murmur3x86_128(s.buf, s.o, ROW_SEED, this.out, s.words);
    return this.out;
  }

  /** The row digest (RowHasher.digest of makeEncoder's values); lives in `this.out` until the next call. */
  digest(row: RawRow): Uint32Array {
    const s = this.sink;
    const writers = this.writers;
    const n = writers.length;
    s.o = 0;
    for (let i = 0; i < n; i++) {
      s.reserve(4);
      const at = s.o;
      s.o = at + 4;
      const v = row[i];
      if (v === null || v === undefined) s.bytes(this.nulls[i]);
      else writers[i](v, s);
      // after the value: a writer may have grown (replaced) the buffer
      s.buf.writeUInt32LE(s.o - at - 4, at);
    }
    murmur3x86_128(s.buf, s.o, ROW_SEED, this.out, s.words);
    return this.out;
  }
}
