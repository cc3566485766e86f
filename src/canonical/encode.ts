// Raw driver value → type-tagged canonical bytes, one function per family (R11–R31), and
// raw key value → R10/R10a key text. Built once per column; runs for every row.

import { wordView } from '../digest/murmur3';
import type { ColumnInfo, Family } from '../core/types';
import { isFloat32 } from './families';
import { canonicalJson } from './json';
import { normalizeDecimal, normalizeInt } from './numbers';
import { normalizeTime, normalizeTimestamp, normalizeTimestamptz } from './temporal';

const viewOf = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.length);

/** First byte of every canonical value. NULL's tag differs from all others (R11). */
export const TAG = {
  NULL: 0x00,
  INT: 0x01,
  DECIMAL: 0x02,
  FLOAT: 0x03,
  BOOL: 0x04,
  TEXT: 0x05,
  CHAR: 0x06,
  BINARY: 0x07,
  UUID: 0x08,
  JSON: 0x09,
  DATE: 0x0a,
  TIME: 0x0b,
  TIMESTAMP: 0x0c,
  TIMESTAMPTZ: 0x0d,
  ENUM: 0x0e,
  /** values only one engine can hold (R31): a text label after the tag */
  EDGE: 0x7f,
} as const;

export const NULL_BYTES: Buffer = Buffer.from([TAG.NULL]);

export type RawScalar = string | Buffer;
export type ValueEncoder = (raw: RawScalar) => Buffer;
export type KeyEncoder = (raw: RawScalar) => string;

function tagged(tag: number, text: string): Buffer {
  return Buffer.from(String.fromCharCode(tag) + text, 'utf8');
}

function edge(label: string): Buffer {
  return tagged(TAG.EDGE, label);
}

function asText(raw: RawScalar): string {
  return typeof raw === 'string' ? raw : raw.toString('utf8');
}

function asBytes(raw: RawScalar): Buffer {
  if (typeof raw !== 'string') return raw;
  // PostgreSQL bytea text output (bytea_output = hex)
  if (raw.charCodeAt(0) === 92 && raw.charCodeAt(1) === 120) return Buffer.from(raw.slice(2), 'hex');
  return Buffer.from(raw, 'utf8');
}

function stripTrailingSpaces(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 32) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** 0/1 for booleans from either engine ('t'/'f', 'true'/'false', '1'/'0'), else undefined. */
function boolBit(s: string): 0 | 1 | undefined {
  switch (s) {
    case 't':
    case 'true':
    case '1':
      return 1;
    case 'f':
    case 'false':
    case '0':
      return 0;
    default:
      return undefined;
  }
}

