// A double's server text (UTF-8 bytes) to the double parseFloat gives, without making a
// string: the float column's byte path (./bytes). It takes the forms the engines print, up to
// 19 significant digits and a scale of 10^±22, and answers NaN for anything else, or for a
// value too close to halfway between two doubles to decide here; the caller then parses the
// text (parseFloat), so the result is parseFloat's by construction. The digits are one exact
// integer M held as a double-double (two doubles, 106 bits); M · 10^k or M / 10^k is computed
// in double-double (Dekker's exact products) with a relative error below 2^-100, and the
// nearest double is taken only when that error cannot cross a rounding boundary.
// test/unit/float.test.ts compares it with parseFloat on random, printed and near-halfway text.

const SPLIT = 134217729; // 2^27 + 1 (Veltkamp's split of a double into two 26-bit halves)
/** 10^0 … 10^22: every one exact as a double */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** a double's ulp by its biased exponent field: 2^-1074 for fields 0 and 1, doubling after */
const ULP = new Float64Array(2047);
ULP[0] = ULP[1] = Number.MIN_VALUE;
for (let e = 2; e < 2047; e++) ULP[e] = ULP[e - 1] * 2;
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
/** U32 index of the word holding sign and exponent */
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** the error bound: 2^-100 of the result (the arithmetic below stays within ~2^-104) */
const EPS = 2 ** -100;

// results of twoProd / fast2sum (module state: no object per call on the hot path)
let P = 0;
let E = 0;

/** a · b = P + E exactly (Dekker; a, b far from overflow and underflow). */
function twoProd(a: number, b: number): void {
  P = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  E = ah * bh - P + ah * bl + al * bh + al * bl;
}

/** a + b = P + E exactly, for |a| ≥ |b| (or a = 0). */
function fast2sum(a: number, b: number): void {
  P = a + b;
  E = b - (P - a);
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * The double of buf[s, e) as parseFloat reads its text, or NaN when this fast path does not
 * decide (the text is not a plain number, has more than 19 significant digits or a large
 * scale, or its value lies within the error bound of a rounding boundary).
 */
export function parseFloatBytes(buf: Uint8Array, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (i < e && (buf[i] === 45 || buf[i] === 43)) neg = buf[i++] === 45;
  let a = 0; // the first 15 significant digits
  let b = 0; // the next 4 at most
  let nb = 0; // digits in b
  let sig = 0; // significant digits
  let digits = 0; // digits of any kind
  let scale = 0; // the power of ten the digits are multiplied by
  let point = false;
  for (; i < e; i++) {
    const c = buf[i];
    if (isDigit(c)) {
      digits++;
      if (point) scale--;
      if (sig === 0 && c === 48) continue; // leading zero
      if (++sig <= 15) a = a * 10 + (c - 48);
      else if (sig <= 19) {
        b = b * 10 + (c - 48);
        nb++;
      } else return NaN;
    } else if (c === 46 && !point) point = true;
    else break;
  }
  if (digits === 0) return NaN;
  if (i < e) {
    // an exponent: [eE][+-]?digits, nothing after it
    if (buf[i] !== 101 && buf[i] !== 69) return NaN;
    i++;
    let eneg = false;
    if (i < e && (buf[i] === 45 || buf[i] === 43)) eneg = buf[i++] === 45;
    if (i >= e || e - i > 4) return NaN;
    let x = 0;
    for (; i < e; i++) {
      const c = buf[i];
      if (!isDigit(c)) return NaN;
      x = x * 10 + (c - 48);
    }
    scale += eneg ? -x : x;
  }
  if (sig === 0) return neg ? -0 : 0;
  if (scale < -22 || scale > 22) return NaN;
  // M = a · 10^nb + b exactly, as hi + lo (every term an integer below 2^64)
  twoProd(a, POW10[nb]);
  const pe = E;
  fast2sum(P, b); // P ≥ b: a has 15 digits whenever b has any
  fast2sum(P, E + pe);
  let hi = P;
  let lo = E;
  if (scale > 0) {
    // (hi + lo) · 10^scale: hi's product exact, lo's rounded (2^-53 of a 2^-53 part)
    const d = POW10[scale];
    twoProd(hi, d);
    const q = lo * d;
    fast2sum(P, E + q);
    hi = P;
    lo = E;
  } else if (scale < 0) {
    // (hi + lo) / 10^-scale: one quotient, its remainder exact (Dekker), a second quotient
    const d = POW10[-scale];
    const q1 = hi / d;
    twoProd(q1, d);
    const r = hi - P - E + lo;
    fast2sum(q1, r / d);
    hi = P;
    lo = E;
  }
  // hi (> 0) is the double nearest hi + lo; it is the nearest to the true value too unless
  // that may lie past a halfway point: ulp/2 away, or ulp/4 below a power of two
  F64[0] = hi;
  const w = U32[HI];
  const ulp = ULP[(w >>> 20) & 0x7ff];
  const room = lo < 0 && (w & 0xfffff) === 0 && U32[1 - HI] === 0 ? ulp / 4 : ulp / 2;
  if (Math.abs(lo) + EPS * 2 * hi >= room) return NaN;
  return neg ? -hi : hi;
}
