// Parity's own worker metrics, served on the same Prometheus endpoint as the Temporal SDK's
// (`parity worker --metrics-port N`): the SDK runtime's MetricMeter exports whatever is
// created on it. Call createWorkerMetrics() after Runtime.install() (worker.ts does that
// first), so the meter belongs to the runtime that has the Prometheus exporter.
//
// rows/s is rate(parity_rows_hashed[1m]) in PromQL; a counter is the right primitive.
import { monitorEventLoopDelay, PerformanceObserver, constants as perf } from 'node:perf_hooks';
import type { MetricMeter } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';

export interface WorkerMetrics {
  // the shape WorkerDeps['metrics'] in activities/index.ts calls
  rowsHashed(side: string, n: number): void;
  partitionDone(side: string): void;
  error(type: string): void;
  // more, for activities and the workflow-facing code to call as they grow
  bytesHashed(side: string, n: number): void;
  rowsRefetched(side: string, n: number): void;
  fallbackLevel(table: string, level: number): void;
  retry(activity: string): void;
  /** stop the event-loop and GC sampling (tests; worker shutdown) */
  stop(): void;
}

export interface WorkerMetricsOptions {
  /** defaults to the installed SDK runtime's meter */
  meter?: MetricMeter;
  /** how often the event-loop delay and heap gauges are refreshed */
  sampleMs?: number;
}

const GC_KINDS: Record<number, string> = {
  [perf.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [perf.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [perf.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perf.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

export function createWorkerMetrics(opts: WorkerMetricsOptions = {}): WorkerMetrics {
  const meter = opts.meter ?? Runtime.instance().metricMeter;
  const rows = meter.createCounter('parity_rows_hashed', 'rows', 'rows read and hashed in the digest pass');
  const bytes = meter.createCounter('parity_bytes_hashed', 'bytes', 'canonical bytes hashed in the digest pass');
  const refetched = meter.createCounter('parity_rows_refetched', 'rows', 'rows read again by the row-level refinement');
  const partitions = meter.createCounter('parity_partitions_done', undefined, 'partitions digested to the end');
  const errors = meter.createCounter('parity_errors', undefined, 'activity failures, by Parity error type');
  const retries = meter.createCounter('parity_retries', undefined, 'activity attempts after the first');
  const level = meter.createGauge('parity_fallback_level', 'int', undefined, 'the fallback level a table reached (0 fused … 3 single process)');
  const lagMean = meter.createGauge('parity_event_loop_lag_mean_ms', 'float', 'ms', 'event-loop delay, mean over the last sample window');
  const lagP99 = meter.createGauge('parity_event_loop_lag_p99_ms', 'float', 'ms', 'event-loop delay, 99th percentile over the last sample window');
  const lagMax = meter.createGauge('parity_event_loop_lag_max_ms', 'float', 'ms', 'event-loop delay, maximum over the last sample window');
  const heap = meter.createGauge('parity_heap_used_bytes', 'int', 'bytes', 'V8 heap in use by the worker main thread');
  const rss = meter.createGauge('parity_rss_bytes', 'int', 'bytes', 'resident set size of the worker process');
  const gcCount = meter.createCounter('parity_gc', undefined, 'garbage collections, by kind');
  const gcTime = meter.createHistogram('parity_gc_duration_ms', 'float', 'ms', 'garbage collection pauses, by kind');

  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const sample = () => {
    // the histogram is in nanoseconds; an empty window (no samples yet) reads as NaN
    if (delay.count > 0) {
      lagMean.set(delay.mean / 1e6);
      lagP99.set(delay.percentile(99) / 1e6);
      lagMax.set(delay.max / 1e6);
    }
    delay.reset();
    const m = process.memoryUsage();
    heap.set(m.heapUsed);
    rss.set(m.rss);
  };
  const timer = setInterval(sample, opts.sampleMs ?? 5000);
  timer.unref();
  sample();

  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = GC_KINDS[(e as unknown as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
      gcCount.add(1, { kind });
      gcTime.record(e.duration, { kind });
    }
  });
  gc.observe({ entryTypes: ['gc'] });

  // counters take non-negative integers; a resumed attempt may report 0 new rows
  const add = (c: typeof rows, n: number, tags: Record<string, string>) => {
    if (Number.isFinite(n) && n >= 1) c.add(Math.round(n), tags);
  };
  return {
    rowsHashed: (side, n) => add(rows, n, { side }),
    partitionDone: (side) => partitions.add(1, { side }),
    error: (type) => errors.add(1, { type }),
    bytesHashed: (side, n) => add(bytes, n, { side }),
    rowsRefetched: (side, n) => add(refetched, n, { side }),
    fallbackLevel: (table, n) => level.set(n, { table }),
    retry: (activity) => retries.add(1, { activity }),
    stop: () => {
      clearInterval(timer);
      delay.disable();
      gc.disconnect();
    },
  };
}

/**
 * Histogram buckets for Parity's metrics, for Runtime.install's
 * telemetryOptions.metrics.prometheus.histogramBucketOverrides (the SDK's defaults start at
 * 50 ms, too coarse for GC pauses).
 */
export const METRIC_BUCKET_OVERRIDES: Record<string, number[]> = {
  parity_gc_duration_ms: [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000],
};
