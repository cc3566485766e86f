// The single-file HTML report: no scripts, fonts or images from elsewhere, so it can be
// mailed, attached to a ticket or opened offline. Stable ids, classes and data-* attributes
// mark what a reader (or the browser test) looks for: #run-status, #manifest-sha256,
// section.table[data-table], td[data-count], .histogram .bar[data-column][data-count].
import type { DiffRecord } from '../core/types';
import type { RunSummary, TableSummary } from '../../workflows/types';
import type { AuditHeader, TableAudit } from './render';

export interface PartitionRow {
  side: string;
  /** segment indexes [from, to) */
  from: number;
  to: number;
  lo?: string[];
  hi?: string[];
  rows: number;
  began?: string;
  ended?: string;
}

export interface HtmlInput {
  summary: RunSummary;
  audit: AuditHeader;
  records: DiffRecord[];
  /** per table, the partitions each side was read in */
  partitions: Record<string, PartitionRow[]>;
}

/** Rows of the differing-rows and partition tables shown per table; the manifest has all. */
export const ROW_LIMIT = 500;
export const PARTITION_LIMIT = 200;

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (n: number | undefined) => (n === undefined || n === null ? '–' : n.toLocaleString('en-US'));

function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const between = (a?: string, b?: string) => (a && b ? Date.parse(b) - Date.parse(a) : undefined);
const keyText = (k?: string[]) => (k ? k.join(', ') : undefined);

