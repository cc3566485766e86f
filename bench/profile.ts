// Profiles the extract path without Temporal: one side of a bench table read, encoded and
// hashed in this process, in steps, each timed (one process per side and step), optionally
// under node --cpu-prof:
//   scan       the engine's scan only
//   encode     scan + reference encoding and hashing (makeEncoder + RowHasher, as refinement)
//   fused      scan + the fused row hasher (src/digest/fused.ts)
//   digestref  the real digestPartition forced onto the reference path (PARITY_DIGEST_REFERENCE=1)
//   digest     the real digestPartition as it runs (fused), segments of PARITY_PROFILE_SEGMENT
//              keys (default 128, as a run; 0 = one segment)
//   merge      both sides at once, compared row by row (compareRange, as --compare merge);
//              run once, under the first side's label
//   refine     refinement's queries as a narrowed run makes them: 1,000 ranges of 8 keys spread
//              over the table, 128 per query, both sides compared (compareChunks); run once
//
//   node dist/bench/profile.js --table bench_pair_1000000 [--side source|target|both]
//        [--steps scan,encode,fused,digestref,digest] [--fetch 2000] [--prof-dir DIR]
//
// With --prof-dir it re-runs itself under --cpu-prof, one process per side and step, and
// prints each profile's top self-time functions.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkSchemas, withPairFamilies } from '../src/canonical';
import { digestPartition } from '../src/digest/partition';
import { compareChunks, compareRange } from '../src/digest/compare';
import type { DiffRecord } from '../src/core/types';
import { makeEncoder } from '../src/digest/encode';
import { RowHasher } from '../src/digest/row';
import { FusedRowHasher, REFERENCE_ENV } from '../src/digest/fused';
import { openEngine } from '../src/engines/open';
import { MY_URL, PG_URL } from '../scripts/fixtures';
import { formatSummary, summarizeProfile } from './cpuprofile';

type Side = 'source' | 'target';
const STEPS = ['scan', 'encode', 'fused', 'digestref', 'digest', 'merge', 'refine'] as const;
type Step = (typeof STEPS)[number];

function args() {
  const a = process.argv.slice(2);
  const get = (k: string, d?: string) => {
    const i = a.indexOf(k);
    return i >= 0 ? a[i + 1] : d;
  };
  const side = get('--side', 'both')!;
  return {
    table: get('--table', 'bench_pair_1000000')!,
    sides: (side === 'both' ? ['source', 'target'] : [side]) as Side[],
    steps: get('--steps', STEPS.join(','))!.split(',') as Step[],
    fetch: Number(get('--fetch', '2000')),
    profDir: get('--prof-dir'),
    reverse: a.includes('--reverse'),
  };
}

/** source = PostgreSQL, target = MariaDB (or the other way with --reverse) */
async function setup(table: string, reverse: boolean) {
  const urls = { source: reverse ? MY_URL : PG_URL, target: reverse ? PG_URL : MY_URL };
  const s = await openEngine(urls.source, { applicationName: 'parity:bench-profile' });
  const t = await openEngine(urls.target, { applicationName: 'parity:bench-profile' });
  const [ss, ts] = await Promise.all([s.introspect(table), t.introspect(table)]);
  const check = checkSchemas(ss, ts);
  if (check.halts.length) throw new Error(check.halts.join('; '));
  const schemas = { source: withPairFamilies(ss, check.columns), target: withPairFamilies(ts, check.columns) };
  await s.close();
  await t.close();
  return { urls, pairs: check.columns, schemas };
}

