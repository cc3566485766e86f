// The results store: a directory per run under the state dir. Refinement activities write
// their diff records here in batches (atomically, so a retried batch replaces itself); the
// report step assembles the delta manifest from them. `parity report` reads it.
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DiffRecord } from '../core/types';
import { stateDir } from '../policy/state';

const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, (c) => '~' + c.charCodeAt(0).toString(16).padStart(2, '0'));

export function resultsRoot(): string {
  return process.env.PARITY_RESULTS_DIR ?? join(stateDir(), 'results');
}

export function runDir(runId: string): string {
  return join(resultsRoot(), safe(runId));
}

function tableDir(runId: string, table: string): string {
  return join(runDir(runId), safe(table));
}

export function writeAtomic(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

export const recordLine = (r: DiffRecord): string =>
  JSON.stringify({ table: r.table, key: r.key, kind: r.kind, columns: r.columns }) + '\n';

export function writeBatch(runId: string, table: string, batch: string, records: DiffRecord[]): void {
  const dir = join(tableDir(runId, table), 'batches');
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, `${safe(batch)}.jsonl`), records.map(recordLine).join(''));
}

export function readBatches(runId: string, table: string): DiffRecord[] {
  const dir = join(tableDir(runId, table), 'batches');
  if (!existsSync(dir)) return [];
  const out: DiffRecord[] = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) if (line) out.push(JSON.parse(line));
  }
  return out;
}

export function writeTableFile(runId: string, table: string, file: string, content: string): string {
  const dir = tableDir(runId, table);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, file);
  writeAtomic(path, content);
  return path;
}

export function writeRunFile(runId: string, file: string, content: string): string {
  mkdirSync(runDir(runId), { recursive: true });
  const path = join(runDir(runId), file);
  writeAtomic(path, content);
  return path;
}

export function readRunFile(runId: string, file: string): string | undefined {
  const path = join(runDir(runId), file);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

export function readTableFile(runId: string, table: string, file: string): string | undefined {
  const path = join(tableDir(runId, table), file);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** Completed partition results, one file each, so a later run can resume from them. */
export function writePartition(runId: string, table: string, name: string, result: unknown): void {
  const dir = join(tableDir(runId, table), 'partitions');
  mkdirSync(dir, { recursive: true });
  writeAtomic(join(dir, `${safe(name)}.json`), JSON.stringify(result));
}

export function readPartitions<T>(runId: string, table: string): T[] {
  const dir = join(tableDir(runId, table), 'partitions');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T);
}
