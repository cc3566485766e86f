// createWorkerMetrics() on the real SDK runtime with its real Prometheus exporter, in this
// test process (its own fork): what Parity records shows up on the scrape endpoint.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { createWorkerMetrics, type WorkerMetrics } from '../../src/report/metrics';

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

const line = (text: string, re: RegExp) => text.split('\n').find((l) => re.test(l));

describe('createWorkerMetrics', () => {
  let port: number;
  let metrics: WorkerMetrics;
  beforeAll(async () => {
    port = await freePort();
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } },
    });
    metrics = createWorkerMetrics({ sampleMs: 50 });
  });
  afterAll(() => metrics?.stop());

  it('serves rows, bytes, partitions, errors, fallback level, event-loop lag, heap and GC', async () => {
    metrics.rowsHashed('source', 1234);
    metrics.rowsHashed('source', 766);
    metrics.rowsHashed('target', 0.4); // rounds to nothing: counters stay integers
    metrics.bytesHashed('target', 98_765);
    metrics.partitionDone('source');
    metrics.partitionDone('source');
    metrics.error('ConnectionLost');
    metrics.fallbackLevel('orders', 2);
    metrics.retry('digestPartition');
    // some garbage and a blocked event loop, so GC and lag have something to report
    let junk: unknown[] = [];
    for (let i = 0; i < 300_000; i++) junk.push({ i, s: 'x'.repeat(i % 50) });
    junk = [];
    const until = Date.now() + 120;
    while (Date.now() < until) { /* block the loop */ }
    await new Promise((r) => setTimeout(r, 300));

    // the exporter serves what the runtime has aggregated; allow it a moment
    let text = '';
    for (let i = 0; i < 20; i++) {
      text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      if (/parity_gc_duration_ms/.test(text) && /parity_event_loop_lag_max_ms/.test(text)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(line(text, /^parity_rows_hashed\{.*side="source"/)).toMatch(/ 2000$/);
    expect(line(text, /^parity_rows_hashed\{.*side="target"/)).toBeUndefined();
    expect(line(text, /^parity_bytes_hashed\{.*side="target"/)).toMatch(/ 98765$/);
    expect(line(text, /^parity_partitions_done\{.*side="source"/)).toMatch(/ 2$/);
    expect(line(text, /^parity_errors\{.*type="ConnectionLost"/)).toMatch(/ 1$/);
    expect(line(text, /^parity_retries\{.*activity="digestPartition"/)).toMatch(/ 1$/);
    expect(line(text, /^parity_fallback_level\{.*table="orders"/)).toMatch(/ 2$/);
    // a 120 ms block shows as at least ~100 ms of maximum lag in some sample window
    const lagMax = Number(line(text, /^parity_event_loop_lag_max_ms/)?.split(' ').pop());
    expect(lagMax).toBeGreaterThan(0);
    const heap = Number(line(text, /^parity_heap_used_bytes/)?.split(' ').pop());
    expect(heap).toBeGreaterThan(1_000_000);
    expect(line(text, /^parity_gc_duration_ms_count\{/)).toMatch(/ [1-9]\d*$/);
    expect(line(text, /^parity_gc\{.*kind="(minor|major|incremental)"/)).toMatch(/ [1-9]\d*$/);
  });
});
