// The fused row hasher (bench/README.md, finding 3; src/digest/fused.ts, which grew out of
// the prototype that lived here) against the reference path, on rows held in memory: every
// row's digest is checked identical first, then each path is timed (best of 3), so the
// figures are CPU only, without the read.
//
//   node dist/bench/fused-encoder.js [--table bench_pair_1000000] [--side source|target] [--rows 300000]
import { checkSchemas, withPairFamilies } from '../src/canonical';
import type { RawRow } from '../src/engines/engine';
import { openEngine } from '../src/engines/open';
import { makeEncoder } from '../src/digest/encode';
import { FusedRowHasher } from '../src/digest/fused';
import { RowHasher } from '../src/digest/row';
import { MY_URL, PG_URL } from '../scripts/fixtures';

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
  const fusedHasher = new FusedRowHasher(check.columns, side);
  const fused = (r: RawRow) => fusedHasher.digest(r);
  // identical digests, row by row
  for (const r of rows) {
    const d1 = Array.from(hasher.digest(encode(r).values));
    const out = fused(r);
    if (d1.some((w, i) => w !== out[i])) throw new Error(`digest differs for row ${JSON.stringify(r)}`);
  }
  const time = (fn: () => void) => {
    const t0 = performance.now();
    fn();
    return (performance.now() - t0) / 1000;
  };
  const best = (fn: () => void) => Math.min(time(fn), time(fn), time(fn));
  const cur = best(() => { for (const r of rows) hasher.digest(encode(r).values); });
  const fus = best(() => { for (const r of rows) fused(r); });
  const rate = (s: number) => Math.round(rows.length / s).toLocaleString('en');
  console.log(`${side} ${table}: ${rows.length.toLocaleString('en')} rows in memory, all digests identical`);
  console.log(`  current  makeEncoder + RowHasher.digest: ${cur.toFixed(2)} s = ${rate(cur)} rows/s`);
  console.log(`  fused    src/digest/fused.ts:           ${fus.toFixed(2)} s = ${rate(fus)} rows/s (${(cur / fus).toFixed(1)}x)`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
