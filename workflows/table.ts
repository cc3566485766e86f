// reconcileTable: schema pre-check → plan → digest fan-out → compare → refine → report.
// Deterministic orchestration only; all I/O is in activities on the region's task queue.
import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, CompareOutput, SavedPartition } from '../activities';
import type { DigestResult } from '../src/digest/partition';
import { longScan, shortCall } from '../activities/presets';
import { parseRunSpec, type RunSpec, type TableSpec } from '../src/config/schema';
import { initialFallback, onTrouble, type FallbackState } from '../src/core/fallback';
import {
  batchSegments,
  batchSegmentsByRows,
  MAX_SEGMENTS,
  narrowings,
  refineRanges,
  segmentsPerPartition,
  equalWidthBoundaries,
  sumAll,
  packKeys,
  packedSlice,
  isPacked,
  unpackKeys,
  type Narrowing,
  type PackedKeys,
  mergeSegmentDigests,
  partitionRange,
  partitionSegments,
  segmentRange,
  splitPartition,
  maskKeyMismatch,
  sampleSide,
  unequalSegments,
  type Partition,
  type SegmentDigest,
} from '../src/core/segments';
import type { ColumnPair, KeyTuple, SchemaCheck, TableSchema } from '../src/core/types';
import { diffRowDigests } from '../src/core/rowdiff';
import { SEARCH_ATTRIBUTES_KEYS } from './search-attributes';
import { taskQueueFor } from '../src/temporal/names';
import type { ProgressView, TableSummary } from './types';

export const progressQuery = defineQuery<ProgressView>('progress');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const setConcurrencySignal = defineSignal<[number]>('setConcurrency');

type Side = 'source' | 'target';
const SIDES: Side[] = ['source', 'target'];

export interface TableInput {
  runId: string;
  spec: RunSpec;
  tableIndex: number;
  /** compact state carried across continue-as-new */
  carried?: Carried;
}

interface Job {
  p: Partition;
  checkpoint?: unknown;
  attempts: number;
}

interface Carried {
  startedAt: number;
  /** fingerprint of the masking key the digests were made under (tokenized columns only) */
  maskKeyFp?: string;
  schemas: Record<Side, TableSchema>;
  check: SchemaCheck & { mode: 'extract' | 'pushdown' };
  boundaries: KeyTuple[];
  queues: Record<Side, Job[]>;
  /** per side, segment digests of partitions not yet matched with the other side */
  pending: Record<Side, SegmentDigest[]>;
  doneSegments: Record<Side, number[]>;
  unequal: number[];
  /** unequal segments whose sub-range hints differ: the sub-ranges (bit mask of k), source - target sum */
  narrow?: Narrowing;
  totals: Record<Side, number>;
  rowsRead: Record<Side, number>;
  reads: Record<Side, { began?: string; ended?: string }>;
  fallback: FallbackState;
  checkpoints: unknown[];
  partitionsDone: Record<Side, number>;
  reusedPartitions: number;
  /** a pause survives continue-as-new */
  paused?: boolean;
  /** refinement: batches taken (all finished), rows refetched, differing keys (for a recheck) */
  refine?: { next: number; rowsRefetched: Record<Side, number>; diffKeys: KeyTuple[]; found: number; byRows?: boolean; budget?: number };
}

/** An activity's failure: its cause and type (a timeout means its worker died). */
function failureOf(err: unknown): { cause: unknown; type: string | null | undefined } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const type = cause instanceof ApplicationFailure ? cause.type : cause instanceof TimeoutFailure ? 'WorkerDied' : 'Other';
  return { cause, type };
}

