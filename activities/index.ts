// Activities: thin. Parse input, resolve connections from this worker's own config, call
// src/, heartbeat, and map errors to the failure taxonomy in one place (toFailure).
import { Context, heartbeat, activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { checkSchemas, compareKeys, withPairFamilies, CANONICAL_VERSION } from '../src/canonical';
import type { ConnectionRef, TableSpec } from '../src/config/schema';
import type { ColumnPair, DiffRecord, Family, KeyRange, KeyTuple, SchemaCheck, TableSchema } from '../src/core/types';
import { compareChunks, rangeChunks, refineChunks, rowDigests } from '../src/digest/compare';
import type { Narrowed } from '../src/core/segments';
import type { Governor } from '../src/policy/governor';
import type { RowDigest } from '../src/core/rowdiff';
import { digestPartition, type DigestCheckpoint, type DigestResult, type DigestTask } from '../src/digest/partition';
import { digestDecoupled } from '../src/digest/decoupled';
import { chooseMode, type Mode } from '../src/digest/mode';
import { pushdownPartition } from '../src/pushdown';
import type { HashPool } from '../src/digest/pool';
import type { Engine } from '../src/engines/engine';
import { openEngine } from '../src/engines/open';
import { keyColumns } from '../src/engines/sql';
import { classifyError as classifyPg } from '../src/engines/postgres/errors';
import { classifyError as classifyMysql } from '../src/engines/mysql/errors';
import { BadConfig, NON_RETRYABLE_TYPES, ParityError } from '../src/errors';
import { maskKeyFingerprint } from '../src/policy/mask';
import { displayUrl, redact, resolveConnection } from '../src/policy/connections';
import { readBatches, readPartitions, readTableFile, recordLine, writeBatch, writePartition, writeTableFile } from '../src/report/store';
import { LEVEL3_FETCH } from '../src/core/fallback';
import { equalWidthBoundaries, packKeys, unpackKeys, type PackedKeys } from '../src/core/segments';
import { baselineDrift } from '../src/core/baseline';

export interface WorkerDeps {
  region: string;
  pool?: HashPool;
  maskKey?: Buffer;
  /** rows per fetch that fit this worker's per-thread memory for rows of about rowBytes */
  maxFetchRows?: (rowBytes: number) => number;
  /** keeps the main thread's resident set near the budget between units of work */
  governor?: Governor;
  /** counters for metrics; optional */
  metrics?: { rowsHashed(side: string, n: number): void; partitionDone(side: string): void; error(type: string): void };
}

export interface ConnInput {
  name: string;
  ref: ConnectionRef;
}

export interface SideInput extends ConnInput {
  schema: TableSchema;
}

export interface DigestInput {
  side: 'source' | 'target';
  conn: ConnInput;
  schema: TableSchema;
  pairs: ColumnPair[];
  range: KeyRange;
  segFrom: number;
  /** the partition's inner segment boundaries, packed when they are arithmetic */
  inner: KeyTuple[] | PackedKeys;
  where?: string;
  fetchSize: number;
  level: number;
  label: string;
  /** pushdown: the database computes the segment digests in SQL */
  mode?: Mode;
  checkpoint?: DigestCheckpoint;
  /** where to keep the completed result for --resume-from */
  store?: { runId: string; table: string; from: number; to: number };
}

export interface SavedPlan {
  canonicalVersion: number;
  /** extract and pushdown digests are different hashes: never mixed */
  mode?: Mode;
  schemas: { source: TableSchema; target: TableSchema };
  columns: ColumnPair[];
  /** packed when arithmetic as savePlan's input; plan files hold the list */
  boundaries: KeyTuple[] | PackedKeys;
}

export interface SavedPartition {
  side: 'source' | 'target';
  from: number;
  to: number;
  result: DigestResult;
}

export interface CompareInput {
  runId: string;
  table: string;
  batch: string;
  source: SideInput;
  target: SideInput;
  pairs: ColumnPair[];
  ranges: KeyRange[];
  /** unequal segments refined by their differing sub-ranges only (src/core/narrow) */
  narrowed?: Narrowed[];
  where?: string;
  fetchSize: number;
  /** results-store name to write under (a recheck writes apart from the manifest) */
  store?: string;
  /** return the differing keys (for a recheck) */
  wantKeys?: boolean;
  /** the fallback level: 0–1 compare in a pool thread, 2–3 on the activity's thread */
  level?: number;
}

export interface CompareOutput {
  missing: number;
  extra: number;
  changed: number;
  rowsRefetched: { source: number; target: number };
  /** narrowed segments whose sub-ranges did not explain their difference, compared whole */
  widened?: number;
  /** keys of differing rows, for a later recheck (tokens where the key is masked) */
  keys?: KeyTuple[];
}

export interface FinalizeInput {
  runId: string;
  table: string;
  audit: Record<string, unknown>;
  checkpoints: unknown[];
}

export interface FinalizeOutput {
  manifestPath: string;
  manifestSha256: string;
  missing: number;
  extra: number;
  changed: number;
  changedColumns: Record<string, number>;
}

/** A rough width of one row as read (strings and buffers), for sizing fetches. */
export function rowBytesEstimate(pairs: ColumnPair[]): number {
  const width = (c: ColumnPair['source']) => {
    const len = Number(c.detail?.length ?? 0);
    if (c.family === 'json') return 512;
    if (c.family === 'text' || c.family === 'char' || c.family === 'binary' || c.family === 'enum') return len > 0 ? Math.min(len, 1024) : 256;
    return 24;
  };
  return pairs.reduce((n, p) => n + Math.max(width(p.source), width(p.target)), 0);
}

const applicationName = (what: string) => `parity:${what}`.slice(0, 63);

function classify(err: unknown): string {
  if (err instanceof ParityError) return err.name;
  const e = err as { code?: string; name?: string };
  if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') return 'ResourceExhausted';
  if (e?.name === 'AbortError') return 'Cancelled';
  const a = classifyPg(err);
  if (a && a !== 'Other') return a;
  const b = classifyMysql(err);
  if (b && b !== 'Other') return b;
  return 'Other';
}

/** The one mapper from anything thrown to an ApplicationFailure of our taxonomy. */
export function toFailure(err: unknown, where: string, secrets: string[] = []): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const type = classify(err);
  // resolve errors already name the connection
  const text = (err as Error)?.message ?? String(err);
  const message = redact(where === 'resolve' ? text : `${where}: ${text}`, secrets);
  const nonRetryable = NON_RETRYABLE_TYPES.includes(type) || type === 'ResourceExhausted';
  return ApplicationFailure.create({ message, type, nonRetryable });
}

