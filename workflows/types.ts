// What workflows return and expose: the contract's summary fields (DESIGN.md) and more.
import type { FallbackEvent } from '../src/core/fallback';

export interface TableSummary {
  table: string;
  /** identical | different | halted (schema pre-check) | failed (could not decide) */
  status: 'identical' | 'different' | 'halted' | 'failed';
  sourceRows: number;
  targetRows: number;
  missing: number;
  extra: number;
  changed: number;
  /** keys that differed at first and converged on recheck (replication lag) */
  inFlight?: number;
  changedColumns?: Record<string, number>;
  rowsRead: { source: number; target: number };
  rowsRefetched: number;
  mode: 'extract' | 'pushdown';
  fallbackLevel: number;
  fallbackEvents?: FallbackEvent[];
  durationMs: number;
  partitions?: number;
  segments?: number;
  unequalSegments?: number;
  reads?: Record<string, { began?: string; ended?: string }>;
  findings?: string[];
  notCompared?: { column: string; reason: string }[];
  manifestSha256?: string;
  manifestPath?: string;
  error?: { type: string; message: string };
}

export interface RunSummary {
  runId: string;
  status: 'identical' | 'different' | 'error';
  tables: TableSummary[];
}

export interface ProgressView {
  table: string;
  phase: string;
  paused: boolean;
  partitions: { source: { done: number; total: number }; target: { done: number; total: number } };
  rowsRead: { source: number; target: number };
  rowsPerSec: number;
  etaSeconds: number | null;
  fallbackLevel: number;
  /** 0…1 */
  progress: number;
}