/** Canonical bytes encoder for one column side (non-NULL values only; NULL is NULL_BYTES). */
export function valueEncoder(family: Family, col: ColumnInfo): ValueEncoder {
  switch (family) {
    case 'int':
      return (raw) => {
        const s = asText(raw);
        const n = normalizeInt(s);
        return n === undefined ? edge('int:' + s) : tagged(TAG.INT, n);
      };
    case 'decimal':
      return (raw) => {
        const s = asText(raw);
        const n = normalizeDecimal(s);
        // PostgreSQL NaN / ±Infinity (R31): their own values, never equal to a MariaDB DECIMAL
        return n === undefined ? edge('decimal:' + s) : tagged(TAG.DECIMAL, n);
      };
    case 'float': {
      const f32 = isFloat32(col);
      return (raw) => {
        const s = asText(raw);
        let v = parseFloat(s);
        if (!Number.isFinite(v) || !isFloatText(s)) return edge('float:' + s); // NaN, ±Infinity (R31)
        if (f32) v = Math.fround(v);
        if (v === 0) v = 0; // -0 = 0 (R14)
        const b = Buffer.allocUnsafe(9);
        b[0] = TAG.FLOAT;
        b.writeDoubleBE(v, 1);
        return b;
      };
    }
    case 'bool':
      return (raw) => {
        const s = asText(raw);
        const bit = boolBit(s);
        if (bit !== undefined) return tagged(TAG.BOOL, bit ? '1' : '0');
        // MariaDB TINYINT(1) holding 2, -1, …: differs from true and false (R15)
        return tagged(TAG.BOOL, 'int:' + (normalizeInt(s) ?? s));
      };
    case 'text':
      return (raw) => tagged(TAG.TEXT, asText(raw));
    case 'enum':
      return (raw) => tagged(TAG.ENUM, asText(raw));
    case 'char':
      return (raw) => tagged(TAG.CHAR, stripTrailingSpaces(asText(raw)));
    case 'uuid':
      return (raw) => tagged(TAG.UUID, asText(raw));
    case 'binary':
      return (raw) => {
        const bytes = asBytes(raw);
        const b = Buffer.allocUnsafe(bytes.length + 1);
        b[0] = TAG.BINARY;
        bytes.copy(b, 1);
        return b;
      };
    case 'json':
      return (raw) => {
        const s = asText(raw);
        const c = canonicalJson(s);
        // text that is not JSON (a LONGTEXT without a check) is its own value, never a crash
        return c === undefined ? edge('json-invalid:' + s) : tagged(TAG.JSON, c);
      };
    case 'date':
      // both engines print ISO dates; BC, infinity, 5-digit years (PostgreSQL) and zero
      // dates (MariaDB) keep their own text, so they never equal a value of the other engine
      return (raw) => tagged(TAG.DATE, asText(raw));
    case 'time':
      return (raw) => tagged(TAG.TIME, normalizeTime(asText(raw)));
    case 'timestamp':
      return (raw) => tagged(TAG.TIMESTAMP, normalizeTimestamp(asText(raw)));
    case 'timestamptz':
      return (raw) => tagged(TAG.TIMESTAMPTZ, normalizeTimestamptz(asText(raw)));
    default:
      return (raw) => edge('unsupported:' + asText(raw));
  }
}

/** Decimal-looking float text (rules out hex, 'Infinity', trailing garbage). */
function isFloatText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69)) return false;
  }
  return true;
}

/** R10/R10a key text for one key column side. */
export function keyEncoder(family: Family): KeyEncoder {
  switch (family) {
    case 'int':
      return (raw) => {
        const s = asText(raw);
        return normalizeInt(s) ?? s;
      };
    case 'decimal':
      return (raw) => {
        const s = asText(raw);
        return normalizeDecimal(s) ?? s;
      };
    case 'bool':
      return (raw) => {
        const s = asText(raw);
        const bit = boolBit(s);
        return bit === 1 ? 'true' : bit === 0 ? 'false' : (normalizeInt(s) ?? s);
      };
    case 'char':
      return (raw) => stripTrailingSpaces(asText(raw));
    case 'binary':
      return (raw) => asBytes(raw).toString('hex');
    case 'timestamp':
      return (raw) => normalizeTimestamp(asText(raw));
    case 'timestamptz':
      return (raw) => normalizeTimestamptz(asText(raw));
    default:
      // text, uuid (exact text: an uppercase target uuid is a different key, R19), date
      return asText;
  }
}

// ---------------------------------------------------------------------------------------
// Fused path (digests): the same canonical bytes as valueEncoder, written straight into one
// reusable buffer instead of a Buffer per value. valueEncoder stays the reference (naming a
// differing row's columns, masking, reports); test/unit/fused*.test.ts checks the two byte for byte for every family.

/** A growable scratch buffer; `o` is the write position. Writers never write past `reserve`. */
export class CanonicalSink {
  buf: Buffer;
  /** wordView(buf) for the row hash, kept with the buffer */
  words: Int32Array | undefined;
  /** a DataView of buf: ranges are copied four bytes at a time through it (taggedRange) */
  view: DataView;
  o = 0;
  /** the buffer ranges are copied from (source()), and a DataView of it */
  private src: Buffer | undefined;
  private srcView: DataView | undefined;

