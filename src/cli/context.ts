// What commands share: reaching Temporal (starting a local dev server when none answers),
// making sure a worker polls, and formatting errors.
import { hostname } from 'node:os';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { connectClient, temporalAddress, type TemporalTarget } from '../temporal/client';
import { ensureLocalServer, splitAddress } from '../temporal/server';
import { processGone } from '../policy/host';
import { taskQueueFor } from '../temporal/names';
import { workflowTaskQueue } from '../temporal/queue';
import type { RunningWorker } from '../temporal/worker';
import { Unreachable } from '../errors';

export interface GlobalOptions extends TemporalTarget {
  temporal?: string;
}

export const stderr = (m: string) => process.stderr.write(m + '\n');

export function target(o: GlobalOptions): TemporalTarget {
  return { ...o, address: o.temporal ?? o.address };
}

/** Connects to Temporal; when no address was given and none answers locally, starts the dev server. */
export async function reachTemporal(o: GlobalOptions, opts: { startLocal: boolean }): Promise<{ client: Client; uiUrl?: string; address: string }> {
  const t = target(o);
  const explicit = t.address ?? process.env.PARITY_TEMPORAL_ADDRESS;
  let uiUrl: string | undefined;
  if (!explicit && opts.startLocal) {
    const s = await ensureLocalServer({ log: stderr });
    uiUrl = s.uiUrl;
  }
  const address = temporalAddress(t);
  try {
    return { client: await connectClient(t), uiUrl, address };
  } catch (err) {
    const [host, port] = splitAddress(address);
    throw new Unreachable(`cannot reach the Temporal server at ${host}:${port}: ${(err as Error).message}`);
  }
}

/**
 * Whether a poller's identity names a process on this machine that is gone. The SDK's
 * default identity is `<pid>@<hostname>`; a stopped worker's poller stays listed for about
 * a minute, and without this a run started right after stopping the only local worker
 * waited 10 s for serveIfUnserved. A custom identity, or another host's, is taken as alive.
 */
export function deadLocalPoller(identity: string | null | undefined, host = hostname()): boolean {
  const m = /^(\d+)@(.+)$/.exec(identity ?? '');
  return !!m && m[2] === host && processGone(Number(m[1]));
}

async function hasPollers(client: Client, queue: string, type: temporal.api.enums.v1.TaskQueueType): Promise<boolean> {
  const r = await client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: queue }, taskQueueType: type });
  const recent = Date.now() - 70_000;
  return (r.pollers ?? []).some((p) => (!p.lastAccessTime?.seconds || Number(p.lastAccessTime.seconds) * 1000 > recent) && !deadLocalPoller(p.identity));
}

/** Starts an in-process worker when nothing polls the queues this run needs. */
export async function ensureWorker(client: Client, o: GlobalOptions, regions: string[]): Promise<RunningWorker | undefined> {
  const T = temporal.api.enums.v1.TaskQueueType;
  const polled: boolean[] = await Promise.all([
    hasPollers(client, workflowTaskQueue(), T.TASK_QUEUE_TYPE_WORKFLOW),
    ...regions.map((r) => hasPollers(client, taskQueueFor(r), T.TASK_QUEUE_TYPE_ACTIVITY)),
  ]);
  if (polled.every(Boolean)) return undefined;
  if (regions.length > 1 || (regions[0] ?? 'local') !== 'local') {
    const missing = regions.filter((_, i) => !polled[i + 1]);
    if (missing.length) stderr(`note: no worker polls ${missing.map(taskQueueFor).join(', ')}; start one with: parity worker --region ${missing[0]}`);
    if (missing.length && !missing.includes('local')) return undefined;
  }
  return startLocalWorker(o);
}

/**
 * A worker for the local region inside this process, running until shut down. The worker
 * module (the SDK's native core, the pool) is loaded only here, not at CLI start-up.
 */
async function startLocalWorker(o: GlobalOptions & { workflows?: boolean }): Promise<RunningWorker> {
  const { createWorker } = require('../temporal/worker') as typeof import('../temporal/worker');
  const w = await createWorker({ ...target(o), region: 'local', workflows: o.workflows });
  void w.run().catch((err) => stderr(`in-process worker stopped: ${(err as Error).message}`));
  return w;
}

/**
 * A poller seen in the last ~70 s may belong to a worker that has since stopped (Temporal
 * keeps a long poll's poller listed until it would have expired), so `ensureWorker` can
 * wrongly find the queues served. This watches the run: if its first workflow task is
 * still unstarted after `waitMs`, nobody serves the workflow queue, and (for runs in the
 * local region) an in-process worker is started after all. Once the workflows are served
 * it keeps watching the local activity queue: when every worker polling it has gone (an
 * activities-only worker died mid-run, say) for `waitMs`, an in-process worker serves the
 * activities, so the run does not wait for a worker nobody will start.
 */
export function serveIfUnserved(client: Client, o: GlobalOptions, workflowId: string, waitMs = 10_000): { stop: () => Promise<void> } {
  let stopped = false;
  let worker: RunningWorker | undefined;
  let wake: () => void = () => {};
  const pause = (ms: number) => new Promise<void>((r) => {
    wake = r;
    setTimeout(r, ms);
  });
  const started = Date.now();
  const T = temporal.api.enums.v1.TaskQueueType;
  const workflowsServed = async (): Promise<boolean> => {
    while (!stopped && Date.now() - started < 5 * 60_000) {
      await pause(1000);
      if (stopped) return false;
      const d = await client.workflowService
        .describeWorkflowExecution({ namespace: client.options.namespace, execution: { workflowId } })
        .catch(() => undefined);
      if (!d) continue;
      // a worker took the first workflow task: the queue is served
      if (Number(d.workflowExecutionInfo?.historyLength ?? 0) > 2) return true;
      const task = d.pendingWorkflowTask;
      const scheduled = task?.scheduledTime?.seconds ? Number(task.scheduledTime.seconds) * 1000 : undefined;
      if (scheduled !== undefined && Date.now() - scheduled > waitMs) {
        stderr(`note: no worker picked up ${workflowId} in ${Math.round(waitMs / 1000)} s (the pollers seen were gone); starting one in this process`);
        worker = await startLocalWorker(o);
        return false;
      }
    }
    return false;
  };
  const loop = (async () => {
    if (!(await workflowsServed())) return;
    let unservedSince: number | undefined;
    while (!stopped) {
      await pause(2000);
      if (stopped) return;
      const polled = await hasPollers(client, taskQueueFor('local'), T.TASK_QUEUE_TYPE_ACTIVITY).catch(() => true);
      if (polled) {
        unservedSince = undefined;
        continue;
      }
      unservedSince ??= Date.now();
      if (Date.now() - unservedSince >= waitMs) {
        stderr(`note: no worker polls ${taskQueueFor('local')} any more (for ${Math.round(waitMs / 1000)} s); serving its activities in this process`);
        worker = await startLocalWorker({ ...o, workflows: false });
        return;
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake();
      await loop.catch(() => {});
      worker?.shutdown();
    },
  };
}

export function isNotFound(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (err as { code?: number })?.code === 5;
}
