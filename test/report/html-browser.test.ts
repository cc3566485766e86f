// The HTML report in a real headless browser: a real reconciliation (CLI → Temporal →
// worker process → PostgreSQL and MariaDB), `parity report --format html`, the page opened
// in Debian's chromium through playwright-core, its content checked against the known
// differences and the JSON Lines manifest, and a screenshot kept in test-output/report/.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoPair, MY_URL, PG_URL, type SamplePair } from '../../scripts/fixtures';
import { CANONICAL_VERSION } from '../../src/canonical';
import { ROOT, runCli, startWorker, stopProcess } from '../helpers/cli';

const CHROMIUM = '/usr/bin/chromium';
const OUT = join(ROOT, 'test-output', 'report');
const SETUP = 'run `bash scripts/setup-browser.sh` (installs Debian chromium and playwright-core)';

function loadPlaywright(): typeof import('playwright-core') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('playwright-core');
  } catch {
    throw new Error(`playwright-core is not installed: ${SETUP}`);
  }
}

describe('HTML report in headless chromium', () => {
  let pair: SamplePair;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  const runId = `report-html-${Date.now().toString(36)}`;
  const workflowId = `parity/${runId}`;
  const html = join(OUT, 'report.html');
  const jsonl = join(OUT, 'report.jsonl');
  const csv = join(OUT, 'report.csv');
  let runJson: { tables: { table: string; missing: number; extra: number; changed: number; sourceRows: number; targetRows: number }[] };

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    for (const f of [html, jsonl, csv, join(OUT, 'report.png')]) rmSync(f, { force: true });
    pair = await createDemoPair('report_html_orders', 1200, 23);
    worker = await startWorker();
    // small segments and partitions so the report has several partitions to show
    const r = await runCli(['run', '--source', PG_URL, '--target', MY_URL, '--table', pair.table, '--run-id', runId, '--json', '--segment-rows', '64', '--partition-rows', '1000']);
    if (r.code !== 1) throw new Error(`parity run exited ${r.code} (expected 1: differences)\n${r.stdout}\n${r.stderr}`);
    runJson = JSON.parse(r.stdout);
    for (const [format, file] of [['html', html], ['jsonl', jsonl], ['csv', csv]]) {
      const rep = await runCli(['report', workflowId, '--format', format, '--out', file]);
      if (rep.code !== 0) throw new Error(`parity report --format ${format} exited ${rep.code}\n${rep.stderr}`);
    }
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
  });

  it('renders the run in chromium: counts, histogram, audit, partitions; no external requests', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: ${SETUP}`);
    const { chromium } = loadPlaywright();
    const expected = {
      missing: pair.expected.filter((e) => e.kind === 'missing_in_target').length,
      extra: pair.expected.filter((e) => e.kind === 'extra_in_target').length,
      changed: pair.expected.filter((e) => e.kind === 'changed').length,
    };
    const columns: Record<string, number> = {};
    for (const e of pair.expected) for (const c of e.columns) columns[c] = (columns[c] ?? 0) + 1;
    const manifestText = readFileSync(jsonl, 'utf8');
    expect(manifestText.split('\n').filter(Boolean)).toHaveLength(pair.expected.length);

    const profile = mkdtempSync(join(tmpdir(), 'parity-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    const requests: string[] = [];
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('request', (req) => requests.push(req.url()));
      await page.goto(pathToFileURL(html).href);

      expect(await page.title()).toContain(workflowId);
      expect(await page.locator('#run-status').innerText()).toBe('different');
      const section = page.locator(`section.table[data-table="${pair.table}"]`);
      await expect(section.isVisible()).resolves.toBe(true);
      const count = async (cls: string) => Number(await section.locator(`table.counts td.${cls}`).getAttribute('data-count'));
      expect(await count('missing')).toBe(expected.missing);
      expect(await count('extra')).toBe(expected.extra);
      expect(await count('changed')).toBe(expected.changed);
      expect(await count('source-rows')).toBe(pair.rows);
      expect(await count('target-rows')).toBe(pair.rows - expected.missing + expected.extra);
      // the visible numbers are the same as the attributes
      expect(await section.locator('table.counts td.missing').innerText()).toBe(String(expected.missing));

      // histogram: one visible bar per changed column, sized by count, the largest the widest
      const bars = section.locator('.histogram .bar');
      const seen: Record<string, number> = {};
      const widths: Record<string, number> = {};
      for (let i = 0; i < (await bars.count()); i++) {
        const bar = bars.nth(i);
        const col = (await bar.getAttribute('data-column'))!;
        seen[col] = Number(await bar.getAttribute('data-count'));
        const box = await bar.locator('.fill').boundingBox();
        expect(box, `bar for ${col} is rendered`).not.toBeNull();
        widths[col] = box!.width;
        expect(await bar.locator('.n').innerText()).toBe(String(seen[col]));
      }
      expect(seen).toEqual(columns);
      const widest = Object.entries(columns).sort((a, b) => b[1] - a[1])[0][0];
      for (const [col, n] of Object.entries(columns)) {
        expect(widths[col]).toBeGreaterThan(0);
        // proportional to the count, within rounding
        expect(Math.abs(widths[col] / widths[widest] - n / columns[widest])).toBeLessThan(0.02);
      }

      // audit header
      const sha = createHash('sha256').update(manifestText).digest('hex');
      expect(await page.locator('#manifest-sha256').innerText()).toBe(sha);
      const audit = JSON.parse(await page.locator('#audit-json').textContent() ?? '{}');
      expect(audit.manifestSha256).toBe(sha);
      expect(audit.canonicalVersion).toBe(CANONICAL_VERSION);
      expect(audit.parityVersion).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
      expect(audit.workflowId).toBe(workflowId);
      const tAudit = audit.tables[0];
      expect(tAudit.options).toMatchObject({ segmentRows: 64, partitionRows: 1000 });
      expect(tAudit.source).not.toMatch(/@/); // no credentials, no user
      for (const side of ['source', 'target']) {
        const { began, ended } = tAudit.reads[side];
        expect(Date.parse(began)).toBeLessThanOrEqual(Date.parse(ended));
        expect(await section.locator(`table.reads tr[data-side="${side}"] td.began`).innerText()).toBe(began);
      }

      // partitions: both sides listed, their rows add up to the row counts
      const partRows = section.locator('table.partitions tbody tr');
      const sums: Record<string, number> = { source: 0, target: 0 };
      for (let i = 0; i < (await partRows.count()); i++) {
        const side = (await partRows.nth(i).getAttribute('data-side'))!;
        sums[side] += Number((await partRows.nth(i).locator('td').nth(4).innerText()).replace(/,/g, ''));
      }
      expect(sums).toEqual({ source: runJson.tables[0].sourceRows, target: runJson.tables[0].targetRows });
      expect(await partRows.count()).toBeGreaterThanOrEqual(2 * 2);

      // every differing row is listed, with its kind
      expect(await section.locator('table.diff tbody tr').count()).toBe(pair.expected.length);
      expect(await section.locator('table.diff tbody tr.missing_in_target').count()).toBe(expected.missing);
      expect(await section.locator('table.diff tbody tr.extra_in_target').count()).toBe(expected.extra);
      // fallback and pre-check sections are there (level 0 on this small table)
      await expect(section.getByText('Fallback events').isVisible()).resolves.toBe(true);
      await expect(section.getByText('Schema pre-check').isVisible()).resolves.toBe(true);

      // a single file: nothing but the page itself was requested
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);

      const png = join(OUT, 'report.png');
      await page.screenshot({ path: png, fullPage: true });
      expect(statSync(png).size).toBeGreaterThan(20_000);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it('CSV keeps the audit header as a leading comment line; JSONL is exactly the manifest', () => {
    const lines = readFileSync(csv, 'utf8').split('\n');
    expect(lines[0]).toMatch(/^# parity-audit \{/);
    const audit = JSON.parse(lines[0].slice('# parity-audit '.length));
    const sha = createHash('sha256').update(readFileSync(jsonl)).digest('hex');
    expect(audit.manifestSha256).toBe(sha);
    expect(audit.tables[0].manifestSha256).toBe(sha);
    expect(lines[1]).toBe('table,key,kind,columns');
    expect(lines.slice(2).filter(Boolean)).toHaveLength(pair.expected.length);
    const jsonlRecords = readFileSync(jsonl, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    for (const r of jsonlRecords) expect(Object.keys(r)).toEqual(['table', 'key', 'kind', 'columns']);
  });
});
