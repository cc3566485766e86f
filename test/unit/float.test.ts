// parseFloatBytes (src/canonical/float.ts) against parseFloat: it must give parseFloat's double
// or NaN (undecided: the caller parses the text), never another double. Random doubles as
// JavaScript, PostgreSQL and MariaDB print them, random digit strings, and text within a few
// units in the 19th digit of a halfway point between two doubles, where a wrong rounding shows.
import { describe, expect, test } from 'vitest';
import { parseFloatBytes } from '../../src/canonical/float';

/** xorshift32: reproducible */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/** a random finite double from random bits, its exponent field within [lo, hi] */
function randomDouble(r: () => number, lo = 1, hi = 2046): number {
  for (;;) {
    U32[0] = Math.floor(r() * 2 ** 32);
    U32[1] = (Math.floor(r() * 2 ** 20) | (Math.floor(lo + r() * (hi - lo + 1)) << 20)) >>> 0;
    if (r() < 0.5) U32[1] |= 0x80000000;
    if (Number.isFinite(F64[0])) return F64[0];
  }
}

interface Tally { decided: number; undecided: number }

/** parseFloatBytes of s, inside a larger buffer, is parseFloat(s) or NaN; counts which */
function check(s: string, t: Tally): void {
  const buf = Buffer.from(`\t${s}\n`, 'latin1');
  const got = parseFloatBytes(buf, 1, buf.length - 1);
  if (Number.isNaN(got)) {
    t.undecided++;
    return;
  }
  const want = parseFloat(s);
  if (!Object.is(got, want)) expect({ text: s, got }).toEqual({ text: s, got: want });
  t.decided++;
}

/** The exact decimal digits of a positive double: [digits, k] with value = digits · 10^-k. */
function exactDecimal(mant: bigint, exp2: number): [string, number] {
  if (exp2 >= 0) return [(mant << BigInt(exp2)).toString(), 0];
  return [(mant * 5n ** BigInt(-exp2)).toString(), -exp2];
}

/** a double's 53-bit integer mantissa and exponent: x = mant · 2^exp2 */
function split(x: number): [bigint, number] {
  F64[0] = x;
  const e = (U32[1] >>> 20) & 0x7ff;
  const m = (BigInt(U32[1] & 0xfffff) << 32n) | BigInt(U32[0]);
  return e === 0 ? [m, -1074] : [m | (1n << 52n), e - 1075];
}

