// The Parity worker: polls the workflow queue and its region's activity queue, with a
// hashing thread pool sized by the memory budget.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, NativeConnection, Worker, Runtime, type LogLevel, type WorkerOptions } from '@temporalio/worker';
import { makeGovernor } from '../policy/governor';
import { createActivities } from '../../activities';
import { HashPool } from '../digest/pool';
import { createWorkerMetrics, METRIC_BUCKET_OVERRIDES } from '../report/metrics';
import { maskKeyFromEnv } from '../policy/mask';
import { measureThreadOverhead, planBudget, type Budget } from '../policy/budget';
import { HostPeers } from '../policy/host';
import { taskQueueFor, DEFAULT_REGION } from './names';
import { requireSearchAttributes } from './search-attributes';
import { workflowTaskQueue } from './queue';
import { connectOptions, type TemporalTarget } from './client';

export function workflowsPath(): string {
  const base = join(__dirname, '../../workflows/index');
  return existsSync(base + '.ts') ? base + '.ts' : base + '.js';
}

/** The build's prebuilt bundle when running compiled code; from sources (tests) bundle fresh. */
function workflowCode(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const bundle = join(__dirname, '../../workflow-bundle.js');
  if (!__filename.endsWith('.ts') && existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  return { workflowsPath: workflowsPath() };
}

export interface WorkerConfig extends TemporalTarget {
  region?: string;
  /** bytes; default: the machine or cgroup limit */
  memoryBudget?: number;
  /** 0 disables the thread pool (Level 3 everywhere) */
  threads?: number;
  /** per-thread V8 heap ceiling in MiB (default: from the budget) */
  threadHeapMb?: number;
  /** serve the workflow task queue too (default true) */
  workflows?: boolean;
  identity?: string;
  metricsPort?: number;
  log?: (m: string) => void;
}

export interface RunningWorker {
  budget: Budget;
  taskQueues: string[];
  run(): Promise<void>;
  shutdown(): void;
}

let runtimeInstalled = false;

/**
 * The SDK's logger without the two warnings a Parity worker always causes: it runs one SDK
 * Worker for activities and one for workflows, and the SDK warns at start that each does not
 * poll the other kind (users took them for a misconfiguration).
 */
export class WorkerLogger extends DefaultLogger {
  static readonly EXPECTED = new Set(['No workflows registered, not polling for workflow tasks', 'No activities registered, not polling for activity tasks']);
  override log(level: LogLevel, message: string, meta?: Record<string, unknown>): void {
    if (!WorkerLogger.EXPECTED.has(message)) super.log(level, message, meta);
  }
}

export async function createWorker(cfg: WorkerConfig): Promise<RunningWorker> {
  if (!runtimeInstalled) {
    // the SDK logs every worker state change at INFO; users want Parity's own lines
    const level = (process.env.PARITY_LOG_LEVEL ?? 'WARN').toUpperCase() as LogLevel;
    Runtime.install({
      logger: new WorkerLogger(level),
      ...(cfg.metricsPort !== undefined ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${cfg.metricsPort}`, histogramBucketOverrides: METRIC_BUCKET_OVERRIDES } } } } : {}),
    });
    runtimeInstalled = true;
  }
  // the server and the namespace first: a worker that cannot serve leaves nothing started
  const namespace = cfg.namespace ?? process.env.PARITY_NAMESPACE ?? 'default';
  const connection = await NativeConnection.connect(connectOptions(cfg));
  try {
    await requireSearchAttributes(connection.operatorService, namespace);
  } catch (err) {
    await connection.close();
    throw err;
  }
  const region = cfg.region ?? DEFAULT_REGION;
  const budget = planBudget({ budget: cfg.memoryBudget, threadOverhead: await measureThreadOverhead() });
  const threads = cfg.threads ?? budget.threads;
  const heapMb = cfg.threadHeapMb ?? budget.heapMb;
  const pool = threads > 0 ? new HashPool({ threads, heapMb }) : undefined;
  // a pool sized for the whole machine shares it with the other workers there (an explicit
  // --threads is the user's own split): a task starts while fewer than `threads` run
  // machine-wide, so a worker with queued partitions takes the cores another leaves idle
  const peers = pool && cfg.threads === undefined ? new HostPeers() : undefined;
  if (pool && peers) {
    peers.register();
    pool.onActive = (n) => peers.setRunning(n);
    pool.recheckMs = 50;
    pool.limit = () => threads - peers.othersRunning();
  }
  const metrics = cfg.metricsPort !== undefined ? createWorkerMetrics() : undefined;
  // fetches sized from the budget: a tenth of a thread's heap for one batch of rows held as JS strings (~3x their bytes)
  const maxFetchRows = (rowBytes: number) => Math.max(50, Math.floor((heapMb * 2 ** 20) / 10 / (Math.max(64, rowBytes) * 3)));
  // the main thread collects its garbage once the process holds more than 80 % of the
  // budget, or (no budget) more than it held at start plus 128 MiB: refinement's garbage
  // otherwise grows the heap by 100+ MiB before V8 collects it (bench/README.md, finding 6)
  const governor = makeGovernor(cfg.memoryBudget ? budget.available * 0.8 : process.memoryUsage.rss() + 128 * 2 ** 20);
  const activities = createActivities({ region, pool, maskKey: maskKeyFromEnv(), metrics, maxFetchRows, governor });
  const common: Partial<WorkerOptions> = { connection, namespace, ...(cfg.identity ? { identity: cfg.identity } : {}) };
  const workers: Worker[] = [];
  const queues: string[] = [];
  const release = async () => {
    peers?.unregister();
    metrics?.stop();
    await pool?.close();
    await connection.close();
  };
  try {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: taskQueueFor(region),
        activities,
        // activities wait on I/O and the pool; a few more than threads keeps both sides busy
        maxConcurrentActivityTaskExecutions: Math.max(4, threads * 2 + 2),
      }),
    );
    queues.push(taskQueueFor(region));
    if (cfg.workflows !== false) {
      workers.push(await Worker.create({ ...common, taskQueue: workflowTaskQueue(), ...workflowCode() }));
      queues.push(workflowTaskQueue());
    }
  } catch (err) {
    // its threads would keep an embedding process alive
    await release();
    throw err;
  }
  const sharing = peers ? `; ${peers.count()} worker(s) on this machine share its cores` : '';
  cfg.log?.(`worker: region ${region}, queues ${queues.join(', ')}, ${threads} hashing thread(s) of ${heapMb} MiB heap (budget ${Math.round(budget.available / 2 ** 20)} MiB)${sharing}`);
  return {
    budget: { ...budget, threads, heapMb },
    taskQueues: queues,
    run: async () => {
      try {
        await Promise.all(workers.map((w) => w.run()));
      } finally {
        await release();
      }
    },
    // the SDK's runtime shuts its workers down on SIGINT/SIGTERM itself: a second shutdown()
    // would throw (IllegalStateError: DRAINING) and end the process before run() cleans up
    shutdown: () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown()),
  };
}
