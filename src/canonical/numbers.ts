// Exact integer and decimal text normalization (R3, R10, R10a, R12, R13). Pure string work:
// values never pass through Number or floating point.

const C0 = 48; // '0'
const C9 = 57; // '9'
const MINUS = 45; // '-'
const PLUS = 43; // '+'
const DOT = 46; // '.'

function isDigit(c: number): boolean {
  return c >= C0 && c <= C9;
}

/**
 * Integer text in plain base 10 without leading zeros or '+', '-0' → '0'. Text the drivers
 * deliver is already in this form, so the common case returns its input untouched.
 * Returns undefined when the text is not an integer.
 */
export function normalizeInt(s: string): string | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  let c = s.charCodeAt(0);
  // fast path: "0", "[1-9]…", "-[1-9]…"
  if (c > C0 && c <= C9) {
    for (let i = 1; i < n; i++) if (!isDigit(s.charCodeAt(i))) return undefined;
    return s;
  }
  let i = 0;
  let neg = false;
  if (c === MINUS || c === PLUS) {
    neg = c === MINUS;
    i = 1;
    if (n === 1) return undefined;
  }
  let start = i;
  while (start < n - 1 && s.charCodeAt(start) === C0) start++;
  for (let j = start; j < n; j++) {
    c = s.charCodeAt(j);
    if (!isDigit(c)) return undefined;
  }
  const digits = start === 0 ? s : s.slice(start);
  if (digits === '0') return '0';
  return neg ? '-' + digits : digits;
}

/**
 * Decimal text in plain notation: no exponent, no leading integer zeros, no trailing
 * fractional zeros, no '.' when the fraction is empty, '-0' → '0' (R10a, R13).
 * Accepts an optional exponent. Returns undefined when the text is not a finite decimal
 * (e.g. PostgreSQL's 'NaN', 'Infinity').
 */
export function normalizeDecimal(s: string): string | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === MINUS || c0 === PLUS) {
    neg = c0 === MINUS;
    i = 1;
  }
  let intStart = i;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  let intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (i < n && s.charCodeAt(i) === DOT) {
    i++;
    fracStart = i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    fracEnd = i;
  }
  if (intEnd === intStart && fracEnd === fracStart) return undefined;
  if (i < n) {
    const e = s.charCodeAt(i);
    if (e !== 101 && e !== 69) return undefined; // e E
    const m = decimalParts(s);
    if (!m) return undefined;
    return plainFromParts(m.neg, m.digits, m.exp);
  }
  while (intStart < intEnd - 1 && s.charCodeAt(intStart) === C0) intStart++;
  while (fracEnd > fracStart && s.charCodeAt(fracEnd - 1) === C0) fracEnd--;
  let intPart = intEnd > intStart ? s.slice(intStart, intEnd) : '0';
  if (intPart.length > 1 && intPart.charCodeAt(0) === C0) intPart = '0';
  const frac = s.slice(fracStart, fracEnd);
  if (intPart === '0' && frac.length === 0) return '0';
  const body = frac.length ? intPart + '.' + frac : intPart;
  return neg ? '-' + body : body;
}

export interface DecimalParts {
  neg: boolean;
  /** significant digits without leading or trailing zeros; '' for zero */
  digits: string;
  /** value = digits × 10^exp; a bigint once the exponent leaves the safe range */
  exp: number | bigint;
}

/**
 * Splits JSON-style number text (-?digits(.digits)?([eE][+-]?digits)?) into exact parts.
 * Also accepts a leading '+' and forms like '.5' / '5.'. Undefined when not a number.
 */
