// The fused digest path (src/digest/fused.ts, valueWriter in src/canonical/encode.ts) must
// give exactly the bytes and digests of the reference path (valueEncoder / makeEncoder +
// RowHasher): every family, both sides' column shapes, hostile values, masking, NULLs, rows
// wider than the scratch buffer. Values are random (seeded) plus a fixed list of edge cases.

import { describe, expect, test } from 'vitest';
import { CanonicalSink, valueEncoder, valueWriter, type RawScalar } from '../../src/canonical/encode';
import { byteWriter } from '../../src/canonical/bytes';
import type { ColumnInfo, ColumnPair, Family } from '../../src/core/types';
import type { RawRow } from '../../src/engines/engine';
import { makeEncoder } from '../../src/digest/encode';
import { FusedRowHasher, REFERENCE_ENV } from '../../src/digest/fused';
import { SegmentAccumulator } from '../../src/digest/partition';
import { RowHasher } from '../../src/digest/row';
import { rng } from '../../scripts/fixtures';

const FAMILIES: Family[] = ['int', 'decimal', 'float', 'bool', 'text', 'char', 'binary', 'uuid', 'json', 'date', 'time', 'timestamp', 'timestamptz', 'enum', 'unsupported'];

/** Column shapes per family: both engines' spellings, float32 included (Math.fround path). */
function columnsFor(f: Family): ColumnInfo[] {
  const c = (nativeType: string): ColumnInfo => ({ name: 'v', nativeType, family: f, nullable: true });
  switch (f) {
    case 'float':
      return [c('double precision'), c('double'), c('real'), c('float')];
    case 'bool':
      return [c('boolean'), c('tinyint(1)')];
    case 'char':
      return [c('character(6)'), c('char(6)')];
    default:
      return [c('text')];
  }
}

const ASTRAL = '\u{1F600}\u{10FFFF}'; // 4-byte UTF-8 characters
const EDGE_TEXT = [
  '', ' ', '  ', 'a', 'ab  ', '  ab', 'straße', 'é', 'e\u0301', ASTRAL, 'x' + ASTRAL + 'y', '\u0000', 'a\u0000b',
  '\ud800', 'a\udc00', '\udbff\udfff', '\ufffd', 'x'.repeat(64), 'x'.repeat(65), 'é'.repeat(64), 'x'.repeat(63) + 'é',
  'x'.repeat(70_000), ASTRAL.repeat(20_000),
];
const EDGE_NUM = [
  '0', '-0', '+0', '00', '007', '-007', '1', '-1', '+5', '9223372036854775807', '-9223372036854775808', '18446744073709551615',
  '1.5', '1.50', '-0.00', '0.0001000', '.5', '5.', '1e3', '1.5E-3', '-1e+2', 'NaN', 'Infinity', '-Infinity', 'inf', '0x10',
  '1,5', '', '-', '+', '1.2.3', '5e', '2.220446049250313e-16', '1.7976931348623157e308', '4.9e-324', '3.4028235e38', '16777217',
  '0.1', '-0.0', '1e400', ' 1', '1 ',
  // the fused decimal prefix path: trailing zeros, bare dots, zero with and without a sign
  '1.2300', '-1.2300', '0.500', '-0.500', '100.000', '5.000', '-5.000', '0.000', '-0.000', '-0.', '0.', '-5.', '10', '-10',
  '１.5', '1.5０', '12345678901234567890.1234567890000',
];
const EDGE_BOOL = ['t', 'f', 'true', 'false', '1', '0', '2', '-1', '01', 'T', 'yes', ''];
const EDGE_JSON = ['{}', '[]', 'null', '1', '"1"', '{"b":2,"a":1}', '{ "a" : [1, 2.50, 1e2] }', '"\\u00e9"', '"\\ud83d\\ude00"', '{"a":"' + ASTRAL + '"}', 'not json', '', '{"a":', '"x' + 'y'.repeat(70_000) + '"'];
const EDGE_TIME = [
  '13:45:00', '13:45:00.25', '13:45:00.123456', '838:59:59', '-838:59:59.000001', '00:00:00.1234567', '24:00:00',
  '2024-01-01', '0000-00-00', '0001-01-01 BC', 'infinity', '-infinity', '12345-01-01',
  '2024-01-01 12:00:00', '2024-01-01 12:00:00.5', '2024-01-01 12:00:00.123456', '0000-00-00 00:00:00', '0044-03-15 12:00:00 BC',
  '2024-01-01 00:00:00+00', '2024-01-01 05:30:00+05:30', '2024-01-01 00:00:00.999999-08', '2024-01-01 00:00:00+00:00', '0001-01-01 00:30:00+01 BC',
  '2024-02-29 23:59:59.999999+14', '1970-01-01 00:00:00-00', '9999-12-31 23:59:59.999999-12:45:10',
  // the fused wall-clock prefix path and what must not take it
  '2024-01-01 12:00:00.5 BC', '2024-01-01 12:00:00.5+00', '2024-01-01 12:00:00.123456+00', '2024-01-01 12:00:00+00 BC',
  '2024-01-01 12:00:00.12+00 BC', '2024-01-01 12:00:00.', '2024-01-01 12:00:00.+00', '2024-01-01 12:00:00.1234567+00',
  '2024-01-01 12:00:00.5+05', '2024-01-01T12:00:00.5+00', '2024-01-01 12:00:00.1x+00', '2024-01-01 12:00:00.１+00',
];
const EDGE_BYTES: RawScalar[] = [
  '\\x', '\\x00', '\\x0000ff00', '\\xdeadbeef', '\\x' + 'ab'.repeat(40_000), 'plain', '',
  Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 0xff, 0, 0x80]), Buffer.alloc(70_000, 0x41),
];

