// PostgreSQL's COPY … TO STDOUT text format, split into rows and fields in place: no string
// per value (bench/README.md, finding 18). The fields are each value's server text, exactly
// what the text protocol sends, with COPY's backslash escapes undone; '\N' is NULL.
import type { ByteBatch } from '../engine';

/**
 * A pg Submittable for COPY … TO STDOUT: the client hands each CopyData message to
 * handleCopyData (a view into its parser's buffer, valid during the call); the payloads are
 * copied into one of two reused buffers and handed over as chunks. The socket pauses while
 * 64 KiB wait, so memory stays bounded. pg-copy-streams does the same with a new Buffer per
 * socket read (memory outside the V8 heap its collector freed late: +30 MiB peak RSS).
 */
export class CopyOut {
  private pending = Buffer.allocUnsafeSlow(1 << 17);
  private spare = Buffer.allocUnsafeSlow(1 << 17);
  private used = 0;
  private done = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;
  private stream: { pause(): void; resume(): void } | undefined;

  constructor(private readonly text: string) {}

  submit(connection: { stream: { pause(): void; resume(): void }; query(text: string): void }): void {
    this.stream = connection.stream;
    connection.query(this.text);
  }

  handleCopyData(msg: { chunk: Buffer }): void {
    const c = msg.chunk;
    if (this.used + c.length > this.pending.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(this.pending.length * 2, this.used + c.length));
      this.pending.copy(bigger, 0, 0, this.used);
      this.pending = bigger;
    }
    this.used += c.copy(this.pending, this.used);
    if (this.used >= 1 << 16) this.stream?.pause();
    this.poke();
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {
    this.done = true;
    this.poke();
  }

