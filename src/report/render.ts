// Reports from the results store: the JSON Lines delta manifest, CSV, and a single-file HTML
// report. Every format carries the audit header (version, encoding version, parameters,
// read windows, the manifest's SHA-256).
import { createHash } from 'node:crypto';
import type { DiffRecord } from '../core/types';
import type { RunSummary, TableSummary } from '../../workflows/types';
import { readTableFile } from './store';
import { CANONICAL_VERSION } from '../canonical';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const PARITY_VERSION: string = require('../../../package.json').version;

export function manifestOf(summary: RunSummary): string {
  return summary.tables.map((t) => readTableFile(summary.runId, t.table, 'manifest.jsonl') ?? '').join('');
}

export function auditHeader(summary: RunSummary, workflowId: string, manifest: string) {
  return {
    parityVersion: PARITY_VERSION,
    canonicalVersion: CANONICAL_VERSION,
    workflowId,
    runId: summary.runId,
    status: summary.status,
    manifestSha256: createHash('sha256').update(manifest).digest('hex'),
    tables: summary.tables.map((t) => {
      const audit = JSON.parse(readTableFile(summary.runId, t.table, 'audit.json') ?? '{}');
      return { table: t.table, source: audit.source, target: audit.target, reads: t.reads ?? audit.reads, options: audit.options };
    }),
  };
}

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

export function renderReport(summary: RunSummary, workflowId: string, format: 'jsonl' | 'csv' | 'html'): string {
  const manifest = manifestOf(summary);
  const audit = auditHeader(summary, workflowId, manifest);
  const records: DiffRecord[] = manifest.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  if (format === 'jsonl') return manifest;
  if (format === 'csv') {
    const head = `# ${JSON.stringify(audit)}\n` + 'table,key,kind,columns\n';
    return head + records.map((r) => [r.table, JSON.stringify(r.key), r.kind, r.columns.join(' ')].map(csvCell).join(',')).join('\n') + (records.length ? '\n' : '');
  }
  return renderHtml(summary, audit, records);
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function tableSection(t: TableSummary, records: DiffRecord[]): string {
  const cols = Object.entries(t.changedColumns ?? {}).sort((a, b) => b[1] - a[1]);
  const max = Math.max(1, ...cols.map(([, n]) => n));
  const rows = records.filter((r) => r.table === t.table).slice(0, 500);
  return `<section class="table" data-table="${esc(t.table)}">
<h2>${esc(t.table)} <span class="status ${esc(t.status)}">${esc(t.status)}</span></h2>
<table class="counts"><tr><th>source rows</th><th>target rows</th><th>missing in target</th><th>extra in target</th><th>changed</th><th>rows read (source / target)</th><th>rows refetched</th><th>mode</th><th>fallback level</th><th>time</th></tr>
<tr><td>${t.sourceRows}</td><td>${t.targetRows}</td><td class="missing">${t.missing}</td><td class="extra">${t.extra}</td><td class="changed">${t.changed}</td><td>${t.rowsRead.source} / ${t.rowsRead.target}</td><td>${t.rowsRefetched}</td><td>${esc(t.mode)}</td><td>${t.fallbackLevel}</td><td>${(t.durationMs / 1000).toFixed(1)} s</td></tr></table>
${t.error ? `<p class="error"><b>${esc(t.error.type)}</b>: ${esc(t.error.message)}</p>` : ''}
<h3>Changed columns</h3>
${cols.length ? `<div class="histogram">${cols.map(([c, n]) => `<div class="bar"><span class="name">${esc(c)}</span><span class="fill" style="width:${Math.round((n / max) * 300)}px"></span><span class="n">${n}</span></div>`).join('')}</div>` : '<p>none</p>'}
<h3>Partitions and timings</h3>
<p>${t.partitions ?? '?'} partition(s) per side, ${t.segments ?? '?'} segment(s), ${t.unequalSegments ?? 0} unequal; reads: ${esc(JSON.stringify(t.reads ?? {}))}</p>
<h3>Fallback events</h3>
${t.fallbackEvents?.length ? `<ul>${t.fallbackEvents.map((e) => `<li>level ${e.level}${e.partition ? ` on ${esc(e.partition)}` : ''}: ${esc(e.reason)}</li>`).join('')}</ul>` : '<p>none (level 0 throughout)</p>'}
<h3>Schema pre-check</h3>
${(t.findings?.length || t.notCompared?.length) ? `<ul>${(t.findings ?? []).map((f) => `<li>${esc(f)}</li>`).join('')}${(t.notCompared ?? []).map((n) => `<li>not compared: ${esc(n.column)} (${esc(n.reason)})</li>`).join('')}</ul>` : '<p>no findings</p>'}
<h3>Differing rows${rows.length === 500 ? ' (first 500)' : ''}</h3>
<table class="diff"><tr><th>key</th><th>kind</th><th>columns</th></tr>${rows.map((r) => `<tr class="${r.kind}"><td>${esc(r.key.join(', '))}</td><td>${r.kind}</td><td>${esc(r.columns.join(', '))}</td></tr>`).join('')}</table>
</section>`;
}

function renderHtml(summary: RunSummary, audit: ReturnType<typeof auditHeader>, records: DiffRecord[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Parity report ${esc(audit.workflowId)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
.status{font-size:.7em;padding:2px 8px;border-radius:8px;background:#ddd}.status.identical{background:#b6e3b6}.status.different{background:#f6d38b}.status.failed,.status.halted{background:#f19999}
.bar{display:flex;gap:8px;align-items:center}.bar .name{width:160px}.bar .fill{display:inline-block;height:12px;background:#4a7bd0}.audit{font-size:12px;background:#f6f6f6;padding:8px;white-space:pre-wrap}
tr.missing_in_target td{background:#fde2e2}tr.extra_in_target td{background:#e2ecfd}tr.changed td{background:#fff5d6}</style></head><body>
<h1>Parity report: <span id="run-status">${esc(summary.status)}</span></h1>
<details open><summary>Audit</summary><pre class="audit" id="audit">${esc(JSON.stringify(audit, null, 2))}</pre></details>
${summary.tables.map((t) => tableSection(t, records)).join('\n')}
</body></html>\n`;
}