export async function reconcileTable(input: TableInput): Promise<TableSummary> {
  const parsed = parseRunSpec(input.spec);
  if (!parsed.ok) throw ApplicationFailure.nonRetryable(`bad input: ${parsed.errors.join('; ')}`, 'BadConfig');
  const spec = parsed.spec;
  const t: TableSpec | undefined = spec.tables[input.tableIndex];
  if (!t) throw ApplicationFailure.nonRetryable(`bad input: tables[${input.tableIndex}] does not exist`, 'BadConfig');
  const opts = spec.options;
  const conn = { source: { name: t.source, ref: spec.connections[t.source] }, target: { name: t.target, ref: spec.connections[t.target] } };
  const scan: typeof longScan = { ...longScan, heartbeatTimeout: opts.heartbeatSeconds * 1000 };
  const acts = (side: Side, preset = shortCall) =>
    proxyActivities<Activities>({ ...(preset === longScan ? scan : preset), taskQueue: taskQueueFor(conn[side].ref.region) });
  const tableName = { source: t.sourceTable, target: t.targetTable };

  let paused = input.carried?.paused ?? false;
  let phase = 'precheck';
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));

  let st: Carried;
  /** settles with savePlan's error, or undefined once the plan is saved */
  let planSaved: Promise<unknown> = Promise.resolve(undefined);
  // the plan as it travels to savePlan and the digests: packed when arithmetic, computed once
  // per execution (a BigInt pass over every boundary); runs begun before sent lists
  let packed: KeyTuple[] | PackedKeys | undefined;
  const packedPlan = (boundaries: KeyTuple[]) => (patched('packed-inner') ? (packed ??= packKeys(boundaries)) : undefined);
  if (input.carried) {
    st = input.carried;
  } else {
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES_KEYS.table, value: t.name },
      { key: SEARCH_ATTRIBUTES_KEYS.source, value: conn.source.ref.display ?? t.source },
      { key: SEARCH_ATTRIBUTES_KEYS.target, value: conn.target.ref.display ?? t.target },
      { key: SEARCH_ATTRIBUTES_KEYS.status, value: 'running' },
    ]);
    // 1. schema pre-check, before any hashing
    const [rawSource, rawTarget] = await Promise.all(SIDES.map((s) => acts(s).introspect({ conn: conn[s], table: tableName[s] })));
    const { schemas, ...check } = await acts('source').checkSchemas({ table: t, source: rawSource, target: rawTarget, mode: opts.mode });
    const { source, target } = schemas;
    if (check.halts.length) {
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES_KEYS.status, value: 'halted' }]);
      throw ApplicationFailure.create({
        message: `schema pre-check halted ${t.name}:\n  - ${check.halts.join('\n  - ')}`,
        type: 'SchemaDrift',
        nonRetryable: true,
        details: [{ halts: check.halts, findings: check.findings, notCompared: check.notCompared }],
      });
    }
    if (t.where) {
      const where = t.where;
      // one side after the other, so the error names the first side that rejects it
      for (const s of SIDES) await acts(s).validateWhere({ conn: conn[s], schema: s === 'source' ? source : target, where, side: s });
    }
    if (conn.source.ref.region !== conn.target.ref.region && check.columns.some((c) => c.mask === 'tokenize')) {
      const [a, b] = await Promise.all(SIDES.map((s) => acts(s).maskFingerprint()));
      if (a !== b) throw ApplicationFailure.nonRetryable(`masking keys differ between regions ${conn.source.ref.region} and ${conn.target.ref.region} (fingerprints ${a} vs ${b})`, 'BadConfig');
    }
    // 2. plan: segments over canonical key order, partitions = runs of segments
    phase = 'plan';
    const families = check.columns.filter((c) => c.isKey).map((c) => c.family);
    const keyMasked = check.columns.some((c) => c.isKey && c.mask);
    const rows = Math.max(source.rowEstimate, target.rowEstimate, 1);
    const segments = keyMasked ? 1 : Math.max(1, Math.min(MAX_SEGMENTS, Math.ceil(rows / opts.segmentRows)));
    let boundaries: KeyTuple[] = [];
    let resumed: { boundaries: KeyTuple[]; partitions: SavedPartition[] } | undefined;
    if (opts.resumeFrom) {
      // an idempotent restart for a static snapshot: the earlier plan and its finished partitions
      const r = await acts('source').loadResume({ fromRunId: opts.resumeFrom.replace(/^parity\//, ''), table: t.name, columns: check.columns, mode: check.mode });
      resumed = { boundaries: r.plan.boundaries, partitions: r.partitions };
      boundaries = r.plan.boundaries;
    } else if (segments > 1) {
      // boundaries only balance the work (any boundaries give the same verdict), so one side's
      // sample is enough: PostgreSQL's TABLESAMPLE reads a few pages where MariaDB must walk
      // the whole key index (0.05 vs 0.45 s at 1M rows). Runs begun before this kept both.
      // The sample is planned where it is taken, so it can be ~10 keys per segment (even
      // segments) without its keys filling history; runs begun before this used the
      // activities below.
      const s = sampleSide(source, target);
      const extent = (s === 'source' ? rawSource : rawTarget).keyExtent;
      // a dense one-column integer key whose ends introspect read: equal widths, planned here
      // (pure arithmetic) without the sampling activity; runs begun before sampled
      const even = !t.where && families.length === 1 && families[0] === 'int' && extent && patched('extent-in-introspect')
        ? equalWidthBoundaries(extent.min, extent.max, segments, (s === 'source' ? source : target).rowEstimate)
        : undefined;
      if (even) {
        boundaries = even;
      } else if (patched('plan-in-sample')) {
        boundaries = unpackKeys(await acts(s).sampleBoundaries({ conn: conn[s], schema: s === 'source' ? source : target, n: Math.min(250_000, segments * 10), where: t.where, families, segments, packed: patched('packed-inner') }));
      } else {
        const sides = patched('sample-one-side') ? [s] : SIDES;
        const samples = await Promise.all(
          sides.map((s) => acts(s).sampleKeys({ conn: conn[s], schema: s === 'source' ? source : target, n: Math.min(50_000, segments * 4), where: t.where })),
        );
        boundaries = await acts('source').planSegments({ samples, families, segments });
      }
    }
    // partitions of about partitionRows rows, counted with the plan's real rows per segment
    // (segments are capped, so at 5M rows a segment holds 250, not segmentRows). Runs begun
    // before this counted segmentRows and had 200,000 by default; a spec that gives no
    // partitionRows (a caller's own child workflow) keeps that default in their histories.
    const perPartition = patched('partition-rows-by-plan')
      ? segmentsPerPartition(opts.partitionRows, rows, boundaries.length + 1)
      : Math.max(1, Math.ceil(((input.spec as { options?: { partitionRows?: number } }).options?.partitionRows ?? 200_000) / opts.segmentRows));
    const partitions = partitionSegments(boundaries.length + 1, perPartition);
    const save = acts('source').savePlan({ runId: input.runId, table: t.name, plan: { canonicalVersion: check.canonicalVersion, mode: check.mode, schemas: { source, target }, columns: check.columns, boundaries: packedPlan(boundaries) ?? boundaries } });
    // the plan is for --resume-from only: the digests need not wait for it (one activity and
    // one workflow task, ~90 ms at 1M rows); it is awaited before anything reads or ends the
    // run. Runs begun before this saved it first.
    if (patched('save-plan-alongside')) planSaved = save.then(() => undefined, (err: unknown) => err ?? new Error('savePlan failed'));
    else await save;
    st = {
      startedAt: Date.now(),
      schemas: { source, target },
      check,
      boundaries,
      queues: { source: [], target: [] },
      pending: { source: [], target: [] },
      doneSegments: { source: [], target: [] },
      unequal: [],
      totals: { source: partitions.length, target: partitions.length },
      rowsRead: { source: 0, target: 0 },
      reads: { source: {}, target: {} },
      fallback: initialFallback(opts.concurrency, opts.fetchSize),
      checkpoints: [],
      partitionsDone: { source: 0, target: 0 },
      reusedPartitions: 0,
    };
    for (const side of SIDES) {
      for (const p of partitions) {
        // reuse an earlier run's results when they cover this partition exactly
        const saved = (resumed?.partitions ?? []).filter((x) => x.side === side && x.from >= p.from && x.to <= p.to);
        const covered = saved.reduce((n, x) => n + (x.to - x.from), 0) === p.to - p.from;
        if (!covered) {
          st.queues[side].push({ p, attempts: 0 });
          continue;
        }
        for (const x of saved) recordPartition(st, side, { from: x.from, to: x.to }, x.result);
        st.reusedPartitions += saved.length;
        st.partitionsDone[side] += 1;
      }
    }
    settle(st);
  }
  setHandler(setConcurrencySignal, (n: number) => {
    if (Number.isInteger(n) && n >= 1 && n <= 64) st.fallback = { ...st.fallback, concurrency: n };
  });

  const pairs: ColumnPair[] = st.check.columns;
  const segmentCount = st.boundaries.length + 1;
  const rowsEstimate = Math.max(st.schemas.source.rowEstimate, st.schemas.target.rowEstimate, 1);

  setHandler(progressQuery, (): ProgressView => {
    const read = st.rowsRead.source + st.rowsRead.target;
    const elapsed = Math.max(1, (Date.now() - st.startedAt) / 1000);
    const done = st.partitionsDone.source + st.partitionsDone.target;
    const total = Math.max(1, st.totals.source + st.totals.target);
    const fraction = phase === 'done' ? 1 : Math.min(0.99, (done / total) * 0.9 + (phase === 'refine' || phase === 'report' ? 0.05 : 0));
    const rate = read / elapsed;
    return {
      table: t.name,
      phase,
      paused,
      partitions: { source: { done: st.partitionsDone.source, total: st.totals.source }, target: { done: st.partitionsDone.target, total: st.totals.target } },
      rowsRead: { ...st.rowsRead },
      rowsPerSec: Math.round(rate),
      etaSeconds: rate > 0 ? Math.max(0, Math.round((rowsEstimate * 2 - read) / rate)) : null,
      fallbackLevel: st.fallback.level,
      progress: fraction,
    };
  });

  // 3. digest fan-out, per side, bounded by the per-database concurrency budget
  phase = 'digest';
  const running: Record<Side, number> = { source: 0, target: 0 };
  // arithmetic boundaries go to the digests packed (a few bytes instead of ~100 KB of JSON per
  // partition at 1M rows)
  const plan = packedPlan(st.boundaries);
  const whole = plan && isPacked(plan) ? plan : undefined;
  let fatal: unknown;

  const runJob = async (side: Side, job: Job): Promise<void> => {
    const label = `${job.p.from}-${job.p.to}`;
    const level = st.fallback.level;
    try {
      const r = await acts(side, longScan).digestPartition({
        side,
        conn: conn[side],
        schema: st.schemas[side],
        pairs,
        range: partitionRange(st.boundaries, job.p),
        segFrom: job.p.from,
        inner: whole ? packedSlice(whole, job.p.from, job.p.to - 1) : st.boundaries.slice(job.p.from, job.p.to - 1),
        where: t.where,
        fetchSize: st.fallback.fetchSize,
        level,
        label,
        mode: st.check.mode,
        checkpoint: job.checkpoint as never,
        store: { runId: input.runId, table: t.name, from: job.p.from, to: job.p.to },
      });
      const fp = maskKeyMismatch(st.maskKeyFp, r.maskKeyFp, `${side} partition ${label}`);
      if (fp.error) return void (fatal = ApplicationFailure.nonRetryable(fp.error, 'BadConfig'));
      st.maskKeyFp = fp.known;
      st.rowsRead[side] += r.rowsReadTotal ?? r.rowsReadNow;
      recordPartition(st, side, job.p, r);
      st.partitionsDone[side]++;
      settle(st);
    } catch (err) {
      const { cause, type } = failureOf(err);
      const detail = (cause as Error)?.message ?? String(cause);
      const partition = `${side}:${label}`;
      const hbCheckpoint = cause instanceof TimeoutFailure ? cause.lastHeartbeatDetails : undefined;
      if ((type === 'ResourceExhausted' || type === 'WorkerDied') && level < st.fallback.level) {
        // it failed under an older, bolder plan; the chain has moved on already: retry at the current level
        const parts = st.fallback.level === 1 ? splitPartition(job.p) : [job.p];
        st.queues[side].unshift(...parts.map((p) => ({ p, attempts: job.attempts + 1, checkpoint: parts.length > 1 ? undefined : hbCheckpoint ?? job.checkpoint })));
        st.totals[side] += parts.length - 1;
      } else if (type === 'ResourceExhausted' || type === 'WorkerDied') {
        const d = onTrouble(st.fallback, { kind: type, partition, detail });
        if (d.giveUp) return void (fatal = ApplicationFailure.nonRetryable(d.giveUp, 'ResourceExhausted'));
        st.fallback = d.state;
        const parts = d.split ? splitPartition(job.p) : [job.p];
        // a split restarts the halves from scratch; an unsplit retry resumes from the checkpoint
        st.queues[side].unshift(...parts.map((p) => ({ p, attempts: job.attempts + 1, checkpoint: d.split ? undefined : hbCheckpoint ?? job.checkpoint })));
        if (d.split) st.totals[side] += parts.length - 1;
      } else if ((type === 'ConnectionLost' || type === 'Timeout' || type === 'Other') && job.attempts < 4) {
        await sleep(`${2 ** job.attempts} seconds`);
        st.queues[side].push({ ...job, attempts: job.attempts + 1 });
      } else {
        fatal = err;
      }
    }
  };

  // history stays bounded: past the threshold, stop taking work, drain, and continue as new
  const drain = () =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > opts.historyThreshold || workflowInfo().historySize > 16 * 1024 * 1024;
  const lane = async (side: Side): Promise<void> => {
    const inflight = new Set<Promise<void>>();
    for (;;) {
      await condition(() => fatal !== undefined || drain() || (!paused && running[side] < st.fallback.concurrency && st.queues[side].length > 0) || (st.queues[side].length === 0 && running[side] === 0));
      if (fatal !== undefined || drain() || (st.queues[side].length === 0 && running[side] === 0)) break;
      // level 1 runs a split partition alone
      const job = st.queues[side].shift()!;
      running[side]++;
      const pr = runJob(side, job).finally(() => {
        running[side]--;
        inflight.delete(pr);
      });
      inflight.add(pr);
    }
    await Promise.all(inflight);
  };

  await Promise.all(SIDES.map(lane));
  // the plan settles first even when a digest failed: a failed run can still be resumed
  const planError = await planSaved;
  if (fatal !== undefined) throw fatal;
  if (planError) throw planError;
  if (st.queues.source.length || st.queues.target.length) {
    return await continueAsNew<typeof reconcileTable>({ ...input, carried: { ...st, paused } });
  }

  // 4–5. compare and refine: row-level comparison of the unequal segments only
  phase = 'refine';
  const unequal = [...new Set(st.unequal)].sort((a, b) => a - b);
  // same region: one activity reads both sides and compares in-process (nothing but counts
  // and keys come back); across regions each side sends keys and digests, compared here
  const crossRegion = conn.source.ref.region !== conn.target.ref.region;
  // one activity per batch of up to `perBatch` unequal segments, adjacent or not (scattered
  // differences would otherwise cost one activity, and two connection pools, per segment)
  // refinement progress survives continue-as-new (cross-region row digests fill history fast);
  // how batches are cut is decided once, so `next` indexes the same batches after it
  st.refine ??= { next: 0, rowsRefetched: { source: 0, target: 0 }, diffKeys: [], found: 0, byRows: patched('refine-batch-rows') };
  const perBatch = crossRegion ? Math.max(1, Math.floor(2000 / opts.segmentRows)) : 64;
  // narrowed segments re-read a fraction of their rows, so a batch holds more of them: batches
  // of about 64 whole segments' rows (one activity and two connections each), fewer when that
  // would leave a refinement lane idle
  const narrowedRows = (i: number) => {
    const n = st.narrow?.[i];
    return n ? Math.ceil((opts.segmentRows * popcount(n.m)) / n.k) : opts.segmentRows;
  };
  const refineLanes = Math.max(1, st.fallback.concurrency);
  // the budget is kept with the refinement state: a later concurrency must not re-cut batches
  // (a segment more than an even share, so the greedy cut leaves no small batch behind)
  st.refine.budget ??= Math.min(perBatch * opts.segmentRows, Math.ceil(unequal.reduce((n, i) => n + narrowedRows(i), 0) / refineLanes) + opts.segmentRows);
  const batches = st.refine.byRows && !crossRegion ? batchSegmentsByRows(unequal, narrowedRows, st.refine.budget) : batchSegments(unequal, perBatch);
  const totals = st.refine;
  const diffKeys = st.refine.diffKeys;
  const wantKeys = opts.recheckAfterSeconds > 0;
  const keyFamilies = pairs.filter((c) => c.isKey).map((c) => c.family);
  // refinement gets a digest's patience with connection trouble (a killed session, a lock
  // wait that timed out): past Temporal's own two attempts, up to three more, backing off
  const patiently = async <T>(call: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        const { type } = failureOf(err);
        if (attempt >= 4 || (type !== 'ConnectionLost' && type !== 'Timeout') || !patched('refine-connection-patience')) throw err;
        await sleep(`${2 ** attempt} seconds`);
      }
    }
  };
  const refineBatch = async (b: Partition[], store = t.name): Promise<CompareOutput> => {
    const batch = `seg-${String(b[0].from).padStart(6, '0')}-${b[b.length - 1].to}`;
    if (!crossRegion) {
      // a segment with differing sub-range hints is re-read by those sub-ranges only (not on a
      // recheck: the data has moved since the digests the hints describe)
      const { ranges, narrowed } = refineRanges(st.boundaries, b, keyFamilies, store === t.name ? st.narrow : undefined);
      return patiently(() => acts('source', longScan).compareSegments({
        runId: input.runId, table: t.name, batch,
        source: { ...conn.source, schema: st.schemas.source },
        target: { ...conn.target, schema: st.schemas.target },
        pairs, ranges, narrowed: narrowed.length ? narrowed : undefined, where: t.where, fetchSize: st.fallback.fetchSize, store, wantKeys, level: st.fallback.level,
      }));
    }
    const ranges = b.map((r) => ({ lo: segmentRange(st.boundaries, r.from).lo, hi: segmentRange(st.boundaries, r.to - 1).hi }));
    const [a, z] = await Promise.all(
      SIDES.map((s) => patiently(() => acts(s, longScan).rowDigests({ side: s, conn: conn[s], schema: st.schemas[s], pairs, ranges, where: t.where, fetchSize: st.fallback.fetchSize }))),
    );
    const records = diffRowDigests(t.name, pairs, a.rows, z.rows);
    await acts('source').writeDiffBatch({ runId: input.runId, table: store, batch, records });
    const count = (k: string) => records.filter((r) => r.kind === k).length;
    return { missing: count('missing_in_target'), extra: count('extra_in_target'), changed: count('changed'), rowsRefetched: { source: a.read, target: z.read }, keys: records.map((r) => r.key) };
  };
  const refineLane = async () => {
    while (totals.next < batches.length && !drain()) {
      const out = await refineBatch(batches[totals.next++]);
      totals.found += out.missing + out.extra + out.changed;
      totals.rowsRefetched.source += out.rowsRefetched.source;
      totals.rowsRefetched.target += out.rowsRefetched.target;
      if (out.keys) diffKeys.push(...out.keys);
    }
  };
  await Promise.all(Array.from({ length: refineLanes }, refineLane));
  if (totals.next < batches.length) return await continueAsNew<typeof reconcileTable>({ ...input, carried: { ...st, paused } });

  // live tables: wait, compare the differing segments again; keys that converged were in flight
  let inFlight: KeyTuple[] = [];
  if (wantKeys && diffKeys.length) {
    phase = 'recheck';
    await sleep(opts.recheckAfterSeconds * 1000);
    const still = new Set<string>();
    for (const b of batches) for (const k of (await refineBatch(b, `${t.name}.recheck`)).keys ?? []) still.add(JSON.stringify(k));
    inFlight = diffKeys.filter((k) => !still.has(JSON.stringify(k)));
  }

  // 6. report
  phase = 'report';
  // a masked key shows as its token, which sorts as text
  const families = pairs.filter((c) => c.isKey).map((c) => (c.mask ? 'text' : c.family));
  const fin = await acts('source').finalizeTable({
    runId: input.runId,
    table: t.name,
    families,
    inFlight,
    checkpoints: st.checkpoints,
    audit: {
      table: t.name,
      source: conn.source.ref.display ?? t.source,
      target: conn.target.ref.display ?? t.target,
      reads: st.reads,
      options: opts,
      fallback: st.fallback,
      findings: st.check.findings,
      notCompared: st.check.notCompared,
    },
  });
  const differences = fin.missing + fin.extra + fin.changed;
  if (differences + inFlight.length !== totals.found) {
    // the manifest is assembled from the results store; a store that is not shared by every
    // worker that refined would silently lose records: refuse to answer instead
    throw ApplicationFailure.nonRetryable(
      `the results store holds ${differences + inFlight.length} differing row(s) but refinement found ${totals.found}: workers must share one results store (PARITY_STATE_DIR / PARITY_RESULTS_DIR)`,
      'BadConfig',
    );
  }
  phase = 'done';
  const summary: TableSummary = {
    table: t.name,
    status: differences ? 'different' : 'identical',
    sourceRows: sumRows(st.checkpoints, 'source'),
    targetRows: sumRows(st.checkpoints, 'target'),
    missing: fin.missing,
    extra: fin.extra,
    changed: fin.changed,
    changedColumns: fin.changedColumns,
    inFlight: inFlight.length,
    rowsRead: { ...st.rowsRead },
    rowsRefetched: totals.rowsRefetched.source + totals.rowsRefetched.target,
    mode: st.check.mode,
    fallbackLevel: st.fallback.level,
    fallbackEvents: st.fallback.events,
    durationMs: Date.now() - st.startedAt,
    partitions: segmentCount > 1 ? st.totals.source : 1,
    segments: segmentCount,
    unequalSegments: unequal.length,
    reads: st.reads,
    findings: st.check.findings,
    notCompared: st.check.notCompared,
    manifestSha256: fin.manifestSha256,
    manifestPath: fin.manifestPath,
  };
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES_KEYS.status, value: summary.status }]);
  upsertMemo({ summary: { table: summary.table, status: summary.status, missing: summary.missing, extra: summary.extra, changed: summary.changed, sourceRows: summary.sourceRows, targetRows: summary.targetRows } });
  return summary;
}

