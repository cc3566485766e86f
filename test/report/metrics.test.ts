// Prometheus metrics: a real worker process started with --metrics-port runs a real
// reconciliation, and its endpoint is scraped. The worker serves its own region
// (report-metrics) so the activities run there and nowhere else. Parity's own metrics
// (src/report/metrics.ts) are checked on a runtime installed in this test process.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoPair, MY_URL, PG_URL, type SamplePair } from '../../scripts/fixtures';
import { ROOT, runCli, startWorker, stopProcess } from '../helpers/cli';

const OUT = join(ROOT, 'test-output', 'report');
const REGION = 'report-metrics';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of the first sample line whose name and labels match; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return undefined;
}

describe('worker metrics on --metrics-port', () => {
  let pair: SamplePair;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  let port: number;
  let text: string;

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    pair = await createDemoPair('report_metrics_orders', 800, 31);
    port = await freePort();
    worker = await startWorker(['--region', REGION, '--metrics-port', String(port)]);
    const config = join(OUT, 'metrics-run.yaml');
    writeFileSync(config, [
      'connections:',
      `  src: { url: "${PG_URL}", region: ${REGION} }`,
      `  dst: { url: "${MY_URL}", region: ${REGION} }`,
      'tables:',
      `  - { source: src, target: dst, table: ${pair.table} }`,
      '',
    ].join('\n'));
    const r = await runCli(['run', '--config', config, '--json', '--run-id', `report-metrics-${Date.now().toString(36)}`]);
    if (r.code !== 1) throw new Error(`parity run exited ${r.code} (expected 1)\n${r.stdout}\n${r.stderr}`);
    expect(JSON.parse(r.stdout).tables[0]).toMatchObject({ sourceRows: 800, fallbackLevel: 0 });
    text = await scrape(port);
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
  });

  it("exposes Temporal's activity metrics for the activities this worker ran", () => {
    const queue = `parity-${REGION}`;
    // both sides were digested here (one partition each at this size), and the diff refined here
    for (const activity of ['introspect', 'digestPartition', 'compareSegments', 'finalizeTable']) {
      const n = sample(text, 'temporal_activity_execution_latency_count', { activity_type: activity, task_queue: queue });
      expect(n, `${activity} on ${queue}`).toBeGreaterThanOrEqual(1);
    }
    expect(sample(text, 'temporal_activity_execution_latency_count', { activity_type: 'digestPartition', task_queue: queue })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'temporal_activity_task_received', { task_queue: queue })).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^# TYPE temporal_activity_execution_latency histogram$/m);
    expect(sample(text, 'temporal_worker_task_slots_available', { task_queue: queue, worker_type: 'ActivityWorker' })).toBeGreaterThan(0);
  });

  // Needs src/report/metrics.ts wired into the worker (src/temporal/worker.ts): see the report.
  it("exposes Parity's own metrics (rows hashed, partitions) from the same endpoint", () => {
    const rows = sample(text, 'parity_rows_hashed', { side: 'source' });
    expect(rows, 'parity_rows_hashed is missing: createWorkerMetrics() is not wired into src/temporal/worker.ts').toBe(800);
    expect(sample(text, 'parity_rows_hashed', { side: 'target' })).toBe(800 - 5 + 3);
    expect(sample(text, 'parity_partitions_done', { side: 'source' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'parity_partitions_done', { side: 'source' })).toBeGreaterThanOrEqual(1);
  });

  it('samples event-loop lag (every 5 s) on the same endpoint', async () => {
    let lag: number | undefined;
    for (let i = 0; i < 30 && lag === undefined; i++) {
      lag = sample(await scrape(port), 'parity_event_loop_lag_p99_ms');
      if (lag === undefined) await new Promise((r) => setTimeout(r, 500));
    }
    expect(lag).toBeGreaterThanOrEqual(0);
  });
});