/** The connection's URL from this worker's config; a failure is already an ApplicationFailure. */
function resolveUrl(conn: ConnInput): string {
  try {
    return resolveConnection(conn.name, conn.ref);
  } catch (err) {
    throw toFailure(err, 'resolve');
  }
}

async function withEngine<T>(conn: ConnInput, what: string, fn: (e: Engine, url: string) => Promise<T>): Promise<T> {
  const url = resolveUrl(conn);
  const where = `${what} on "${conn.name}" (${displayUrl(url)})`;
  let engine: Engine | undefined;
  try {
    const e = await openEngine(url, { applicationName: applicationName(what), statementTimeoutMs: 10 * 60_000 });
    engine = e;
    return await fn(e, url);
  } catch (err) {
    throw toFailure(err, where, passwords(url));
  } finally {
    await engine?.close().catch(() => {});
  }
}

function passwords(url: string): string[] {
  try {
    const p = decodeURIComponent(new URL(url).password);
    return p ? [p] : [];
  } catch {
    return [];
  }
}

function heartbeater(): { beat: (d: unknown) => void; stop: () => void } {
  // the latest checkpoint at most every period, and a liveness beat at least every period,
  // a third of the heartbeat timeout so one late beat is not a death
  const period = Math.max(500, Math.min(5000, (activityInfo().heartbeatTimeoutMs ?? 15_000) / 3));
  let latest: unknown = undefined;
  // one beat at once: the SDK sends the first heartbeat immediately and throttles the rest to
  // 0.8 × the timeout, so starting its window now lets the first checkpoint out a period sooner
  heartbeat(undefined);
  let last = Date.now();
  const beat = (d: unknown) => {
    latest = d;
    if (Date.now() - last > period) {
      last = Date.now();
      heartbeat(d);
    }
  };
  const t = setInterval(() => heartbeat(latest), period);
  return { beat, stop: () => clearInterval(t) };
}