function randomText(r: () => number): string {
  const n = Math.floor(r() * (r() < 0.1 ? 300 : 40));
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.6) s += String.fromCharCode(32 + Math.floor(r() * 95));
    else if (k < 0.75) s += String.fromCharCode(0x80 + Math.floor(r() * 0x700));
    else if (k < 0.85) s += String.fromCharCode(0x800 + Math.floor(r() * 0xd000));
    else if (k < 0.95) s += String.fromCodePoint(0x10000 + Math.floor(r() * 0xfffff));
    else s += k < 0.97 ? '\u0000' : ' ';
  }
  return s;
}

function randomNumber(r: () => number): string {
  const k = r();
  if (k < 0.3) return String(Math.floor((r() - 0.5) * 2 ** 31));
  if (k < 0.5) return (r() < 0.5 ? '-' : '') + String(Math.floor(r() * 1e9)) + '.' + String(Math.floor(r() * 1e6)).padStart(6, '0');
  if (k < 0.7) return String((r() - 0.5) * 10 ** Math.floor(r() * 40 - 20));
  if (k < 0.8) return (r() - 0.5).toExponential(Math.floor(r() * 17));
  return EDGE_NUM[Math.floor(r() * EDGE_NUM.length)];
}

function randomTemporal(r: () => number): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const date = `${p(1 + Math.floor(r() * 9999), 4)}-${p(1 + Math.floor(r() * 12))}-${p(1 + Math.floor(r() * 28))}`;
  const frac = r() < 0.5 ? '' : '.' + String(Math.floor(r() * 1e6)).slice(0, 1 + Math.floor(r() * 6));
  const time = `${p(Math.floor(r() * 24))}:${p(Math.floor(r() * 60))}:${p(Math.floor(r() * 60))}${frac}`;
  const k = r();
  if (k < 0.15) return time;
  if (k < 0.3) return date;
  const off = r() < 0.5 ? '+00' : `${r() < 0.5 ? '+' : '-'}${p(Math.floor(r() * 15))}${r() < 0.5 ? ':' + p(Math.floor(r() * 60)) : ''}`;
  const bc = r() < 0.05 ? ' BC' : '';
  return k < 0.6 ? `${date} ${time}${bc}` : `${date} ${time}${off}${bc}`;
}

function randomBytes(r: () => number): RawScalar {
  const n = Math.floor(r() * 50);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = r() < 0.2 ? 0 : Math.floor(r() * 256);
  return r() < 0.5 ? b : '\\x' + b.toString('hex');
}

