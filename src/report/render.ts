// Reports from the results store: the JSON Lines delta manifest, CSV, and a single-file HTML
// report. The audit header (versions, parameters, read windows, the manifest's SHA-256)
// goes wherever the format allows: CSV carries it as a leading `# ` comment line, HTML in
// its Audit section. JSON Lines stays exactly the manifest (RULES.md R9), byte for byte, so
// its SHA-256 is the one the audit names.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DiffRecord } from '../core/types';
import type { RunSummary } from '../../workflows/types';
import { readTableFile } from './store';
import { CANONICAL_VERSION } from '../canonical';
import { renderHtml, type PartitionRow } from './html';

/** package.json's version, found upward from here (dist/src/report or src/report). */
function parityVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).version;
    if (dirname(dir) === dir) return 'unknown';
  }
}
const PARITY_VERSION = parityVersion();

export type ReportFormat = 'jsonl' | 'csv' | 'html';

export interface TableAudit {
  table: string;
  status: string;
  /** connection display (host:port/database, never credentials) */
  source?: string;
  target?: string;
  /** when each side's digest reads began and ended (ISO 8601, UTC) */
  reads?: Record<string, { began?: string; ended?: string }>;
  /** the run options the table was reconciled with */
  options?: Record<string, unknown>;
  /** SHA-256 of this table's part of the manifest */
  manifestSha256: string;
}

export interface AuditHeader {
  parityVersion: string;
  canonicalVersion: number;
  workflowId: string;
  runId: string;
  status: string;
  /** SHA-256 of the whole JSON Lines manifest (every table's records, in table order) */
  manifestSha256: string;
  tables: TableAudit[];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function tableManifest(summary: RunSummary, table: string): string {
  return readTableFile(summary.runId, table, 'manifest.jsonl') ?? '';
}

export function manifestOf(summary: RunSummary): string {
  return summary.tables.map((t) => tableManifest(summary, t.table)).join('');
}

function readJson(runId: string, table: string, file: string): Record<string, unknown> {
  const text = readTableFile(runId, table, file);
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

export function auditHeader(summary: RunSummary, workflowId: string, manifest: string): AuditHeader {
  return {
    parityVersion: PARITY_VERSION,
    canonicalVersion: CANONICAL_VERSION,
    workflowId,
    runId: summary.runId,
    status: summary.status,
    manifestSha256: sha256(manifest),
    tables: summary.tables.map((t) => {
      const audit = readJson(summary.runId, t.table, 'audit.json') as {
        source?: string; target?: string; reads?: TableAudit['reads']; options?: Record<string, unknown>;
      };
      return {
        table: t.table,
        status: t.status,
        source: audit.source,
        target: audit.target,
        reads: t.reads ?? audit.reads,
        options: audit.options,
        manifestSha256: sha256(tableManifest(summary, t.table)),
      };
    }),
  };
}

/** The partitions each side was read in, from the table's checkpoint manifest. */
export function partitionsOf(runId: string, table: string): PartitionRow[] {
  const text = readTableFile(runId, table, 'checkpoints.jsonl');
  if (!text) return [];
  const out: PartitionRow[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const c = JSON.parse(line);
      out.push({
        side: c.side,
        from: c.from,
        to: c.to,
        lo: c.range?.lo,
        hi: c.range?.hi,
        rows: c.rows,
        began: c.began ?? c.readStartedAt,
        ended: c.ended ?? c.readEndedAt,
      });
    } catch {
      // a torn line says nothing useful; the rest still does
    }
  }
  return out.sort((a, b) => (a.side === b.side ? a.from - b.from : a.side < b.side ? -1 : 1));
}

const csvCell = (s: string) => (/[",\n\r#]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function renderCsv(audit: AuditHeader, records: DiffRecord[]): string {
  // one comment line: most CSV readers can skip it (pandas skiprows=1, csvkit --skip-lines 1)
  const head = `# parity-audit ${JSON.stringify(audit)}\n` + 'table,key,kind,columns\n';
  const body = records.map((r) => [r.table, JSON.stringify(r.key), r.kind, r.columns.join(' ')].map(csvCell).join(',') + '\n');
  return head + body.join('');
}

export function renderReport(summary: RunSummary, workflowId: string, format: ReportFormat): string {
  const manifest = manifestOf(summary);
  if (format === 'jsonl') return manifest;
  const audit = auditHeader(summary, workflowId, manifest);
  const records: DiffRecord[] = manifest.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  if (format === 'csv') return renderCsv(audit, records);
  const partitions = Object.fromEntries(summary.tables.map((t) => [t.table, partitionsOf(summary.runId, t.table)]));
  return renderHtml({ summary, audit, records, partitions });
}