/** Pushdown: one aggregate query per partition; the database reads, Parity only adds up. */
async function pushdownDigest(task: DigestTask, input: DigestInput, signal: AbortSignal, beat: (d: DigestCheckpoint | undefined) => void): Promise<DigestResult> {
  const readStartedAt = new Date().toISOString();
  const engine = await openEngine(task.url, { applicationName: task.applicationName });
  try {
    beat(undefined);
    const r = await pushdownPartition(engine, input.side, { schema: task.schema, pairs: task.pairs, range: task.range, segFrom: task.segFrom, inner: task.inner, where: task.where, signal });
    return { segments: r.segments, rows: r.rows, rowsReadNow: r.rows, readStartedAt, readEndedAt: new Date().toISOString() };
  } finally {
    await engine.close();
  }
}

/** Up to segments - 1 boundaries at even quantiles of the distinct sampled keys. */
function planBoundaries(keys: KeyTuple[], families: Family[], segments: number): KeyTuple[] {
  const all = keys.slice().sort((a, b) => compareKeys(a, b, families));
  const uniq: KeyTuple[] = [];
  for (const k of all) if (!uniq.length || compareKeys(uniq[uniq.length - 1], k, families) !== 0) uniq.push(k);
  const want = Math.max(0, Math.min(segments - 1, uniq.length));
  const out: KeyTuple[] = [];
  for (let j = 1; j <= want; j++) {
    const k = uniq[Math.min(uniq.length - 1, Math.floor((j * uniq.length) / (want + 1)))];
    if (!out.length || compareKeys(out[out.length - 1], k, families) < 0) out.push(k);
  }
  return out;
}