async function runStep(table: string, side: Side, step: Step, fetch: number, reverse: boolean): Promise<{ rows: number; seconds: number }> {
  const { urls, pairs, schemas } = await setup(table, reverse);
  const t0 = performance.now();
  let rows = 0;
  if (step === 'merge' || step === 'refine') {
    const [se, te] = await Promise.all([openEngine(urls.source, { applicationName: 'parity:bench-profile' }), openEngine(urls.target, { applicationName: 'parity:bench-profile' })]);
    try {
      const out: DiffRecord[] = [];
      const sides = [{ engine: se, schema: schemas.source }, { engine: te, schema: schemas.target }] as const;
      const n = Number(/_(\d+)$/.exec(table)?.[1] ?? 0);
      const ranges = Array.from({ length: 1000 }, (_, k) => Math.floor((k * n) / 1000) + 1).map((lo) => ({ lo: [String(lo)], hi: [String(lo + 8)] }));
      const chunks = Array.from({ length: Math.ceil(ranges.length / 128) }, (_, k) => ranges.slice(k * 128, k * 128 + 128));
      const r = step === 'merge' ? await compareRange(...sides, {}, { table, pairs, fetchSize: fetch }, out) : await compareChunks(...sides, chunks, { table, pairs, fetchSize: fetch }, out);
      rows = r.source + r.target;
    } finally {
      await Promise.all([se.close(), te.close()]);
    }
  } else if (step === 'digest' || step === 'digestref') {
    if (step === 'digestref') process.env[REFERENCE_ENV] = '1';
    // segments as a run plans them (the bench keys are 1..N): every PARITY_PROFILE_SEGMENT rows,
    // in PARITY_PROFILE_PARTITIONS partitions digested one after the other (default 1)
    const every = Number(process.env.PARITY_PROFILE_SEGMENT ?? 128);
    const parts = Number(process.env.PARITY_PROFILE_PARTITIONS ?? 1);
    const n = Number(/_(\d+)$/.exec(table)?.[1] ?? 0);
    const inner: string[][] = [];
    for (let k = every + 1; every > 0 && k <= n; k += every) inner.push([String(k)]);
    for (let p = 0; p < parts; p++) {
      const from = Math.floor((inner.length * p) / parts), to = Math.floor((inner.length * (p + 1)) / parts);
      const range = parts === 1 ? {} : { lo: p === 0 ? undefined : inner[from], hi: p === parts - 1 ? undefined : inner[to] };
      const r = await digestPartition({
        side, url: urls[side], schema: schemas[side], pairs, range, segFrom: 0, inner: parts === 1 ? inner : inner.slice(from + (p === 0 ? 0 : 1), to), fetchSize: fetch, applicationName: 'parity:bench-profile',
      });
      rows += r.rowsReadNow;
    }
  } else {
    const engine = await openEngine(urls[side], { applicationName: 'parity:bench-profile' });
    const encode = makeEncoder(pairs, side);
    const hasher = new RowHasher();
    const fused = new FusedRowHasher(pairs, side);
    try {
      for await (const batch of engine.scan({ schema: schemas[side], columns: pairs.map((p) => p[side].name), range: {}, fetchSize: fetch })) {
        rows += batch.length;
        if (step === 'encode') for (const raw of batch) hasher.digest(encode(raw).values);
        if (step === 'fused') for (const raw of batch) fused.digest(raw);
      }
    } finally {
      await engine.close();
    }
  }
  return { rows, seconds: (performance.now() - t0) / 1000 };
}

async function main() {
  const o = args();
  const child = process.env.PARITY_PROFILE_CHILD;
  if (child) {
    const [side, step] = child.split(':') as [Side, Step];
    const r = await runStep(o.table, side, step, o.fetch, o.reverse);
    console.log(JSON.stringify(r));
    return;
  }
  const label = (side: Side) => `${side} (${(side === 'source') !== o.reverse ? 'PostgreSQL' : 'MariaDB'})`;
  for (const side of o.sides) {
    for (const step of o.steps) {
      if ((step === 'merge' || step === 'refine') && side !== o.sides[0]) continue;
      const dir = o.profDir ? join(o.profDir, `${side}-${step}`) : undefined;
      if (dir) mkdirSync(dir, { recursive: true });
      const r = spawnSync(process.execPath, [...(dir ? ['--cpu-prof', '--cpu-prof-dir', dir] : []), __filename, ...process.argv.slice(2)], {
        env: { ...process.env, PARITY_PROFILE_CHILD: `${side}:${step}` },
        encoding: 'utf8',
        maxBuffer: 1 << 26,
      });
      if (r.status !== 0) throw new Error(`${side}:${step} failed: ${r.stderr}`);
      const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as { rows: number; seconds: number };
      console.log(`${label(side)} ${step.padEnd(6)}: ${m.rows.toLocaleString('en')} rows in ${m.seconds.toFixed(2)} s = ${Math.round(m.rows / m.seconds).toLocaleString('en')} rows/s${dir ? ' (under --cpu-prof)' : ''}`);
      if (dir) {
        for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) console.log(formatSummary(summarizeProfile(join(dir, f), 14)).replace(/^/gm, '    '));
      }
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