/** A random non-NULL raw value a driver could deliver for this family. */
function randomValue(f: Family, r: () => number): RawScalar {
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const v = ((): RawScalar => {
    switch (f) {
      case 'int':
      case 'decimal':
      case 'float':
        return randomNumber(r);
      case 'bool':
        return r() < 0.8 ? pick(EDGE_BOOL) : randomNumber(r);
      case 'binary':
        return r() < 0.1 ? pick(EDGE_BYTES) : randomBytes(r);
      case 'json':
        return r() < 0.5 ? pick(EDGE_JSON.slice(0, -1)) : JSON.stringify({ k: randomText(r), n: Number(randomNumber(r)) || 0, a: [r() < 0.5, null] });
      case 'date':
      case 'time':
      case 'timestamp':
      case 'timestamptz':
        return r() < 0.3 ? pick(EDGE_TIME) : randomTemporal(r);
      case 'uuid':
        return r() < 0.5 ? '0e3c9c2a-5b4e-4d4b-9f3a-1c2d3e4f5a6b' : randomText(r);
      default:
        return r() < 0.2 ? pick(EDGE_TEXT.slice(0, -2)) : randomText(r);
    }
  })();
  // drivers sometimes hand text columns over as Buffers (binary collations)
  return typeof v === 'string' && f !== 'binary' && r() < 0.05 ? Buffer.from(v, 'utf8') : v;
}

function edgeValues(f: Family): RawScalar[] {
  switch (f) {
    case 'int':
    case 'decimal':
    case 'float':
      return [...EDGE_NUM, ...EDGE_TEXT];
    case 'bool':
      return [...EDGE_BOOL, ...EDGE_NUM];
    case 'binary':
      return EDGE_BYTES;
    case 'json':
      return [...EDGE_JSON, ...EDGE_TEXT];
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return [...EDGE_TIME, ...EDGE_TEXT.slice(0, 12)];
    default:
      return [...EDGE_TEXT, ...EDGE_NUM.slice(0, 5), Buffer.from(ASTRAL, 'utf8')];
  }
}

describe('valueWriter = valueEncoder, byte for byte', () => {
  for (const f of FAMILIES) {
    test(`${f}: edge cases and 3000 random values, every column shape, small and default scratch`, () => {
      const r = rng(FAMILIES.indexOf(f) + 1);
      const values = [...edgeValues(f)];
      for (let i = 0; i < 3000; i++) values.push(randomValue(f, r));
      let compared = 0;
      for (const col of columnsFor(f)) {
        const enc = valueEncoder(f, col);
        const wr = valueWriter(f, col);
        // a 1-byte scratch forces a grow on every value; the default one keeps its prefix
        for (const sink of [new CanonicalSink(1), new CanonicalSink()]) {
          for (const v of values) {
            const want = enc(v);
            // something before the value, which a grow must keep
            sink.o = 0;
            sink.bytes(Buffer.from('PRE'));
            wr(v, sink);
            const got = sink.buf.subarray(3, sink.o);
            if (!got.equals(want)) expect({ family: f, type: col.nativeType, value: String(v).slice(0, 80), got: got.toString('hex').slice(0, 200) }).toEqual({ family: f, type: col.nativeType, value: String(v).slice(0, 80), got: want.toString('hex').slice(0, 200) });
            expect(sink.buf.subarray(0, 3).toString()).toBe('PRE');
            compared++;
          }
        }
      }
      expect(compared).toBeGreaterThan(6000);
    });
  }
});

