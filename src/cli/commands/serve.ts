// parity server / worker / dev: the long-running processes.
import { startServer, stopDetachedServer } from '../../temporal/server';
import { createWorker } from '../../temporal/worker';
import { parseSize } from '../../policy/budget';
import { BadConfig } from '../../errors';
import { stderr, target, type GlobalOptions } from '../context';

export interface ServerOptions { port?: number; uiPort?: number; headless?: boolean; stop?: boolean; detach?: boolean }

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export async function serverCommand(o: ServerOptions): Promise<number> {
  if (o.stop) {
    stderr((await stopDetachedServer({ port: o.port })) ? 'stopped the local Temporal dev server' : 'no detached local server was running');
    return 0;
  }
  const s = await startServer({ port: o.port, uiPort: o.uiPort, headless: o.headless, detached: o.detach, log: stderr });
  stderr(`Temporal dev server at ${s.address}${s.uiUrl ? `, Web UI ${s.uiUrl}` : ''}`);
  if (o.detach) return 0;
  await untilSignal();
  await s.stop();
  return 0;
}

export interface WorkerOptions extends GlobalOptions { region?: string; memoryBudget?: string; metricsPort?: number; threads?: number; threadHeapMb?: number; workflows?: boolean }

export async function workerCommand(o: WorkerOptions): Promise<number> {
  let memoryBudget: number | undefined;
  if (o.memoryBudget) {
    try {
      memoryBudget = parseSize(o.memoryBudget);
    } catch (err) {
      throw new BadConfig(`--memory-budget: ${(err as Error).message}`);
    }
  }
  const w = await createWorker({ ...target(o), region: o.region, memoryBudget, metricsPort: o.metricsPort, threads: o.threads, threadHeapMb: o.threadHeapMb, workflows: o.workflows, log: stderr });
  const done = w.run();
  await Promise.race([untilSignal(), done]);
  w.shutdown();
  await done;
  return 0;
}

export async function devCommand(o: ServerOptions & WorkerOptions): Promise<number> {
  const s = await startServer({ port: o.port, uiPort: o.uiPort, log: stderr });
  stderr(`Temporal dev server at ${s.address}, Web UI ${s.uiUrl}`);
  try {
    const w = await createWorker({ ...target(o), address: s.address, region: o.region, metricsPort: o.metricsPort, log: stderr });
    const done = w.run();
    await Promise.race([untilSignal(), done]);
    w.shutdown();
    await done;
  } finally {
    await s.stop();
  }
  return 0;
}
