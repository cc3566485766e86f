// The human summary table and the exit code contract.
import type { RunSummary } from '../../workflows/types';

export function exitCodeOf(s: RunSummary): number {
  let code = 0;
  for (const t of s.tables) {
    const c = t.status === 'identical' ? 0 : t.status === 'different' ? 1 : 2;
    code = Math.max(code, c);
  }
  return code;
}

function pad(cells: string[][]): string {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

export function formatSummary(s: RunSummary, workflowId: string): string {
  const rows = [['table', 'status', 'source rows', 'target rows', 'missing', 'extra', 'changed', 'level', 'time']];
  for (const t of s.tables) {
    rows.push([t.table, t.status, String(t.sourceRows), String(t.targetRows), String(t.missing), String(t.extra), String(t.changed), String(t.fallbackLevel), `${(t.durationMs / 1000).toFixed(1)}s`]);
  }
  const lines = [`run ${workflowId}: ${s.status}`, pad(rows)];
  for (const t of s.tables) {
    if (t.error) lines.push(`\n${t.table}: ${t.error.type}: ${t.error.message}`);
    const cols = Object.entries(t.changedColumns ?? {}).sort((a, b) => b[1] - a[1]);
    if (cols.length) lines.push(`${t.table}: changed columns: ${cols.map(([c, n]) => `${c} (${n})`).join(', ')}`);
    if (t.inFlight) lines.push(`${t.table}: ${t.inFlight} key(s) converged on recheck (in flight, not counted)`);
    for (const f of t.findings ?? []) lines.push(`${t.table}: note: ${f}`);
    for (const n of t.notCompared ?? []) lines.push(`${t.table}: not compared: ${n.column} (${n.reason})`);
    for (const e of t.fallbackEvents ?? []) lines.push(`${t.table}: fallback to level ${e.level}${e.partition ? ` on ${e.partition}` : ''}: ${e.reason}`);
  }
  return lines.join('\n');
}