  constructor(size = 1 << 16) {
    this.buf = Buffer.allocUnsafeSlow(size);
    this.words = wordView(this.buf);
    this.view = viewOf(this.buf);
  }

  /** Names the buffer the next taggedRange calls copy from (once per batch or row: cheap when unchanged). */
  source(src: Buffer): void {
    if (src === this.src) return;
    this.src = src;
    this.srcView = viewOf(src);
  }

  /** Room for n more bytes at `o` (keeps the bytes already written). */
  reserve(n: number): void {
    if (this.o + n <= this.buf.length) return;
    const b = Buffer.allocUnsafeSlow(Math.max(this.o + n, this.buf.length * 2));
    this.buf.copy(b, 0, 0, this.o);
    this.buf = b;
    this.words = wordView(b);
    this.view = viewOf(b);
  }

  /**
   * tag byte + UTF-8 text: the bytes of tagged(tag, text). For text as the driver delivered
   * it (a flat string): short ASCII is copied in JS, without a call into C++. Text a
   * normalizer built (a slice, a concatenation) goes to `taggedWrite`: reading such strings
   * char by char here makes this loop polymorphic and slow for every column (measured: 1.5x
   * on the whole row for PostgreSQL's timestamptz).
   */
  tagged(tag: number, text: string): void {
    const n = text.length;
    if (n > 64) return this.taggedWrite(tag, text);
    // UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units;
    // a lone surrogate: the 3-byte U+FFFD), so this bound is never short
    this.reserve(1 + 3 * n);
    const b = this.buf;
    const o = this.o + 1;
    b[o - 1] = tag;
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      b[o + i] = c;
    }
    this.o = i === n ? o + n : o + b.write(text, o, 'utf8');
  }

  /** tag byte + UTF-8 text, always through Buffer#write (any string shape, any length). */
  taggedWrite(tag: number, text: string): void {
    this.reserve(1 + 3 * text.length);
    const o = this.o + 1;
    this.buf[o - 1] = tag;
    this.o = o + this.buf.write(text, o, 'utf8');
  }

  /**
   * tag byte + text[0, end) + ('.' when `dot`) + `zeros` ASCII '0's: the bytes of tagged(tag,
   * text.slice(0, end) + …) for ASCII text as the driver delivered it (normalizers that only cut
   * a suffix or pad zeros, without building a new string). Non-ASCII falls back to a slice.
   */
  taggedPrefix(tag: number, text: string, end: number, zeros = 0, dot = false): void {
    const tail = zeros + (dot ? 1 : 0);
    this.reserve(1 + end + tail);
    const b = this.buf;
    const o = this.o + 1;
    b[o - 1] = tag;
    for (let i = 0; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) return this.taggedWrite(tag, text.slice(0, end) + (dot ? '.' : '') + '0'.repeat(zeros));
      b[o + i] = c;
    }
    let p = o + end;
    if (dot) b[p++] = 46;
    for (let i = 0; i < zeros; i++) b[p++] = 48;
    this.o = p;
  }

  /**
   * tag byte + src[s, e) + ('.' when `dot`) + `zeros` ASCII '0's: taggedPrefix for text that
   * is still bytes (src/canonical/bytes.ts). Short ranges are copied in JS (a native copy
   * costs more than it saves below a few dozen bytes).
   */
  taggedRange(tag: number, src: Buffer, s: number, e: number, zeros = 0, dot = false): void {
    const n = e - s;
    this.reserve(1 + n + zeros + 1);
    const b = this.buf;
    let p = this.o;
    b[p++] = tag;
    if (n > 64) p += src.copy(b, p, s, e);
    else {
      let i = s;
      // four bytes per step through DataViews (unaligned loads and stores): 2-2.5x faster than
      // a byte loop for the 8-40 byte values of a row (bench/README.md, finding 31)
      if (src === this.src) {
        const from = this.srcView!;
        const to = this.view;
        for (; i + 4 <= e; i += 4, p += 4) to.setInt32(p, from.getInt32(i, true), true);
      }
      for (; i < e; i++) b[p++] = src[i];
    }
    if (dot) b[p++] = 46;
    for (let i = 0; i < zeros; i++) b[p++] = 48;
    this.o = p;
  }

  /** tag byte + one ASCII byte */
  taggedAscii(tag: number, c: number): void {
    this.reserve(2);
    this.buf[this.o] = tag;
    this.buf[this.o + 1] = c;
    this.o += 2;
  }

  /** tag byte + raw bytes */
  taggedBytes(tag: number, bytes: Uint8Array): void {
    this.reserve(1 + bytes.length);
    this.buf[this.o] = tag;
    this.buf.set(bytes, this.o + 1);
    this.o += 1 + bytes.length;
  }

  /** bytes as they are (a precomputed canonical value, a token) */
  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.o);
    this.o += bytes.length;
  }

  /** TAG.FLOAT + IEEE 754 big-endian */
  float(v: number): void {
    this.reserve(9);
    this.buf[this.o] = TAG.FLOAT;
    this.view.setFloat64(this.o + 1, v); // big-endian, as writeDoubleBE, without its checks
    this.o += 9;
  }
}