describe('parseFloatBytes = parseFloat, or undecided', () => {
  test('edge text: signs, points, exponents, zeros, and what is not a plain number', () => {
    const t: Tally = { decided: 0, undecided: 0 };
    const texts = [
      '0', '-0', '+0', '0.0', '-0.000', '0e5', '.5', '5.', '-.5', '1e5', '1E+05', '1e-05', '1.5e+20', '-1.2345678901234567e+25',
      '00012.3400', '9007199254740992', '9007199254740993', '9007199254740993.0', '9007199254740992.5', '18014398509481985',
      '1e22', '1e23', '1e-22', '1e-23', '123456789012345678901', '1234567890123456789', '0.1', '0.2', '0.3', '2.2250738585072014e-308',
      '1.7976931348623157e+308', '5e-324', '4.9406564584124654e-324', '123.456e-3', '1.e3', '1.0E0', '1e0000',
      'NaN', 'Infinity', '-Infinity', 'inf', '', '-', '+', '.', 'e5', '1e', '1e+', '1e-', '1.2.3', '1e5x', ' 1', '1 ', '--1', '1e5.5', '0x10', '١',
    ];
    for (const s of texts) check(s, t);
    // what must be decided here: the plain forms with 17 digits or fewer and a small scale
    for (const s of ['0', '-0', '0.1', '1e5', '1E+05', '1e-05', '00012.3400', '.5', '5.', '-1.2345678901234567e+25', '1e22', '1e-22']) {
      const b = Buffer.from(s);
      expect(Number.isNaN(parseFloatBytes(b, 0, b.length)), s).toBe(false);
    }
    for (const s of ['NaN', 'Infinity', '', '-', '.', 'e5', '1e', '1.2.3', '1e5x', ' 1', '1e23', '123456789012345678901']) {
      const b = Buffer.from(s);
      expect(Number.isNaN(parseFloatBytes(b, 0, b.length)), s).toBe(true);
    }
  });

  test('200,000 random doubles as JavaScript, PostgreSQL (shortest, e+NN) and MariaDB print them; most of them decided', () => {
    const r = rng(7);
    const t: Tally = { decided: 0, undecided: 0 };
    for (let i = 0; i < 200_000; i++) {
      // exponents around 1e-7 … 1e16, where the engines print plain or short-exponent text
      const x = randomDouble(r, 1000, 1076);
      const js = String(x);
      check(js, t);
      check(x.toExponential(), t); // 1.2345e+25: PostgreSQL's form past 1e15
      check(js.replace('e', 'E'), t);
      check(x.toPrecision(1 + (i % 17)), t);
    }
    expect(t.decided).toBeGreaterThan(0.95 * (t.decided + t.undecided));
  });

  test('200,000 random digit strings: 1-19 digits, any point, exponents -30…30', () => {
    const r = rng(11);
    const t: Tally = { decided: 0, undecided: 0 };
    for (let i = 0; i < 200_000; i++) {
      const n = 1 + Math.floor(r() * 19);
      let d = '';
      for (let k = 0; k < n; k++) d += String(Math.floor(r() * 10));
      const at = Math.floor(r() * (n + 1));
      let s = (r() < 0.3 ? '-' : '') + d.slice(0, at) + (at < n || r() < 0.5 ? '.' : '') + d.slice(at);
      if (r() < 0.5) s += `e${Math.floor(r() * 61) - 30}`;
      check(s, t);
    }
    expect(t.decided).toBeGreaterThan(100_000);
  });

  test('exact ties: midpoints of doubles in [2^50, 2^53), 17-19 digits with 1-3 decimals; parseFloat rounds them to even', () => {
    const r = rng(17);
    const t: Tally = { decided: 0, undecided: 0 };
    for (let i = 0; i < 20_000; i++) {
      // x = q · 2^-2 … q · 2^0 with a 53-bit q: its midpoint has 1-3 decimals, exactly
      const bits = 1 + Math.floor(r() * 3); // 2^(53 - bits) <= x < 2^(54 - bits): ulp 2^(1 - bits)
      const q = (1n << 52n) + BigInt(Math.floor(r() * 2 ** 52));
      const mid = 2n * q + 1n; // in units of 2^-bits
      const scaled = mid * 5n ** BigInt(bits); // · 10^bits
      const txt = `${scaled / 10n ** BigInt(bits)}.${(scaled % 10n ** BigInt(bits)).toString().padStart(bits, '0')}`;
      check(txt, t);
      check(`-${txt}`, t);
    }
    expect(t.decided + t.undecided).toBe(40_000);
  });

  test('closer to a halfway point than double-double arithmetic can tell: left to parseFloat', () => {
    // M · 10^20 = t · 2^(J+20) ± 2^20 for an odd 54-bit t: 2^-108 from the midpoint of the
    // doubles (t ± 1) · 2^(J+20), below the arithmetic's error bound; M has 19 digits or fewer
    const five = 5n ** 20n;
    const inverse = (a: bigint, m: bigint): bigint => {
      let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
      while (r1) [r0, r1, s0, s1] = [r1, r0 % r1, s1, s0 - (r0 / r1) * s1];
      return ((s0 % m) + m) % m;
    };
    const t: Tally = { decided: 0, undecided: 0 };
    let cases = 0;
    for (let J = 50; J <= 56; J++) {
      const p = 1n << BigInt(J);
      for (const delta of [1n, -1n]) {
        // t · 2^J + delta ≡ 0 (mod 5^20)
        const t0 = (((-delta * inverse(p % five, five)) % five) + five) % five;
        for (let k = 0n, found = 0; found < 40 && k < 1000n; k++) {
          const tt = t0 + ((1n << 53n) / five + k) * five;
          if (tt % 2n === 0n || tt < 1n << 53n || tt >= 1n << 54n) continue;
          const M = (tt * p + delta) / five;
          if (M >= 10n ** 19n) continue;
          found++;
          cases++;
          check(`${M}e20`, t);
        }
      }
    }
    expect(cases).toBeGreaterThan(200);
    expect(t.undecided).toBe(cases);
  });

  test('near halfway: 17-19 digit text a few units from the midpoint of two neighbouring doubles', () => {
    const r = rng(13);
    const t: Tally = { decided: 0, undecided: 0 };
    for (let i = 0; i < 20_000; i++) {
      const x = Math.abs(randomDouble(r, 1000, 1076));
      const [m, e2] = split(x);
      // the midpoint between x and the next double up, exactly
      const [digits, k] = exactDecimal(2n * m + 1n, e2 - 1);
      for (const n of [17, 18, 19]) {
        if (digits.length <= n) continue;
        const head = BigInt(digits.slice(0, n));
        const exp = digits.length - n - k;
        for (const delta of [-2n, -1n, 0n, 1n, 2n]) check(`${head + delta}e${exp}`, t);
      }
      // the midpoint itself when it is short enough: a tie, parseFloat rounds to even
      if (digits.replace(/0+$/, '').length <= 19) check(`${digits.replace(/0+$/, '')}e${digits.length - digits.replace(/0+$/, '').length - k}`, t);
    }
    // most near-halfway text is still decided; some must be left to parseFloat
    expect(t.decided).toBeGreaterThan(t.undecided);
    expect(t.undecided).toBeGreaterThan(0);
  });
});