export function decimalParts(s: string): DecimalParts | undefined {
  const n = s.length;
  let i = 0;
  let neg = false;
  if (i < n && (s.charCodeAt(i) === MINUS || s.charCodeAt(i) === PLUS)) {
    neg = s.charCodeAt(i) === MINUS;
    i++;
  }
  const intStart = i;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (i < n && s.charCodeAt(i) === DOT) {
    i++;
    fracStart = i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    fracEnd = i;
  }
  if (intEnd === intStart && fracEnd === fracStart) return undefined;
  let exp: number | bigint = 0;
  if (i < n) {
    const e = s.charCodeAt(i);
    if (e !== 101 && e !== 69) return undefined;
    i++;
    let eneg = false;
    if (i < n && (s.charCodeAt(i) === MINUS || s.charCodeAt(i) === PLUS)) {
      eneg = s.charCodeAt(i) === MINUS;
      i++;
    }
    const es = i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    if (i === es || i !== n) return undefined;
    const etext = s.slice(es, i);
    exp = etext.length > 15 ? BigInt(etext) : Number(etext);
    if (eneg) exp = typeof exp === 'bigint' ? -exp : -exp;
  }
  let digits = s.slice(intStart, intEnd) + s.slice(fracStart, fracEnd);
  const fracLen = fracEnd - fracStart;
  let lead = 0;
  while (lead < digits.length && digits.charCodeAt(lead) === C0) lead++;
  let trail = digits.length;
  while (trail > lead && digits.charCodeAt(trail - 1) === C0) trail--;
  const trailingZeros = digits.length - trail;
  digits = digits.slice(lead, trail);
  if (digits.length === 0) return { neg: false, digits: '', exp: 0 };
  const shift = trailingZeros - fracLen;
  if (typeof exp === 'bigint') exp = exp + BigInt(shift);
  else {
    exp = exp + shift;
    if (!Number.isSafeInteger(exp)) exp = BigInt(exp);
  }
  return { neg, digits, exp };
}

/** Exact, injective text for a number: '0' or '[-]digitsE<exp>' (used for JSON, R22). */
export function canonicalNumberKey(p: DecimalParts): string {
  if (p.digits.length === 0) return '0';
  return (p.neg ? '-' : '') + p.digits + 'E' + String(p.exp);
}

function plainFromParts(neg: boolean, digits: string, exp: number | bigint): string | undefined {
  if (digits.length === 0) return '0';
  if (typeof exp === 'bigint' || Math.abs(exp) > 100000) return undefined; // absurd; not a column value
  let body: string;
  if (exp >= 0) body = digits + '0'.repeat(exp);
  else {
    const point = digits.length + exp;
    body = point > 0 ? digits.slice(0, point) + '.' + digits.slice(point) : '0.' + '0'.repeat(-point) + digits;
  }
  return neg ? '-' + body : body;
}

/**
 * Numeric order of two normalized integer texts (normalizeInt output), exact at any size.
 */
export function compareIntText(a: string, b: string): number {
  if (a === b) return 0;
  const an = a.charCodeAt(0) === MINUS;
  const bn = b.charCodeAt(0) === MINUS;
  if (an !== bn) return an ? -1 : 1;
  let r: number;
  if (a.length !== b.length) r = a.length < b.length ? -1 : 1;
  else r = a < b ? -1 : 1; // same length, ASCII digits: string order is numeric order
  return an ? -r : r;
}

/** Numeric order of two normalized plain decimals (normalizeDecimal output). */
export function compareDecimalText(a: string, b: string): number {
  if (a === b) return 0;
  const an = a.charCodeAt(0) === MINUS;
  const bn = b.charCodeAt(0) === MINUS;
  if (an !== bn) return an ? -1 : 1;
  const ai = an ? 1 : 0;
  const bi = bn ? 1 : 0;
  let ad = a.indexOf('.', ai);
  let bd = b.indexOf('.', bi);
  if (ad < 0) ad = a.length;
  if (bd < 0) bd = b.length;
  let r = 0;
  const al = ad - ai;
  const bl = bd - bi;
  if (al !== bl) r = al < bl ? -1 : 1;
  else {
    const aInt = a.slice(ai, ad);
    const bInt = b.slice(bi, bd);
    if (aInt !== bInt) r = aInt < bInt ? -1 : 1;
    else {
      const af = a.slice(ad + 1);
      const bf = b.slice(bd + 1);
      // no trailing zeros, so plain string order of the fractions is numeric order
      r = af === bf ? 0 : af < bf ? -1 : 1;
    }
  }
  return an ? -r : r;
}
