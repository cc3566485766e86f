// Canonical writers over a value's UTF-8 server text as bytes (PostgreSQL's COPY fields):
// the bytes of valueWriter's for the same text, without making a string. Each fast path
// takes only text whose canonical form is the text itself, or a prefix of it plus zeros, or
// (float) a double read exactly as parseFloat reads it; anything else is decoded and handed
// to the string writer, so the bytes are equal by construction (test/unit/fused.test.ts
// checks every edge both ways, test/unit/float.test.ts the float reader).
import type { ColumnInfo, Family } from '../core/types';
import { TAG, valueWriter, type CanonicalSink, type ValueWriter } from './encode';
import { isFloat32 } from './families';
import { parseFloatBytes } from './float';

/** Writes the canonical bytes of one non-NULL value given as buf[s, e) (UTF-8 text). */
export type ByteWriter = (buf: Buffer, s: number, e: number, sink: CanonicalSink) => void;

const isDigit = (c: number) => c >= 48 && c <= 57;

/** The string writer over the decoded text: for families and values without a byte path. */
export function decodingWriter(write: ValueWriter): ByteWriter {
  return (buf, s, e, w) => write(buf.toString('utf8', s, e), w);
}

/** '0', '[1-9]d…' or '-[1-9]d…': normalizeInt's fast path, where the text is canonical. */
function canonicalInt(buf: Buffer, s: number, e: number): boolean {
  let i = s;
  if (buf[i] === 45) i++;
  if (i >= e) return false;
  if (buf[i] === 48) return e - s === 1; // '0' alone; '-0' and '007' are not canonical
  for (; i < e; i++) if (!isDigit(buf[i])) return false;
  return true;
}

/** decimalPrefixEnd over bytes: the end of the canonical text when it is a prefix, else -1. */
export function decimalPrefixEndBytes(buf: Buffer, s: number, e: number): number {
  let i = s;
  const neg = buf[i] === 45;
  if (neg) i++;
  const first = i;
  while (i < e && isDigit(buf[i])) i++;
  const intLen = i - first;
  if (intLen === 0 || (intLen > 1 && buf[first] === 48)) return -1;
  const zeroInt = intLen === 1 && buf[first] === 48;
  if (i === e) return neg && zeroInt ? -1 : e;
  if (buf[i] !== 46) return -1;
  const fracStart = ++i;
  while (i < e && isDigit(buf[i])) i++;
  if (i !== e) return -1;
  let end = e;
  while (end > fracStart && buf[end - 1] === 48) end--;
  if (end === fracStart) {
    if (neg && zeroInt) return -1;
    end = fracStart - 1;
  }
  return end;
}

/** wallClockWriter's fast path over bytes: 'YYYY-MM-DD HH:MM:SS[.f…][+00]' padded to six digits. */
function wallClockBytes(tag: number, utcSuffix: boolean, slow: ByteWriter): ByteWriter {
  return (buf, s, e, w) => {
    let end = e;
    if (utcSuffix && e - s >= 3 && buf[e - 3] === 43 && buf[e - 2] === 48 && buf[e - 1] === 48) end = e - 3;
    const len = end - s;
    if (len >= 19 && len <= 26 && buf[s + 4] === 45 && buf[s + 10] === 32 && buf[s + 13] === 58 && buf[s + 16] === 58) {
      if (len === 19) return w.taggedRange(tag, buf, s, end, 6, true);
      if (len >= 21 && buf[s + 19] === 46) {
        let i = s + 20;
        while (i < end && isDigit(buf[i])) i++;
        if (i === end) return w.taggedRange(tag, buf, s, end, 26 - len);
      }
    }
    slow(buf, s, e, w);
  };
}

/** The byte writer for a family (the string writer decodes what has no byte path). */
export function byteWriter(family: Family, col: ColumnInfo): ByteWriter {
  const slow = decodingWriter(valueWriter(family, col));
  switch (family) {
    case 'int':
      return (buf, s, e, w) => (canonicalInt(buf, s, e) ? w.taggedRange(TAG.INT, buf, s, e) : slow(buf, s, e, w));
    case 'decimal':
      return (buf, s, e, w) => {
        const end = decimalPrefixEndBytes(buf, s, e);
        return end >= 0 ? w.taggedRange(TAG.DECIMAL, buf, s, end) : slow(buf, s, e, w);
      };
    case 'bool':
      return (buf, s, e, w) => {
        // PostgreSQL's boolean text 't' / 'f', MariaDB's TINYINT(1) '1' / '0'
        if (e - s === 1) {
          const c = buf[s];
          if (c === 116 || c === 49) return w.taggedAscii(TAG.BOOL, 49);
          if (c === 102 || c === 48) return w.taggedAscii(TAG.BOOL, 48);
        }
        slow(buf, s, e, w);
      };
    // the text is the canonical value: UTF-8 bytes as they came (R16, R19, R28)
    case 'text':
      return (buf, s, e, w) => w.taggedRange(TAG.TEXT, buf, s, e);
    case 'enum':
      return (buf, s, e, w) => w.taggedRange(TAG.ENUM, buf, s, e);
    case 'uuid':
      return (buf, s, e, w) => w.taggedRange(TAG.UUID, buf, s, e);
    case 'date':
      return (buf, s, e, w) => w.taggedRange(TAG.DATE, buf, s, e);
    case 'float': {
      // the double parseFloat gives, read from the bytes (./float); NaN: text it leaves to parseFloat
      const f32 = isFloat32(col);
      return (buf, s, e, w) => {
        let v = parseFloatBytes(buf, s, e);
        if (v !== v) return slow(buf, s, e, w);
        if (f32) v = Math.fround(v);
        w.float(v === 0 ? 0 : v); // -0 = 0 (R14)
      };
    }
    case 'timestamp':
      return wallClockBytes(TAG.TIMESTAMP, false, slow);
    case 'timestamptz':
      return wallClockBytes(TAG.TIMESTAMPTZ, true, slow);
    default:
      return slow;
  }
}