function recordPartition(st: Carried, side: Side, p: Partition, r: DigestResult): void {
  const rd = st.reads[side];
  if (!rd.began || r.readStartedAt < rd.began) rd.began = r.readStartedAt;
  if (!rd.ended || r.readEndedAt > rd.ended) rd.ended = r.readEndedAt;
  st.pending[side].push(...r.segments);
  for (let i = p.from; i < p.to; i++) st.doneSegments[side].push(i);
  const digest = { n: r.segments.reduce((n, d) => n + d.n, 0), s: sumAll(r.segments.map((d) => d.s)) };
  st.checkpoints.push({ side, from: p.from, to: p.to, range: partitionRange(st.boundaries, p), lastKey: r.lastKey ?? null, rows: r.rows, digest, began: r.readStartedAt, ended: r.readEndedAt });
}

/** Segments both sides have finished are compared now and their digests dropped (compact state). */
function settle(st: Carried): void {
  const target = new Set(st.doneSegments.target);
  const ready = new Set(st.doneSegments.source.filter((i) => target.has(i)));
  if (!ready.size) return;
  const pick = (s: Side) => st.pending[s].filter((d) => ready.has(d.i));
  // segments with no rows on either side are equal (absent from both maps)
  const a = mergeSegmentDigests([pick('source')]);
  const b = mergeSegmentDigests([pick('target')]);
  const unequal = unequalSegments(a, b);
  st.unequal.push(...unequal);
  st.narrow = narrowings(a, b, unequal, st.narrow);
  for (const s of SIDES) {
    st.pending[s] = st.pending[s].filter((d) => !ready.has(d.i));
    st.doneSegments[s] = st.doneSegments[s].filter((i) => !ready.has(i));
  }
}

function popcount(m: number): number {
  let n = 0;
  for (; m; m &= m - 1) n++;
  return n;
}

function sumRows(checkpoints: unknown[], side: Side): number {
  let n = 0;
  for (const c of checkpoints as { side: Side; rows: number }[]) if (c.side === side) n += c.rows;
  return n;
}