/** Writes the canonical bytes of one non-NULL value (exactly valueEncoder's) into the sink. */
export type ValueWriter = (raw: RawScalar, sink: CanonicalSink) => void;

/** The fused twin of valueEncoder: same family cases, same bytes. */
export function valueWriter(family: Family, col: ColumnInfo): ValueWriter {
  switch (family) {
    case 'int':
      return (raw, w) => {
        const s = asText(raw);
        const n = normalizeInt(s);
        if (n === undefined) w.taggedWrite(TAG.EDGE, 'int:' + s);
        else if (n === s) w.tagged(TAG.INT, n);
        else w.taggedWrite(TAG.INT, n);
      };
    case 'decimal':
      return (raw, w) => {
        const s = asText(raw);
        // the usual case, '[-]d…[.d…]' whose canonical form only drops trailing zeros
        const end = decimalPrefixEnd(s);
        if (end >= 0) return w.taggedPrefix(TAG.DECIMAL, s, end);
        const n = normalizeDecimal(s);
        if (n === undefined) w.taggedWrite(TAG.EDGE, 'decimal:' + s);
        else if (n === s) w.tagged(TAG.DECIMAL, n);
        else w.taggedWrite(TAG.DECIMAL, n);
      };
    case 'float': {
      const f32 = isFloat32(col);
      return (raw, w) => {
        const s = asText(raw);
        let v = parseFloat(s);
        if (!Number.isFinite(v) || !isFloatText(s)) return w.taggedWrite(TAG.EDGE, 'float:' + s);
        if (f32) v = Math.fround(v);
        if (v === 0) v = 0; // -0 = 0 (R14)
        w.float(v);
      };
    }
    case 'bool':
      return (raw, w) => {
        const s = asText(raw);
        const bit = boolBit(s);
        if (bit !== undefined) w.tagged(TAG.BOOL, bit ? '1' : '0');
        else w.taggedWrite(TAG.BOOL, 'int:' + (normalizeInt(s) ?? s));
      };
    case 'text':
      return (raw, w) => w.tagged(TAG.TEXT, asText(raw));
    case 'enum':
      return (raw, w) => w.tagged(TAG.ENUM, asText(raw));
    case 'char':
      return (raw, w) => {
        const s = asText(raw);
        const c = stripTrailingSpaces(s);
        if (c === s) w.tagged(TAG.CHAR, c);
        else w.taggedWrite(TAG.CHAR, c);
      };
    case 'uuid':
      return (raw, w) => w.tagged(TAG.UUID, asText(raw));
    case 'binary':
      return (raw, w) => w.taggedBytes(TAG.BINARY, asBytes(raw));
    case 'json':
      return (raw, w) => {
        const s = asText(raw);
        const c = canonicalJson(s);
        if (c === undefined) w.taggedWrite(TAG.EDGE, 'json-invalid:' + s);
        else w.taggedWrite(TAG.JSON, c);
      };
    case 'date':
      return (raw, w) => w.tagged(TAG.DATE, asText(raw));
    case 'time':
      return normalizedWriter(TAG.TIME, normalizeTime);
    case 'timestamp':
      return wallClockWriter(TAG.TIMESTAMP, normalizeTimestamp, false);
    case 'timestamptz':
      return wallClockWriter(TAG.TIMESTAMPTZ, normalizeTimestamptz, true);
    default:
      return (raw, w) => w.taggedWrite(TAG.EDGE, 'unsupported:' + asText(raw));
  }
}