function readWindows(t: TableSummary, a: TableAudit | undefined): string {
  const reads = t.reads ?? a?.reads ?? {};
  const sides = ['source', 'target'] as const;
  const rows = sides.map((side) => {
    const w = reads[side] ?? {};
    const ms = between(w.began, w.ended);
    const n = t.rowsRead?.[side];
    const rate = ms && ms > 0 && n ? Math.round(n / (ms / 1000)) : undefined;
    return `<tr data-side="${side}"><th>${side}</th><td>${esc(side === 'source' ? a?.source : a?.target)}</td><td class="began">${esc(w.began ?? '–')}</td><td class="ended">${esc(w.ended ?? '–')}</td><td>${duration(ms)}</td><td class="num">${num(n)}</td><td class="num">${rate === undefined ? '–' : num(rate)}</td></tr>`;
  });
  return `<table class="reads"><thead><tr><th>side</th><th>connection</th><th>reads began</th><th>reads ended</th><th>read time</th><th>rows read</th><th>rows/s</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function countsTable(t: TableSummary): string {
  const cell = (cls: string, n: number | undefined) => `<td class="num ${cls}" data-count="${n ?? ''}">${num(n)}</td>`;
  return `<div class="scroll"><table class="counts"><thead><tr><th>source rows</th><th>target rows</th><th>missing in target</th><th>extra in target</th><th>changed</th>${t.inFlight ? '<th>in flight</th>' : ''}<th>rows read (source / target)</th><th>rows refetched</th><th>mode</th><th>fallback level</th><th>time</th></tr></thead>
<tbody><tr>${cell('source-rows', t.sourceRows)}${cell('target-rows', t.targetRows)}${cell('missing', t.missing)}${cell('extra', t.extra)}${cell('changed', t.changed)}${t.inFlight ? cell('in-flight', t.inFlight) : ''}<td class="num">${num(t.rowsRead?.source)} / ${num(t.rowsRead?.target)}</td>${cell('refetched', t.rowsRefetched)}<td>${esc(t.mode)}</td><td class="num level" data-level="${t.fallbackLevel}">${t.fallbackLevel}</td><td class="num">${duration(t.durationMs)}</td></tr></tbody></table></div>`;
}

function histogram(t: TableSummary): string {
  const cols = Object.entries(t.changedColumns ?? {}).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (!cols.length) return `<p class="none">${t.changed ? 'not recorded' : 'no changed rows'}</p>`;
  const max = Math.max(1, ...cols.map(([, n]) => n));
  const bars = cols.map(([c, n]) => {
    const pct = Math.max(1, Math.round((n / max) * 1000) / 10);
    return `<div class="bar" data-column="${esc(c)}" data-count="${n}"><span class="name" title="${esc(c)}">${esc(c)}</span><span class="track"><span class="fill" style="width:${pct}%"></span></span><span class="n">${num(n)}</span></div>`;
  });
  return `<div class="histogram" role="img" aria-label="changed rows per column">${bars.join('')}</div>`;
}

function partitionsBlock(t: TableSummary, parts: PartitionRow[]): string {
  const perSide = (s: string) => parts.filter((p) => p.side === s);
  const line = `<p><b>${num(t.segments)}</b> segment(s), <b>${num(t.unequalSegments ?? 0)}</b> unequal and refined row by row; ${num(perSide('source').length || t.partitions)} partition(s) read on the source, ${num(perSide('target').length || t.partitions)} on the target.</p>`;
  if (!parts.length) return line;
  const timed = parts.some((p) => p.began && p.ended);
  const shown = parts.slice(0, PARTITION_LIMIT);
  const rows = shown.map((p) => {
    const ms = between(p.began, p.ended);
    return `<tr data-side="${esc(p.side)}"><td>${esc(p.side)}</td><td class="num">${p.from}–${p.to - 1}</td><td class="key">${esc(keyText(p.lo) ?? '−∞')}</td><td class="key">${esc(keyText(p.hi) ?? '+∞')}</td><td class="num">${num(p.rows)}</td>${timed ? `<td>${esc(p.began ?? '–')}</td><td>${duration(ms)}</td>` : ''}</tr>`;
  });
  return `${line}
<details${parts.length <= 40 ? ' open' : ''}><summary>partitions (${parts.length}${parts.length > shown.length ? `, first ${shown.length} shown` : ''})</summary>
<table class="partitions"><thead><tr><th>side</th><th>segments</th><th>keys from (inclusive)</th><th>keys to (exclusive)</th><th>rows</th>${timed ? '<th>began</th><th>read time</th>' : ''}</tr></thead><tbody>${rows.join('')}</tbody></table></details>`;
}

function fallbackBlock(t: TableSummary): string {
  const ev = t.fallbackEvents ?? [];
  if (!ev.length) return `<p class="none">none: level ${t.fallbackLevel} throughout</p>`;
  return `<ol class="fallback">${ev.map((e) => `<li data-level="${e.level}">level ${e.level}${e.partition ? ` on <code>${esc(e.partition)}</code>` : ''}: ${esc(e.reason)}</li>`).join('')}</ol>`;
}

function precheckBlock(t: TableSummary): string {
  const items = [
    ...(t.status === 'halted' && t.error ? [`<li class="halt"><b>halted</b>: <pre>${esc(t.error.message)}</pre></li>`] : []),
    ...(t.findings ?? []).map((f) => `<li class="finding">${esc(f)}</li>`),
    ...(t.notCompared ?? []).map((n) => `<li class="not-compared">not compared: <code>${esc(n.column)}</code> (${esc(n.reason)})</li>`),
  ];
  return items.length ? `<ul class="precheck">${items.join('')}</ul>` : '<p class="none">no findings</p>';
}

function diffRows(t: TableSummary, records: DiffRecord[]): string {
  const mine = records.filter((r) => r.table === t.table);
  if (!mine.length) return '<p class="none">none</p>';
  const shown = mine.slice(0, ROW_LIMIT);
  const label = { missing_in_target: 'missing in target', extra_in_target: 'extra in target', changed: 'changed' } as Record<string, string>;
  return `${mine.length > shown.length ? `<p>first ${shown.length} of ${num(mine.length)}; the JSON Lines manifest has them all</p>` : ''}
<table class="diff"><thead><tr><th>key</th><th>kind</th><th>columns</th></tr></thead><tbody>${shown.map((r) => `<tr class="${esc(r.kind)}"><td class="key">${esc(r.key.join(', '))}</td><td>${esc(label[r.kind] ?? r.kind)}</td><td>${esc(r.columns.join(', '))}</td></tr>`).join('')}</tbody></table>`;
}

const anchor = (table: string) => 't-' + table.replace(/[^A-Za-z0-9_-]/g, (c) => '_' + c.charCodeAt(0).toString(16));

function tableSection(t: TableSummary, a: TableAudit | undefined, records: DiffRecord[], parts: PartitionRow[]): string {
  const failed = t.error && t.status !== 'halted'
    ? `<p class="error"><b>${esc(t.error.type)}</b>: could not decide.</p><pre class="error">${esc(t.error.message)}</pre>`
    : '';
  return `<section class="table" id="${anchor(t.table)}" data-table="${esc(t.table)}" data-status="${esc(t.status)}">
<h2>${esc(t.table)} <span class="status ${esc(t.status)}">${esc(t.status)}</span></h2>
${failed}
${countsTable(t)}
<h3>Changed columns</h3>
${histogram(t)}
<h3>Partitions and timings</h3>
${readWindows(t, a)}
${partitionsBlock(t, parts)}
<h3>Fallback events</h3>
${fallbackBlock(t)}
<h3>Schema pre-check</h3>
${precheckBlock(t)}
<h3>Differing rows</h3>
${diffRows(t, records)}
</section>`;
}

function overview(summary: RunSummary): string {
  const rows = summary.tables.map((t) => `<tr data-table="${esc(t.table)}"><td><a href="#${anchor(t.table)}">${esc(t.table)}</a></td><td><span class="status ${esc(t.status)}">${esc(t.status)}</span></td><td class="num">${num(t.sourceRows)}</td><td class="num">${num(t.targetRows)}</td><td class="num">${num(t.missing)}</td><td class="num">${num(t.extra)}</td><td class="num">${num(t.changed)}</td><td class="num">${t.fallbackLevel}</td><td class="num">${duration(t.durationMs)}</td></tr>`);
  return `<table class="overview"><thead><tr><th>table</th><th>status</th><th>source rows</th><th>target rows</th><th>missing</th><th>extra</th><th>changed</th><th>level</th><th>time</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function auditBlock(audit: AuditHeader): string {
  const params = audit.tables.map((t) => {
    const opts = Object.entries(t.options ?? {}).map(([k, v]) => `<code>${esc(k)}=${esc(typeof v === 'object' ? JSON.stringify(v) : v)}</code>`).join(' ');
    const reads = ['source', 'target'].map((s) => `<span class="side">${s}</span> ${esc(t.reads?.[s]?.began ?? '–')} → ${esc(t.reads?.[s]?.ended ?? '–')}`).join('<br>');
    return `<tr data-table="${esc(t.table)}"><td>${esc(t.table)}<div class="sha" title="SHA-256 of this table's part of the manifest">manifest <code>${esc(t.manifestSha256)}</code></div></td><td>${esc(t.source ?? '–')}<br>${esc(t.target ?? '–')}</td><td class="reads">${reads}</td><td class="params">${opts || '–'}</td></tr>`;
  });
  return `<dl class="audit">
<dt>Parity version</dt><dd id="parity-version">${esc(audit.parityVersion)}</dd>
<dt>canonical encoding version</dt><dd id="canonical-version">${esc(audit.canonicalVersion)}</dd>
<dt>workflow id</dt><dd><code id="workflow-id">${esc(audit.workflowId)}</code></dd>
<dt>run id</dt><dd><code>${esc(audit.runId)}</code></dd>
<dt>manifest SHA-256</dt><dd><code id="manifest-sha256">${esc(audit.manifestSha256)}</code> <small>(of <code>parity report ${esc(audit.workflowId)} --format jsonl</code>)</small></dd>
</dl>
<div class="scroll"><table class="audit-tables"><thead><tr><th>table</th><th>source / target</th><th>reads began → ended (UTC)</th><th>parameters</th></tr></thead><tbody>${params.join('')}</tbody></table></div>
<details><summary>audit header as JSON</summary><pre id="audit-json">${esc(JSON.stringify(audit, null, 2))}</pre></details>`;
}

const CSS = `:root{--fg:#1d2330;--muted:#5b6475;--bg:#fff;--panel:#f5f6f8;--line:#d8dce3;--accent:#3d6fd1;--ok:#2e8540;--okbg:#dcf1e0;--warn:#8a5a00;--warnbg:#fbecc9;--bad:#a4262c;--badbg:#f8d7d9}
@media (prefers-color-scheme:dark){:root{--fg:#e3e6eb;--muted:#9aa3b2;--bg:#161a21;--panel:#1f242d;--line:#353c48;--accent:#6f9cf0;--okbg:#1e3b26;--ok:#8fd19e;--warnbg:#4a3a12;--warn:#f0cf7a;--badbg:#4d1f22;--bad:#f3a5a9}}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--fg);background:var(--bg)}
header{padding:20px 32px;border-bottom:1px solid var(--line);background:var(--panel)}main{padding:8px 32px 40px;max-width:1320px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;padding-top:12px;border-top:1px solid var(--line)}h3{font-size:14px;margin:18px 0 6px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.sub{color:var(--muted)}code,pre,.key{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}pre{white-space:pre-wrap;margin:4px 0}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid var(--line);padding:4px 9px;text-align:left;vertical-align:top}thead th{background:var(--panel);font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.status{display:inline-block;font-size:12px;font-weight:600;padding:1px 9px;border-radius:10px;background:var(--panel);border:1px solid var(--line);vertical-align:middle}
.status.identical{background:var(--okbg);color:var(--ok)}.status.different{background:var(--warnbg);color:var(--warn)}.status.failed,.status.halted,.status.error{background:var(--badbg);color:var(--bad)}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}.card{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:120px}.card b{display:block;font-size:20px}
.histogram{max-width:720px}.bar{display:grid;grid-template-columns:180px 1fr 70px;gap:10px;align-items:center;margin:3px 0}.bar .name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-family:ui-monospace,monospace;font-size:12.5px}
.bar .track{background:var(--panel);border-radius:3px;height:14px}.bar .fill{display:block;height:14px;border-radius:3px;background:var(--accent)}.bar .n{text-align:right;font-variant-numeric:tabular-nums}
td.missing[data-count]:not([data-count="0"]){background:var(--badbg)}td.extra[data-count]:not([data-count="0"]){background:var(--badbg)}td.changed[data-count]:not([data-count="0"]){background:var(--warnbg)}
tr.missing_in_target td:first-child,tr.extra_in_target td:first-child{border-left:4px solid var(--bad)}tr.changed td:first-child{border-left:4px solid var(--warn)}
.audit-tables td.reads{white-space:nowrap;font-family:ui-monospace,monospace;font-size:12px}.audit-tables .sha{word-break:break-all;max-width:17em;font-size:11px;color:var(--muted);margin-top:4px}.audit-tables td.params{min-width:18em;max-width:26em}.audit-tables .side{display:inline-block;width:4.5em;font-family:system-ui,sans-serif;color:var(--muted)}.audit-tables td.params code{display:inline-block;margin-right:6px}
.audit{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}.audit dt{color:var(--muted)}.audit dd{margin:0}
.scroll{overflow-x:auto;max-width:100%}.none{color:var(--muted)}.error{color:var(--bad)}li.halt pre{color:var(--bad)}details summary{cursor:pointer;color:var(--accent)}
@media print{details{display:block}details>summary{display:none}header{background:none}}`;

export function renderHtml({ summary, audit, records, partitions }: HtmlInput): string {
  const sum = (f: (t: TableSummary) => number) => summary.tables.reduce((n, t) => n + (f(t) || 0), 0);
  const differences = sum((t) => t.missing + t.extra + t.changed);
  const cards = [
    ['tables', summary.tables.length],
    ['source rows', sum((t) => t.sourceRows)],
    ['target rows', sum((t) => t.targetRows)],
    ['differing rows', differences],
    ['could not decide', summary.tables.filter((t) => t.status === 'failed' || t.status === 'halted').length],
  ].map(([label, n]) => `<div class="card" data-card="${esc(label)}"><b>${num(n as number)}</b>${esc(label)}</div>`);
  const byTable = new Map(audit.tables.map((t) => [t.table, t]));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="generator" content="Parity ${esc(audit.parityVersion)}">
<title>Parity report ${esc(audit.workflowId)}: ${esc(summary.status)}</title>
<style>${CSS}</style></head><body>
<header><h1>Parity report <span class="status ${esc(summary.status)}" id="run-status">${esc(summary.status)}</span></h1>
<div class="sub"><code>${esc(audit.workflowId)}</code> · Parity ${esc(audit.parityVersion)} · canonical encoding v${esc(audit.canonicalVersion)}</div></header>
<main>
<div class="cards">${cards.join('')}</div>
${overview(summary)}
<h2 id="audit">Audit</h2>
${auditBlock(audit)}
${summary.tables.map((t) => tableSection(t, byTable.get(t.table), records, partitions[t.table] ?? [])).join('\n')}
</main></body></html>
`;
}