describe('byteWriter (PostgreSQL COPY bytes) = valueWriter (strings), byte for byte', () => {
  for (const f of FAMILIES) {
    test(`${f}: edge cases and 3000 random values as UTF-8 text, inside a larger buffer`, () => {
      const r = rng(FAMILIES.indexOf(f) + 101);
      const values: string[] = [];
      // the text forms PostgreSQL writes for these families, beside every edge value
      const pgText = ['t', 'f', '2024-02-29 23:59:59+00', '2024-02-29 23:59:59.5+00', '2024-02-29 23:59:59.123456+00', '2024-02-29 23:59:59.123456', '0044-03-15 12:00:00 BC', '0044-03-15 12:00:00+00 BC', '2024-01-01 00:00:00+05:30', 'infinity', '-infinity', '12345-01-01 00:00:00+00', '2024-01-01 00:00:00.+00', '2024-01-01 00:00:00.1234567+00'];
      for (const v of [...edgeValues(f), ...pgText]) if (typeof v === 'string') values.push(v);
      for (let i = 0; i < 3000; i++) {
        const v = randomValue(f, r);
        if (typeof v === 'string') values.push(v);
      }
      let compared = 0;
      for (const col of columnsFor(f)) {
        const wr = valueWriter(f, col);
        const bw = byteWriter(f, col);
        for (const sink of [new CanonicalSink(1), new CanonicalSink()]) {
          for (const v of values) {
            // the value between other bytes, as a COPY field sits in its chunk
            const bytes = Buffer.from('\t' + v + '\n', 'utf8');
            sink.o = 0;
            wr(v, sink);
            const want = Buffer.from(sink.buf.subarray(0, sink.o));
            sink.o = 0;
            sink.bytes(Buffer.from('PRE'));
            // every other value through the sink's DataView copy (digestBytes names the source)
            if (compared % 2) sink.source(bytes);
            bw(bytes, 1, bytes.length - 1, sink);
            const got = sink.buf.subarray(3, sink.o);
            if (!got.equals(want)) expect({ family: f, type: col.nativeType, value: v.slice(0, 80), got: got.toString('hex').slice(0, 200) }).toEqual({ family: f, type: col.nativeType, value: v.slice(0, 80), got: want.toString('hex').slice(0, 200) });
            expect(sink.buf.subarray(0, 3).toString()).toBe('PRE');
            compared++;
          }
        }
      }
      expect(compared).toBeGreaterThan(3000);
    });
  }
});

describe('CanonicalSink.taggedRange', () => {
  test('four bytes at a time through DataViews = the byte loop, every length 0-100 at every offset of source and sink', () => {
    const src = Buffer.from(Array.from({ length: 140 }, (_, i) => (i * 37 + 11) & 0xff));
    for (let n = 0; n <= 100; n++) {
      for (let s = 0; s < 8; s++) {
        for (let o = 0; o < 8; o++) {
          const want = Buffer.concat([Buffer.alloc(o, 0xee), Buffer.from([7]), src.subarray(s, s + n), Buffer.from('.000')]);
          for (const named of [false, true]) {
            const sink = new CanonicalSink(1);
            if (named) sink.source(src);
            sink.bytes(Buffer.alloc(o, 0xee));
            sink.taggedRange(7, src, s, s + n, 3, true);
            expect(sink.buf.subarray(0, sink.o)).toEqual(want);
          }
        }
      }
    }
  });
});

function pair(name: string, family: Family, isKey: boolean, mask?: 'tokenize'): ColumnPair {
  const [src, tgt] = [columnsFor(family)[0], columnsFor(family)[columnsFor(family).length - 1]];
  return { name, family, isKey, source: { ...src, name }, target: { ...tgt, name }, ...(mask ? { mask } : {}) };
}

/** id key, then every family once, then every family masked */
function widePairs(): ColumnPair[] {
  return [pair('id', 'int', true), ...FAMILIES.map((f) => pair(`c_${f}`, f, false)), ...FAMILIES.map((f) => pair(`m_${f}`, f, false, 'tokenize'))];
}

function randomRows(pairs: ColumnPair[], n: number, seed: number): RawRow[] {
  const r = rng(seed);
  const rows: RawRow[] = [];
  for (let i = 0; i < n; i++) {
    rows.push(pairs.map((p, j) => (j === 0 ? String(i * 3) : r() < 0.15 ? null : randomValue(p.family, r))));
  }
  return rows;
}

const MASK_KEY = Buffer.from('fused-test-mask-key');

