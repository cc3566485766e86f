// Temporal text → canonical text to the microsecond (R24–R30), with no time-zone dependence:
// pure string and integer arithmetic, never a JS Date. Engines pin their session time zone
// to UTC, so PostgreSQL timestamptz text ends in '+00'; any other offset is converted here.

const ZEROS = '000000';

/** 'HH:MM:SS[.f{1,6}]' → 'HH:MM:SS.ffffff' (hours may exceed 24 or be negative on MariaDB). */
export function normalizeTime(s: string): string {
  const dot = s.indexOf('.');
  if (dot < 0) return s + '.000000';
  const frac = s.length - dot - 1;
  return frac >= 6 ? s : s + ZEROS.slice(frac);
}

/**
 * 'YYYY-MM-DD HH:MM:SS[.f]' (+ ' BC' on PostgreSQL) → 'YYYY-MM-DD HH:MM:SS.ffffff[ BC]'.
 * 'infinity' and '-infinity' pass through unchanged.
 */
export function normalizeTimestamp(s: string): string {
  let bc = '';
  if (s.endsWith(' BC')) {
    bc = ' BC';
    s = s.slice(0, -3);
  }
  if (s.length < 10 || s.indexOf(':') < 0) return s + bc; // infinity
  return normalizeTime(s) + bc;
}

/**
 * PostgreSQL timestamptz text ('… HH:MM:SS[.f]+00[ BC]', any offset) or MariaDB
 * TIMESTAMP/DATETIME text read in UTC → the UTC wall-clock time 'YYYY-MM-DD HH:MM:SS.ffffff'.
 */
export function normalizeTimestamptz(s: string): string {
  let bc = false;
  if (s.endsWith(' BC')) {
    bc = true;
    s = s.slice(0, -3);
  }
  const colon = s.indexOf(':');
  if (colon < 0) return bc ? s + ' BC' : s; // infinity, -infinity
  // the offset starts at the first '+' or '-' after the time of day
  let off = -1;
  for (let i = colon; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 43 || c === 45) {
      off = i;
      break;
    }
  }
  if (off < 0) return normalizeTimestamp(bc ? s + ' BC' : s);
  const offset = s.slice(off);
  const local = s.slice(0, off);
  if (offset === '+00' || offset === '-00' || offset === '+00:00') {
    return normalizeTimestamp(bc ? local + ' BC' : local);
  }
  return shiftToUtc(local, offset, bc);
}

function shiftToUtc(local: string, offset: string, bc: boolean): string {
  const sign = offset.charCodeAt(0) === 45 ? -1 : 1;
  const parts = offset.slice(1).split(':');
  const offSec = sign * ((+parts[0] || 0) * 3600 + (+parts[1] || 0) * 60 + (+parts[2] || 0));
  const sp = local.indexOf(' ');
  const [ys, ms, ds] = local.slice(0, sp).split('-');
  const time = normalizeTime(local.slice(sp + 1));
  const [hh, mi, ssf] = time.split(':');
  const [ss, frac] = ssf.split('.');
  let year = +ys;
  if (bc) year = 1 - year; // astronomical numbering
  const days = daysFromCivil(year, +ms, +ds);
  let secs = days * 86400 + +hh * 3600 + +mi * 60 + +ss - offSec;
  const d = Math.floor(secs / 86400);
  secs -= d * 86400;
  const [y2, m2, d2] = civilFromDays(d);
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const sec = secs % 60;
  const outBc = y2 <= 0;
  const yy = outBc ? 1 - y2 : y2;
  const text =
    `${pad(yy, 4)}-${pad(m2, 2)}-${pad(d2, 2)} ${pad(h, 2)}:${pad(m, 2)}:${pad(sec, 2)}.${frac}`;
  return outBc ? text + ' BC' : text;
}

function pad(n: number, w: number): string {
  const s = String(n);
  return s.length >= w ? s : '0'.repeat(w - s.length) + s;
}

// Howard Hinnant's proleptic-Gregorian day arithmetic (valid for any year).
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [m <= 2 ? y + 1 : y, m, d];
}