  handleError(err: Error): void {
    this.error = err;
    this.poke();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** The COPY data in chunks; each is valid (and the consumer's to write into) until the next is asked for. */
  async *chunks(): AsyncGenerator<Buffer> {
    for (;;) {
      if (this.used) {
        const out = this.pending.subarray(0, this.used);
        [this.pending, this.spare] = [this.spare, this.pending];
        this.used = 0;
        this.stream?.resume();
        yield out;
        continue;
      }
      if (this.error) throw this.error;
      if (this.done) return;
      await new Promise<void>((r) => (this.wake = r));
    }
  }
}

const TAB = 9;
const NL = 10;
const BACKSLASH = 92;

/** COPY's escapes (the server writes \\ \b \f \n \r \t \v; octal and \x are read too), undone in place; the field's new end. */
export function unescapeInPlace(buf: Buffer, start: number, end: number): number {
  let w = start;
  for (let r = start; r < end; r++) {
    let c = buf[r];
    if (c === BACKSLASH && r + 1 < end) {
      c = buf[++r];
      switch (c) {
        case 98: c = 8; break; // b
        case 102: c = 12; break; // f
        case 110: c = 10; break; // n
        case 114: c = 13; break; // r
        case 116: c = 9; break; // t
        case 118: c = 11; break; // v
        case 120: { // x: one or two hex digits
          let v = 0, k = 0;
          while (k < 2 && r + 1 < end && hexValue(buf[r + 1]) >= 0) v = v * 16 + hexValue(buf[++r]), k++;
          c = k ? v : 120;
          break;
        }
        default:
          if (c >= 48 && c <= 55) { // octal: one to three digits
            let v = c - 48, k = 1;
            while (k < 3 && r + 1 < end && buf[r + 1] >= 48 && buf[r + 1] <= 55) v = v * 8 + (buf[++r] - 48), k++;
            c = v & 0xff;
          }
      }
    }
    buf[w++] = c;
  }
  return w;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Where splitRows stopped: rows found, and the offset of the first byte not consumed. */
interface Split {
  rows: number;
  next: number;
}

/**
 * Splits whole rows of buf from `from` into starts/ends (at most `cap` rows; escapes undone
 * in place once a row is whole). COPY escapes every tab, newline and backslash inside a
 * value, so a raw tab or newline byte is always a delimiter: the delimiters are found with
 * Buffer#indexOf (memchr in native code), one call per field, and backslashes with one call
 * per escaped field. A byte loop in JavaScript took 3-4x as long (bench/README.md, finding 31).
 */
export function splitRows(buf: Buffer, from: number, cols: number, cap: number, starts: Int32Array, ends: Int32Array, out: Split): void {
  const n = buf.length;
  const next = (byte: number, at: number) => {
    const i = buf.indexOf(byte, at);
    return i < 0 ? n : i;
  };
  let rows = 0;
  let p = from;
  let tab = next(TAB, p);
  let bs = next(BACKSLASH, p);
  while (rows < cap) {
    const nl = buf.indexOf(NL, p);
    if (nl < 0) break;
    const base = rows * cols;
    for (let k = 0; k < cols - 1; k++) {
      if (tab > nl) throw new Error(`COPY row has ${k + 1} columns, ${cols} asked for`);
      starts[base + k] = p;
      ends[base + k] = tab;
      p = tab + 1;
      tab = next(TAB, p);
    }
    if (tab < nl) throw new Error(`COPY row has more than the ${cols} columns asked for`);
    starts[base + cols - 1] = p;
    ends[base + cols - 1] = nl;
    // the row is whole: only now undo escapes in place (a row cut by the chunk's end is
    // parsed again, from its first byte, with the next chunk)
    for (let k = 0; bs < nl && k < cols; k++) {
      const st = starts[base + k];
      const end = ends[base + k];
      if (bs >= end) continue;
      if (end - st === 2 && buf[st + 1] === 78) starts[base + k] = ends[base + k] = -1; // \N
      else ends[base + k] = unescapeInPlace(buf, st, end);
      bs = next(BACKSLASH, end); // the delimiter at end is no backslash
    }
    p = nl + 1;
    rows++;
  }
  out.rows = rows;
  out.next = p;
}

/**
 * Rows of `cols` fields from a COPY text stream, in batches of at most `maxRows` (a batch
 * never spans two chunks: its offsets point into one buffer). The consumer must be done
 * with a batch before asking for the next (its arrays are reused). A chunk is parsed where
 * it lies (escapes are undone in it) unless a row cut by the last chunk's end waits: then
 * that row and the chunk are put together in one reused buffer.
 */
export async function* copyBatches(chunks: AsyncIterable<Buffer>, cols: number, maxRows: number): AsyncGenerator<ByteBatch> {
  const cap = Math.max(1, maxRows);
  const starts = new Int32Array(cap * cols);
  const ends = new Int32Array(cap * cols);
  const split: Split = { rows: 0, next: 0 };
  // a reused buffer, not Buffer.concat: a new Buffer per chunk is memory outside the V8 heap
  // that its collector frees late (the worker's peak RSS grew ~50 MiB with it)
  let work = Buffer.allocUnsafeSlow(1 << 17);
  let carry = 0;
  const room = (n: number) => {
    if (n <= work.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(work.length * 2, n));
    work.copy(bigger, 0, 0, carry);
    work = bigger;
  };
  for await (const piece of chunks) {
    let buf = piece;
    if (carry) {
      room(carry + piece.length);
      piece.copy(work, carry);
      buf = work.subarray(0, carry + piece.length);
    }
    let at = 0;
    for (;;) {
      splitRows(buf, at, cols, cap, starts, ends, split);
      if (split.rows) yield { buf, rows: split.rows, cols, starts, ends };
      at = split.next;
      if (split.rows < cap) break;
    }
    // the cut row moves to the front of the work buffer (copy handles the overlap when it is
    // already there)
    const cut = buf.length - at;
    if (cut) {
      carry = 0;
      room(cut);
      buf.copy(work, 0, at, buf.length);
    }
    carry = cut;
  }
  if (carry) throw new Error('COPY data ended inside a row');
}
