// MySQL/MariaDB text-protocol rows as bytes: each row packet's length-coded fields are
// copied into a batch buffer with their offsets, instead of mysql2 decoding a string (and
// a typeCast wrapper) per field (bench/README.md, finding 20). The values are the server's
// text in the connection charset (utf8mb4), exactly what the string scan decodes.
import type { ByteBatch } from '../engine';

interface Batch extends ByteBatch {
  /** bytes of buf in use */
  used: number;
}

/** Row packets in, full batches out; batches go back to a free list when consumed. */
export class RowBytes {
  private cur: Batch;
  private readonly free: Batch[] = [];
  readonly full: Batch[] = [];

  constructor(private readonly cols: number, private readonly cap: number) {
    this.cur = this.newBatch();
  }

  private newBatch(): Batch {
    const n = this.cap * this.cols;
    return { buf: Buffer.allocUnsafeSlow(1 << 16), used: 0, rows: 0, cols: this.cols, starts: new Int32Array(n), ends: new Int32Array(n) };
  }

  /**
   * One row packet's payload, buf[o, end): `cols` length-coded strings (0xfb = NULL). The
   * payload is copied whole, in one native copy, and the fields are found in it where they
   * lie (their length headers stay in the batch buffer, unused).
   */
  add(buf: Buffer, o: number, end: number): void {
    const b = this.cur;
    const size = end - o;
    if (b.used + size > b.buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(b.buf.length * 2, b.used + size));
      b.buf.copy(bigger, 0, 0, b.used);
      b.buf = bigger;
    }
    buf.copy(b.buf, b.used, o, end);
    // field offsets in the batch buffer = offsets in the packet + shift
    const shift = b.used - o;
    const base = b.rows * this.cols;
    for (let c = 0; c < this.cols; c++) {
      const t = buf[o];
      let len: number;
      if (t < 0xfb) {
        len = t;
        o += 1;
      } else if (t === 0xfb) {
        b.starts[base + c] = b.ends[base + c] = -1;
        o += 1;
        continue;
      } else if (t === 0xfc) {
        len = buf[o + 1] | (buf[o + 2] << 8);
        o += 3;
      } else if (t === 0xfd) {
        len = buf[o + 1] | (buf[o + 2] << 8) | (buf[o + 3] << 16);
        o += 4;
      } else if (t === 0xfe) {
        len = buf.readUInt32LE(o + 1) + buf.readUInt32LE(o + 5) * 2 ** 32;
        o += 9;
      } else throw new Error(`row packet: 0x${t.toString(16)} is not a length`);
      if (o + len > end) throw new Error(`row packet ends inside column ${c + 1} of ${this.cols}`);
      b.starts[base + c] = o + shift;
      o += len;
      b.ends[base + c] = o + shift;
    }
    if (o !== end) throw new Error(`row packet has ${end - o} bytes past its ${this.cols} columns`);
    b.used += size;
    if (++b.rows === this.cap) this.flush();
  }

  /** The batch being filled goes out (if it has rows). */
  flush(): void {
    if (!this.cur.rows) return;
    this.full.push(this.cur);
    this.cur = this.free.pop() ?? this.newBatch();
  }

  /** A consumed batch, for reuse. */
  release(b: ByteBatch): void {
    const x = b as Batch;
    x.rows = 0;
    x.used = 0;
    this.free.push(x);
  }
}