describe('FusedRowHasher = makeEncoder + RowHasher', () => {
  test('random rows of every family, plain and masked (tokenize), NULLs in every column, both sides', () => {
    const pairs = widePairs();
    const rows = randomRows(pairs, 2000, 42);
    // one row of all NULLs (the key aside), one of empty strings, one past 64 KiB
    rows.push(pairs.map((_, j) => (j === 0 ? '7' : null)));
    rows.push(pairs.map((_, j) => (j === 0 ? '8' : '')));
    rows.push(pairs.map((p, j) => (j === 0 ? '9' : p.family === 'binary' ? Buffer.alloc(20_000, 0) : 'é' + ASTRAL.repeat(5_000))));
    for (const side of ['source', 'target'] as const) {
      const ref = makeEncoder(pairs, side, MASK_KEY);
      const hasher = new RowHasher();
      for (const scratch of [8, 1 << 16]) {
        const fused = new FusedRowHasher(pairs, side, MASK_KEY, scratch);
        for (const row of rows) {
          const want = ref(row);
          const d = Array.from(hasher.digest(want.values));
          expect(Array.from(fused.digest(row)), `${side} row ${row[0]}`).toEqual(d);
          expect(fused.key(row)).toEqual(want.key);
        }
      }
    }
  });

  test('a masked column changes the digest with the key (so the token, not the plain value, is hashed)', () => {
    const pairs = [pair('id', 'int', true), pair('secret', 'text', false, 'tokenize')];
    const row: RawRow = ['1', 'alice'];
    const a = Array.from(new FusedRowHasher(pairs, 'source', MASK_KEY).digest(row));
    const b = Array.from(new FusedRowHasher(pairs, 'source', Buffer.from('another key')).digest(row));
    expect(a).not.toEqual(b);
    const plain = Array.from(new FusedRowHasher([pairs[0], { ...pairs[1], mask: undefined }], 'source').digest(row));
    expect(a).not.toEqual(plain);
  });

  test('masked column without a key: the same refusal as makeEncoder', () => {
    const pairs = [pair('id', 'int', true), pair('secret', 'text', false, 'tokenize')];
    expect(() => makeEncoder(pairs, 'source')).toThrow(/masking key/);
    expect(() => new FusedRowHasher(pairs, 'source')).toThrow(/masking key/);
  });
});

describe('SegmentAccumulator: fused (default) = reference path', () => {
  test('same segment sums, counts and last key; resuming from a checkpoint of either path agrees', () => {
    const pairs = widePairs();
    const rows = randomRows(pairs, 1500, 7);
    const inner = [['300'], ['301'], ['2400'], ['4000']];
    const task = { pairs, side: 'source' as const, maskKey: MASK_KEY.toString('hex'), inner, segFrom: 5 };
    const fused = new SegmentAccumulator(task);
    const ref = new SegmentAccumulator(task, { reference: true });
    for (const r of rows) {
      fused.add(r);
      ref.add(r);
    }
    const s = fused.snapshot();
    expect(s).toEqual(ref.snapshot());
    expect(s.segments.map((x) => x.i)).toEqual([5, 6, 7, 8, 9]);
    expect(s.rows).toBe(1500);
    // split at row 600: checkpoint from the reference path, resume on the fused one
    const a = new SegmentAccumulator(task, { reference: true });
    for (const r of rows.slice(0, 600)) a.add(r);
    const b = new SegmentAccumulator({ ...task, checkpoint: a.snapshot() });
    for (const r of rows.slice(600)) b.add(r);
    expect(b.snapshot()).toEqual(s);
  });

  test(`${REFERENCE_ENV}=1 selects the reference path and still agrees`, () => {
    const pairs = widePairs().slice(0, FAMILIES.length + 1);
    const rows = randomRows(pairs, 300, 9);
    const task = { pairs, side: 'target' as const, inner: [['450']], segFrom: 0 };
    const prev = process.env[REFERENCE_ENV];
    process.env[REFERENCE_ENV] = '1';
    let viaEnv;
    try {
      viaEnv = new SegmentAccumulator(task);
    } finally {
      if (prev === undefined) delete process.env[REFERENCE_ENV];
      else process.env[REFERENCE_ENV] = prev;
    }
    const fused = new SegmentAccumulator(task);
    expect((viaEnv as unknown as { fused?: unknown }).fused).toBeUndefined();
    expect((fused as unknown as { fused?: unknown }).fused).toBeDefined();
    for (const r of rows) {
      viaEnv.add(r);
      fused.add(r);
    }
    expect(fused.snapshot()).toEqual(viaEnv.snapshot());
  });
});
