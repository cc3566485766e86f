// A prototype for the profile's top finding (bench/README.md, "per-value Buffers"): encode a
// row's canonical values straight into one reusable buffer, length-prefixed exactly as
// RowHasher.digest lays them out, and hash that, instead of allocating a Buffer per value and
// copying it. Byte-for-byte the same input to murmur3 (the experiment checks every row), so
// the digests do not change. Families it does not special-case fall back to valueEncoder.
//
//   node dist/bench/fused-encoder.js [--table bench_pair_1000000] [--side source|target] [--rows 300000]
import { checkSchemas, isFloat32, normalizeDecimal, normalizeInt, normalizeTimestamp, normalizeTimestamptz, TAG, valueEncoder, withPairFamilies } from '../src/canonical';
import type { ColumnPair } from '../src/core/types';
import type { RawRow } from '../src/engines/engine';
import { openEngine } from '../src/engines/open';
import { makeEncoder } from '../src/digest/encode';
import { murmur3x86_128 } from '../src/digest/murmur3';
import { RowHasher } from '../src/digest/row';
import { MY_URL, PG_URL } from '../scripts/fixtures';

type Raw = string | Buffer;
type Writer = (raw: Raw, buf: Buffer, o: number) => number; // writes tag + body at o, returns end

const text = (raw: Raw) => (typeof raw === 'string' ? raw : raw.toString('utf8'));

function textWriter(tag: number, canon: (s: string) => string | undefined, fallback: (raw: Raw) => Buffer): Writer {
  return (raw, buf, o) => {
    const c = canon(text(raw));
    if (c === undefined) return o + fallback(raw).copy(buf, o);
    buf[o] = tag;
    return o + 1 + buf.write(c, o + 1, 'utf8');
  };
}

function writerFor(p: ColumnPair, side: 'source' | 'target'): Writer {
  const col = p[side];
  const slow = valueEncoder(p.family, col);
  const copySlow: Writer = (raw, buf, o) => o + slow(raw).copy(buf, o);
  switch (p.family) {
    case 'int':
      return textWriter(TAG.INT, normalizeInt, slow);
    case 'decimal':
      return textWriter(TAG.DECIMAL, normalizeDecimal, slow);
    case 'text':
      return textWriter(TAG.TEXT, (s) => s, slow);
    case 'uuid':
      return textWriter(TAG.UUID, (s) => s, slow);
    case 'date':
      return textWriter(TAG.DATE, (s) => s, slow);
    case 'timestamp':
      return textWriter(TAG.TIMESTAMP, normalizeTimestamp, slow);
    case 'timestamptz':
      return textWriter(TAG.TIMESTAMPTZ, normalizeTimestamptz, slow);
    case 'float': {
      if (isFloat32(col)) return copySlow;
      return (raw, buf, o) => {
        const s = text(raw);
        let v = parseFloat(s);
        if (!Number.isFinite(v) || !/^[-+0-9.eE]+$/.test(s)) return copySlow(raw, buf, o);
        if (v === 0) v = 0;
        buf[o] = TAG.FLOAT;
        buf.writeDoubleBE(v, o + 1);
        return o + 9;
      };
    }
    case 'bool':
      return (raw, buf, o) => {
        const s = text(raw);
        const bit = s === 't' || s === 'true' || s === '1' ? 49 : s === 'f' || s === 'false' || s === '0' ? 48 : 0;
        if (!bit) return copySlow(raw, buf, o);
        buf[o] = TAG.BOOL;
        buf[o + 1] = bit;
        return o + 2;
      };
    default:
      return copySlow;
  }
}

/** Hashes a raw row into out, like makeEncoder + RowHasher.digest, without per-value Buffers. */
export function makeFusedHasher(pairs: ColumnPair[], side: 'source' | 'target'): (row: RawRow, out: Uint32Array) => void {
  const writers = pairs.map((p) => writerFor(p, side));
  let buf = Buffer.allocUnsafe(1 << 16);
  return (row, out) => {
    // worst case: every UTF-16 unit as 3 bytes, plus tag and prefix
    let need = 0;
    for (const v of row) need += 8 + (v === null ? 0 : v.length * 3);
    if (need > buf.length) buf = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
    let o = 0;
    for (let i = 0; i < writers.length; i++) {
      const v = row[i];
      const start = o + 4;
      const end = v === null || v === undefined ? ((buf[start] = TAG.NULL), start + 1) : writers[i](v, buf, start);
      buf.writeUInt32LE(end - start, o);
      o = end;
    }
    murmur3x86_128(buf, o, 0x70617269, out);
  };
}

async function main() {
  const a = process.argv.slice(2);
  const get = (k: string, d: string) => (a.includes(k) ? a[a.indexOf(k) + 1] : d);
  const table = get('--table', 'bench_pair_1000000');
  const side = get('--side', 'source') as 'source' | 'target';
  const limit = Number(get('--rows', '300000'));
  const urls = { source: PG_URL, target: MY_URL };
  const engines = { source: await openEngine(PG_URL, { applicationName: 'parity:bench' }), target: await openEngine(MY_URL, { applicationName: 'parity:bench' }) };
  const [ss, ts] = await Promise.all([engines.source.introspect(table), engines.target.introspect(table)]);
  const check = checkSchemas(ss, ts);
  const schema = withPairFamilies(side === 'source' ? ss : ts, check.columns);
  const rows: RawRow[] = [];
  for await (const b of engines[side].scan({ schema, columns: check.columns.map((p) => p[side].name), range: {}, fetchSize: 5000 })) {
    rows.push(...b);
    if (rows.length >= limit) break;
  }
  await engines.source.close();
  await engines.target.close();
  void urls;
  const encode = makeEncoder(check.columns, side);
  const hasher = new RowHasher();
  const fused = makeFusedHasher(check.columns, side);
  const out = new Uint32Array(4);
  // identical digests, row by row
  for (const r of rows) {
    const d1 = Array.from(hasher.digest(encode(r).values));
    fused(r, out);
    if (d1.some((w, i) => w !== out[i])) throw new Error(`digest differs for row ${JSON.stringify(r)}`);
  }
  const time = (fn: () => void) => {
    const t0 = performance.now();
    fn();
    return (performance.now() - t0) / 1000;
  };
  const best = (fn: () => void) => Math.min(time(fn), time(fn), time(fn));
  const cur = best(() => { for (const r of rows) hasher.digest(encode(r).values); });
  const fus = best(() => { for (const r of rows) fused(r, out); });
  const rate = (s: number) => Math.round(rows.length / s).toLocaleString('en');
  console.log(`${side} ${table}: ${rows.length.toLocaleString('en')} rows in memory, all digests identical`);
  console.log(`  current  makeEncoder + RowHasher.digest: ${cur.toFixed(2)} s = ${rate(cur)} rows/s`);
  console.log(`  fused    one scratch buffer per row:     ${fus.toFixed(2)} s = ${rate(fus)} rows/s (${(cur / fus).toFixed(1)}x)`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
