// The report renderers over a results store written the way the activities write it, with
// the cases a real run rarely produces on demand: a halted table, a failed one, fallback
// events, partition timings, hostile names. Milliseconds; no databases.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary, TableSummary } from '../../workflows/types';
import { recordLine, writeTableFile } from '../../src/report/store';
import { renderReport } from '../../src/report/render';
import type { DiffRecord } from '../../src/core/types';

const base: Omit<TableSummary, 'table' | 'status'> = {
  sourceRows: 0, targetRows: 0, missing: 0, extra: 0, changed: 0,
  rowsRead: { source: 0, target: 0 }, rowsRefetched: 0, mode: 'extract', fallbackLevel: 0, durationMs: 0,
};

describe('renderReport', () => {
  let dir: string;
  const saved = process.env.PARITY_RESULTS_DIR;
  const runId = 'unit-render';
  const evil = 'sales."<b>x</b>",t';
  const records: DiffRecord[] = [
    { table: evil, key: ['1'], kind: 'changed', columns: ['a', 'b'] },
    { table: evil, key: ['a,"b"\nc'], kind: 'missing_in_target', columns: [] },
    { table: evil, key: ['#3'], kind: 'changed', columns: ['a'] },
  ];
  const summary: RunSummary = {
    runId,
    status: 'error',
    tables: [
      {
        ...base, table: evil, status: 'different', sourceRows: 10, targetRows: 9, missing: 1, changed: 2,
        changedColumns: { a: 2, b: 1 }, fallbackLevel: 2, durationMs: 65_000, segments: 4, unequalSegments: 2, partitions: 2,
        fallbackEvents: [
          { level: 1, reason: 'ResourceExhausted: thread heap limit', partition: 'source:0-2' },
          { level: 2, reason: 'ResourceExhausted: again <oom>', partition: 'source:0-1' },
        ],
        reads: { source: { began: '2026-01-01T00:00:00.000Z', ended: '2026-01-01T00:01:00.000Z' }, target: { began: '2026-01-01T00:00:01.000Z', ended: '2026-01-01T00:00:31.000Z' } },
        rowsRead: { source: 6000, target: 3000 },
        findings: ['column "c": collation differs'],
        notCompared: [{ column: 'geom', reason: 'no canonical form for type geometry' }],
      },
      { ...base, table: 'halted_t', status: 'halted', error: { type: 'SchemaDrift', message: 'schema pre-check halted halted_t:\n  - column "x" only in source' } },
      { ...base, table: 'failed_t', status: 'failed', error: { type: 'AuthFailed', message: 'password authentication failed for user "bob" at 10.0.0.1:5432' } },
    ],
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'parity-render-'));
    process.env.PARITY_RESULTS_DIR = dir;
    writeTableFile(runId, evil, 'manifest.jsonl', records.map(recordLine).join(''));
    writeTableFile(runId, evil, 'audit.json', JSON.stringify({ source: 'postgres://h:5432/db', target: 'mysql://h:3306/db', options: { segmentRows: 256, mode: 'auto' } }));
    writeTableFile(runId, evil, 'checkpoints.jsonl', [
      { side: 'target', from: 0, to: 2, range: { hi: ['5'] }, rows: 5, began: '2026-01-01T00:00:01.000Z', ended: '2026-01-01T00:00:11.000Z' },
      { side: 'source', from: 2, to: 4, range: { lo: ['5'] }, rows: 5 },
      { side: 'source', from: 0, to: 2, range: { hi: ['5'] }, rows: 5 },
    ].map((c) => JSON.stringify(c)).join('\n') + '\n{torn');
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.PARITY_RESULTS_DIR;
    else process.env.PARITY_RESULTS_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('jsonl is the stored manifest byte for byte, and the audit hashes exactly that', () => {
    const jsonl = renderReport(summary, 'parity/unit', 'jsonl');
    expect(jsonl).toBe(records.map(recordLine).join(''));
    const csv = renderReport(summary, 'parity/unit', 'csv');
    const audit = JSON.parse(csv.split('\n')[0].replace(/^# parity-audit /, ''));
    expect(audit.manifestSha256).toBe(createHash('sha256').update(jsonl).digest('hex'));
    expect(audit.tables.map((t: { table: string }) => t.table)).toEqual([evil, 'halted_t', 'failed_t']);
    // a table with no manifest hashes as empty
    expect(audit.tables[1].manifestSha256).toBe(createHash('sha256').update('').digest('hex'));
  });

  it('csv quotes commas, quotes, newlines and a leading #, one record per row', () => {
    const csv = renderReport(summary, 'parity/unit', 'csv');
    const body = csv.split('\n').slice(2).join('\n');
    expect(body).toBe(
      `"sales.""<b>x</b>"",t","[""1""]",changed,a b\n` +
      `"sales.""<b>x</b>"",t","[""a,\\""b\\""\\nc""]",missing_in_target,\n` +
      `"sales.""<b>x</b>"",t","[""#3""]",changed,a\n`,
    );
  });

  it('html escapes names, shows every section, halted and failed tables, fallback events and timings', () => {
    const html = renderReport(summary, 'parity/unit', 'html');
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('sales.&#34;&#60;b&#62;x&#60;/b&#62;&#34;,t');
    expect(html).not.toMatch(/<script|<link|src=|url\(/i); // single file, nothing fetched
    expect(html).toContain('id="run-status">error<');
    // histogram bars sized by count
    expect(html).toMatch(/data-column="a" data-count="2">.*?width:100%/);
    expect(html).toMatch(/data-column="b" data-count="1">.*?width:50%/);
    // fallback events, escaped, in order
    expect(html).toMatch(/level 1 on <code>source:0-2<\/code>.*level 2 on <code>source:0-1<\/code>: ResourceExhausted: again &#60;oom&#62;/s);
    // read windows with durations and rates: 6000 rows in 60 s
    expect(html).toMatch(/<tr data-side="source">.*<td>1 min 0 s<\/td><td class="num">6,000<\/td><td class="num">100<\/td>/);
    // partitions sorted by side then segment; the torn line skipped; timing column when known
    const parts = [...html.matchAll(/<tr data-side="(source|target)"><td>\1<\/td><td class="num">(\d+)–(\d+)<\/td>/g)].map((m) => `${m[1]}:${m[2]}-${m[3]}`);
    expect(parts).toEqual(['source:0-1', 'source:2-3', 'target:0-1']);
    expect(html).toContain('<th>read time</th></tr></thead>');
    expect(html).toContain('<td>10.0 s</td>');
    // pre-check findings and not-compared columns
    expect(html).toContain('column &#34;c&#34;: collation differs');
    expect(html).toContain('not compared: <code>geom</code>');
    // halted: the halt reasons in the pre-check section; failed: the error type
    expect(html).toMatch(/data-table="halted_t" data-status="halted">[\s\S]*?<li class="halt"><b>halted<\/b>: <pre>schema pre-check halted halted_t:\n {2}- column &#34;x&#34; only in source<\/pre>/);
    expect(html).toMatch(/data-table="failed_t" data-status="failed">[\s\S]*?<b>AuthFailed<\/b>: could not decide/);
    // overview cards
    expect(html).toMatch(/<b>3<\/b>differing rows/);
    expect(html).toMatch(/<b>2<\/b>could not decide/);
  });
});