export function createActivities(deps: WorkerDeps) {
  return {
    async introspect(input: { conn: ConnInput; table: string }): Promise<TableSchema> {
      return withEngine(input.conn, `introspect ${input.table}`, async (e) => {
        const schema = await e.introspect(input.table);
        // the key lookup the engines' scans use (intKeyExtent reads the same column)
        const key = keyColumns(schema);
        if (key.length !== 1 || key[0].family !== 'int') return schema;
        const keyExtent = await e.intKeyExtent(schema);
        return keyExtent ? { ...schema, keyExtent } : schema;
      });
    },

    /**
     * The schema pre-check. Also returns both schemas with each key/column's paired family
     * (a MariaDB TINYINT(1) paired with boolean reads as bool), which scans and samples use.
     */
    async checkSchemas(input: { table: TableSpec; source: TableSchema; target: TableSchema; mode?: 'auto' | 'extract' | 'pushdown' }): Promise<SchemaCheck & { canonicalVersion: number; schemas: { source: TableSchema; target: TableSchema }; mode: Mode }> {
      const check = checkSchemas(input.source, input.target);
      const b = input.table.baseline;
      if (b) {
        if (b.canonicalVersion !== CANONICAL_VERSION) check.halts.push(`baseline: made with canonical encoding v${b.canonicalVersion}, this worker uses v${CANONICAL_VERSION}; write a new baseline`);
        check.halts.push(...baselineDrift(b, input.source, input.target).map((d) => `drift from baseline: ${d}`));
      }
      const mask = input.table.mask ?? {};
      for (const col of Object.keys(mask)) {
        if (!check.columns.some((c) => c.name === col.toLowerCase())) check.halts.push(`mask: column "${col}" is not in both tables`);
      }
      const columns: ColumnPair[] = [];
      for (const c of check.columns) {
        const m = mask[c.name];
        if (m === 'exclude') {
          if (c.isKey) check.halts.push(`mask: key column "${c.name}" cannot be excluded (use tokenize)`);
          else check.notCompared.push({ column: c.name, reason: 'masked with exclude' });
          if (!c.isKey) continue;
        }
        columns.push(m === 'tokenize' ? { ...c, mask: 'tokenize' } : c);
      }
      if (columns.some((c) => c.mask === 'tokenize') && !deps.maskKey) {
        check.halts.push('masking: this worker has no PARITY_MASK_KEY, needed to tokenize masked columns');
      }
      const schemas = { source: withPairFamilies(input.source, check.columns), target: withPairFamilies(input.target, check.columns) };
      const chosen = chooseMode(input.mode ?? 'auto', columns);
      if (chosen.halt) check.halts.push(chosen.halt);
      return { ...check, columns, canonicalVersion: CANONICAL_VERSION, schemas, mode: chosen.mode };
    },

    /** the fingerprint of this region's masking key (never the key) */
    async maskFingerprint(): Promise<string | null> {
      return deps.maskKey ? maskKeyFingerprint(deps.maskKey) : null;
    },

    /** --where must work on both sides, against their own schemas; a bad predicate is bad input. */
    async validateWhere(input: { conn: ConnInput; schema: TableSchema; where: string; side: string }): Promise<void> {
      return withEngine(input.conn, `validate --where on ${input.side}`, async (e) => {
        try {
          await e.sampleKeys(input.schema, 1, input.where);
        } catch (err) {
          const kind = classify(err);
          if (kind === 'ConnectionLost' || kind === 'Timeout') throw err;
          throw new BadConfig(`--where ${JSON.stringify(input.where)} does not work on the ${input.side} (${e.endpoint}): ${(err as Error).message}`);
        }
      });
    },

    async sampleKeys(input: { conn: ConnInput; schema: TableSchema; n: number; where?: string }): Promise<KeyTuple[]> {
      return withEngine(input.conn, `sample ${input.schema.table}`, (e) => e.sampleKeys(input.schema, input.n, input.where));
    },

    /** Segment boundaries from both sides' samples, in canonical key order. */
    async planSegments(input: { samples: KeyTuple[][]; families: Family[]; segments: number }): Promise<KeyTuple[]> {
      return planBoundaries(input.samples.flat(), input.families, input.segments);
    },

    /**
     * One side's key sample turned into segment boundaries where it is taken: the sample can
     * be large (its keys never reach workflow history, only the boundaries do), so segments
     * come out even — refinement reads a segment per difference.
     */
    async sampleBoundaries(input: { conn: ConnInput; schema: TableSchema; n: number; where?: string; families: Family[]; segments: number; packed?: boolean }): Promise<KeyTuple[] | PackedKeys> {
      return withEngine(input.conn, `sample ${input.schema.table}`, async (e) => {
        // a dense one-column integer key: equal widths from its two ends (two index lookups;
        // a sample of 78k keys took 0.15 s at 1M rows, 0.5 s at 5M). Runs begun now plan this
        // in the workflow from introspect's keyExtent; this serves those begun before, and a
        // plan whose introspect ran on a worker that gave no extent
        if (!input.where && input.families.length === 1 && input.families[0] === 'int' && input.segments > 1) {
          const ends = await e.intKeyExtent(input.schema);
          const even = ends && equalWidthBoundaries(ends.min, ends.max, input.segments, input.schema.rowEstimate);
          // packed only when the workflow asks: workflow code from before reads a list
          if (even) return input.packed ? packKeys(even) : even;
        }
        return planBoundaries(await e.sampleKeys(input.schema, input.n, input.where), input.families, input.segments);
      });
    },

    async digestPartition(input: DigestInput): Promise<DigestResult> {
      const info = activityInfo();
      const resumeFrom = (info.heartbeatDetails as DigestCheckpoint | undefined) ?? input.checkpoint;
      const keyMasked = input.pairs.some((p) => p.isKey && p.mask === 'tokenize');
      const url = resolveUrl(input.conn);
      const task: DigestTask = {
        side: input.side,
        url,
        schema: input.schema,
        pairs: input.pairs,
        range: input.range,
        segFrom: input.segFrom,
        inner: unpackKeys(input.inner),
        where: input.where,
        // the plan's fetch size, capped by what this worker's memory budget allows for rows this wide
        fetchSize: Math.min(input.level >= 3 ? Math.min(input.fetchSize, LEVEL3_FETCH) : input.fetchSize, deps.maxFetchRows?.(rowBytesEstimate(input.pairs)) ?? Infinity),
        maskKey: deps.maskKey?.toString('hex'),
        applicationName: applicationName(`digest ${input.side} ${input.label}`),
        checkpoint: keyMasked ? undefined : resumeFrom,
        keyMasked,
      };
      // rows earlier attempts read (up to their last heartbeat) count too: rowsRead includes re-reads
      const startRows = task.checkpoint?.rows ?? 0;
      const prior = (resumeFrom as { readTotal?: number } | undefined)?.readTotal ?? 0;
      const hb0 = heartbeater();
      const hb = {
        beat: (cp: DigestCheckpoint | undefined) => {
          hb0.beat(cp && { ...cp, readTotal: prior + cp.rows - startRows });
          // at most once a second (progress is throttled): levels 2 and 3 read on this thread
          deps.governor?.check();
        },
        stop: hb0.stop,
      };
      const signal = Context.current().cancellationSignal;
      try {
        // level 0/1: fused in a pool thread; 2: read here, hash in the hashing pool; 3: all here, small fetches
        const pool = deps.pool;
        const result = input.mode === 'pushdown'
          ? await pushdownDigest(task, input, signal, hb.beat)
          : pool && input.level <= 1
          ? await pool.digest(task, hb.beat, signal)
          : pool && input.level === 2
            ? await digestDecoupled(task, (b) => pool.hashBatch(b, signal), pool.depth, hb.beat, signal)
            : await digestPartition(task, hb.beat, signal);
        if (input.store) {
          const { runId, table, from, to } = input.store;
          writePartition(runId, table, `${input.side}-${String(from).padStart(6, '0')}-${to}`, { side: input.side, from, to, result } satisfies SavedPartition);
        }
        deps.metrics?.rowsHashed(input.side, result.rowsReadNow);
        deps.metrics?.partitionDone(input.side);
        // digests of tokenized columns are comparable only under one key: the workflow checks
        const maskKeyFp = deps.maskKey && input.pairs.some((p) => p.mask === 'tokenize') ? maskKeyFingerprint(deps.maskKey) : undefined;
        return { ...result, rowsReadTotal: prior + result.rowsReadNow, ...(maskKeyFp ? { maskKeyFp } : {}) };
      } catch (err) {
        const f = toFailure(err, `digest ${input.side} ${input.label} on "${input.conn.name}" (${displayUrl(url)})`, passwords(url));
        deps.metrics?.error(f.type ?? 'Other');
        throw f;
      } finally {
        hb.stop();
      }
    },

    /** Row-level comparison of unequal segments; both connections must be open to this worker. */
    async compareSegments(input: CompareInput): Promise<CompareOutput> {
      let records: DiffRecord[] = [];
      let rowsRefetched = { source: 0, target: 0 };
      let widened = 0;
      const chunks = refineChunks(input.ranges, input.narrowed);
      const hb = heartbeater();
      const signal = Context.current().cancellationSignal;
      const options = { table: input.table, pairs: input.pairs, where: input.where, fetchSize: input.fetchSize };
      const pool = deps.pool;
      // on this (the activity's) thread: levels 2–3, or a batch too big for a thread's heap
      const compareHere = () =>
        withEngine(input.source, `refine ${input.table}`, (se) =>
          withEngine(input.target, `refine ${input.table}`, async (te) => {
            deps.governor?.check();
            const r = await compareChunks({ engine: se, schema: input.source.schema }, { engine: te, schema: input.target.schema }, chunks, { ...options, maskKey: deps.maskKey, signal }, records, (read) => {
              hb.beat({ rowsRefetched: read });
              deps.governor?.check();
            });
            rowsRefetched = { source: r.source, target: r.target };
            widened = r.widened;
          }),
        );
      try {
        if (pool && (input.level ?? 0) <= 1) {
          // levels 0–1: in a pool thread on its own connections (the main thread stays free)
          const urls = { source: resolveUrl(input.source), target: resolveUrl(input.target) };
          try {
            const r = await pool.compare({
              source: { url: urls.source, schema: input.source.schema },
              target: { url: urls.target, schema: input.target.schema },
              chunks,
              options: { ...options, maskKey: deps.maskKey?.toString('hex') },
              applicationName: applicationName(`refine ${input.table}`),
            }, signal);
            records = r.records;
            rowsRefetched = r.rowsRefetched;
            widened = r.widened;
          } catch (err) {
            if ((err as { code?: string })?.code !== 'ERR_WORKER_OUT_OF_MEMORY') {
              throw toFailure(err, `refine ${input.table} on "${input.source.name}" (${displayUrl(urls.source)}) and "${input.target.name}" (${displayUrl(urls.target)})`, [...passwords(urls.source), ...passwords(urls.target)]);
            }
            // the batch outgrew a thread's heap ceiling (wide rows from both sides at once, or
            // a huge segment: a masked key makes the whole table one): compare it here, where
            // the heap is larger
            Context.current().log.warn('refinement batch outgrew a hashing thread heap; comparing on the activity thread', { table: input.table, batch: input.batch });
            records = [];
            rowsRefetched = { source: 0, target: 0 };
            widened = 0;
            await compareHere();
          }
        } else {
          await compareHere();
        }
      } finally {
        hb.stop();
      }
      writeBatch(input.runId, input.store ?? input.table, input.batch, records);
      if (widened) Context.current().log.info('narrowed refinement compared whole segments: their sub-ranges did not explain the difference', { table: input.table, batch: input.batch, segments: widened });
      const count = (k: string) => records.filter((r) => r.kind === k).length;
      return {
        missing: count('missing_in_target'),
        extra: count('extra_in_target'),
        changed: count('changed'),
        rowsRefetched,
        widened,
        keys: input.wantKeys ? records.map((r) => r.key) : undefined,
      };
    },

    /** Per-row digests of ranges on one side, for refinement across regions (only keys and digests travel). */
    async rowDigests(input: { side: 'source' | 'target'; conn: ConnInput; schema: TableSchema; pairs: ColumnPair[]; ranges: KeyRange[]; where?: string; fetchSize: number }): Promise<{ rows: RowDigest[]; read: number }> {
      return withEngine(input.conn, `refine ${input.schema.table}`, async (engine) => {
        const all: RowDigest[] = [];
        let read = 0;
        for (const range of rangeChunks(input.ranges)) {
          const r = await rowDigests(input.side, { engine, schema: input.schema }, range, { table: input.schema.table, pairs: input.pairs, where: input.where, fetchSize: input.fetchSize, maskKey: deps.maskKey, signal: Context.current().cancellationSignal });
          all.push(...r.rows);
          read += r.read;
        }
        return { rows: all, read };
      });
    },

    async savePlan(input: { runId: string; table: string; plan: SavedPlan }): Promise<void> {
      // the file keeps the list, which every version's loadResume reads
      writeTableFile(input.runId, input.table, 'plan.json', JSON.stringify({ ...input.plan, boundaries: unpackKeys(input.plan.boundaries) }));
    },

    /**
     * What an earlier run of this table finished: its plan and completed partitions. Refused
     * when the canonical encoding's version or the compared columns differ.
     */
    async loadResume(input: { fromRunId: string; table: string; columns: ColumnPair[]; mode?: Mode }): Promise<{ plan: SavedPlan & { boundaries: KeyTuple[] }; partitions: SavedPartition[] }> {
      const text = readTableFile(input.fromRunId, input.table, 'plan.json');
      if (!text) throw toFailure(new BadConfig(`--resume-from ${input.fromRunId}: no saved plan for table "${input.table}" in the results store`), 'resume');
      const plan = JSON.parse(text) as SavedPlan;
      if (plan.canonicalVersion !== CANONICAL_VERSION) {
        throw toFailure(new BadConfig(`--resume-from ${input.fromRunId}: made with canonical encoding v${plan.canonicalVersion}, this worker uses v${CANONICAL_VERSION}; start a fresh run`), 'resume');
      }
      const sig = (cs: ColumnPair[]) => JSON.stringify(cs.map((c) => [c.name, c.family, c.isKey, c.mask ?? null]));
      if (sig(plan.columns) !== sig(input.columns)) {
        throw toFailure(new BadConfig(`--resume-from ${input.fromRunId}: table "${input.table}" was compared with other columns, types or masks; start a fresh run`), 'resume');
      }
      if ((plan.mode ?? 'extract') !== (input.mode ?? 'extract')) {
        throw toFailure(new BadConfig(`--resume-from ${input.fromRunId}: table "${input.table}" ran in ${plan.mode ?? 'extract'} mode, this run is ${input.mode ?? 'extract'}; give the same --mode`), 'resume');
      }
      return { plan: { ...plan, boundaries: unpackKeys(plan.boundaries) }, partitions: readPartitions<SavedPartition>(input.fromRunId, input.table) };
    },

    async writeDiffBatch(input: { runId: string; table: string; batch: string; records: DiffRecord[] }): Promise<void> {
      writeBatch(input.runId, input.table, input.batch, input.records);
    },

    /** Assembles the table's delta manifest (sorted by key) and its checkpoint manifest. */
    async finalizeTable(input: FinalizeInput & { families: Family[]; inFlight?: KeyTuple[] }): Promise<FinalizeOutput> {
      const inFlight = new Set((input.inFlight ?? []).map((k) => JSON.stringify(k)));
      const all = readBatches(input.runId, input.table).sort((a, b) => compareKeys(a.key, b.key, input.families));
      const records = all.filter((r) => !inFlight.has(JSON.stringify(r.key)));
      if (inFlight.size) writeTableFile(input.runId, input.table, 'in-flight.jsonl', all.filter((r) => inFlight.has(JSON.stringify(r.key))).map(recordLine).join(''));
      const body = records.map(recordLine).join('');
      const manifestPath = writeTableFile(input.runId, input.table, 'manifest.jsonl', body);
      const manifestSha256 = createHash('sha256').update(body).digest('hex');
      writeTableFile(
        input.runId,
        input.table,
        'checkpoints.jsonl',
        input.checkpoints.map((c) => JSON.stringify({ canonicalVersion: CANONICAL_VERSION, ...(c as object) }) + '\n').join(''),
      );
      writeTableFile(input.runId, input.table, 'audit.json', JSON.stringify({ ...input.audit, manifestSha256 }, null, 2));
      const changedColumns: Record<string, number> = {};
      for (const r of records) for (const c of r.columns) changedColumns[c] = (changedColumns[c] ?? 0) + 1;
      const count = (k: string) => records.filter((r) => r.kind === k).length;
      return { manifestPath, manifestSha256, missing: count('missing_in_target'), extra: count('extra_in_target'), changed: count('changed'), changedColumns };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