/**
 * The end of the canonical decimal text when it is a prefix of `s` (plain '[-]d…[.d…]',
 * no leading zeros, not a negative zero): trailing fractional zeros and a bare '.' dropped.
 * -1 otherwise (normalizeDecimal decides).
 */
export function decimalPrefixEnd(s: string): number {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  const neg = i === 1;
  const first = i;
  while (i < n && isAsciiDigit(s.charCodeAt(i))) i++;
  const intLen = i - first;
  if (intLen === 0 || (intLen > 1 && s.charCodeAt(first) === 48)) return -1;
  const zeroInt = intLen === 1 && s.charCodeAt(first) === 48;
  if (i === n) return neg && zeroInt ? -1 : n;
  if (s.charCodeAt(i) !== 46) return -1;
  const fracStart = ++i;
  while (i < n && isAsciiDigit(s.charCodeAt(i))) i++;
  if (i !== n) return -1;
  let end = n;
  while (end > fracStart && s.charCodeAt(end - 1) === 48) end--;
  if (end === fracStart) {
    // no fraction left: '5.00' → '5'; '-0.00' is '0' (normalizeDecimal)
    if (neg && zeroInt) return -1;
    end = fracStart - 1;
  }
  return end;
}

function isAsciiDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * 'YYYY-MM-DD HH:MM:SS[.f…]' (timestamp) or the same + '+00' (PostgreSQL timestamptz in UTC):
 * the canonical text is the wall-clock part with six fractional digits, written as a prefix
 * plus zeros. Everything else (offsets, BC, infinity, 5-digit years) goes to `normalize`.
 */
function wallClockWriter(tag: number, normalize: (s: string) => string, utcSuffix: boolean): ValueWriter {
  const slow = normalizedWriter(tag, normalize);
  return (raw, w) => {
    const s = asText(raw);
    const n = s.length;
    let end = n;
    if (utcSuffix && n >= 3 && s.charCodeAt(n - 3) === 43 && s.charCodeAt(n - 2) === 48 && s.charCodeAt(n - 1) === 48) end = n - 3;
    if (end >= 19 && end <= 26 && s.charCodeAt(4) === 45 && s.charCodeAt(10) === 32 && s.charCodeAt(13) === 58 && s.charCodeAt(16) === 58) {
      if (end === 19) return w.taggedPrefix(tag, s, 19, 6, true);
      if (end >= 21 && s.charCodeAt(19) === 46) {
        // the fraction must be digits only (' BC', an offset other than +00 go the slow way)
        let i = 20;
        while (i < end && isAsciiDigit(s.charCodeAt(i))) i++;
        if (i === end) return w.taggedPrefix(tag, s, end, 26 - end);
      }
    }
    slow(raw, w);
  };
}

/** tag + normalize(text): the JS copy only when the normalizer returned its input. */
function normalizedWriter(tag: number, normalize: (s: string) => string): ValueWriter {
  return (raw, w) => {
    const s = asText(raw);
    const c = normalize(s);
    if (c === s) w.tagged(tag, c);
    else w.taggedWrite(tag, c);
  };
}
