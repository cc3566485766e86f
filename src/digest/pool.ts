// The hashing thread pool (piscina). Activities run on the Node main thread, so CPU work
// goes here. Each thread has a hard V8 heap ceiling: an overrun kills one thread, not the
// worker process, and surfaces as ResourceExhausted.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { DigestCheckpoint, DigestResult, DigestTask } from './partition';
import type { BatchInput, BatchResult } from './decoupled';
import { ResourceExhausted } from '../errors';
import type { CompareTask } from './pool-task';
import { unwrapThreadError } from './thread-error';
import type { DiffRecord } from '../core/types';

function taskFile(): string {
  const here = join(__dirname, 'pool-task.js');
  if (existsSync(here)) return here;
  // running from TypeScript sources (tests): use the compiled file
  return resolve(__dirname, '../../dist/src/digest/pool-task.js');
}

export interface PoolOptions {
  /** the thread module (tests may give their own) */
  filename?: string;
  threads: number;
  /** V8 old-generation ceiling per thread, MiB */
  heapMb: number;
}

function makePool(options: PoolOptions): Piscina {
  return new Piscina({
    filename: options.filename ?? taskFile(),
    minThreads: options.threads,
    maxThreads: options.threads,
    // piscina does not replace a thread that died (e.g. out of memory) while tasks wait
    // unless minThreads keeps the pool at strength; without it queued tasks never settle
    idleTimeout: 30_000,
    resourceLimits: { maxOldGenerationSizeMb: options.heapMb, maxYoungGenerationSizeMb: Math.max(4, Math.min(16, Math.floor(options.heapMb / 4))) },
  });
}

export class HashPool {
  private pool: Piscina;
  /** Level 2's separate hashing pool, made on first use */
  private hashers?: Piscina;
  constructor(readonly options: PoolOptions) {
    this.pool = makePool(options);
  }

  /**
   * Pool tasks (partitions, refinement batches) this worker may run at once, read at each
   * start: all the threads take, unless the worker shares the machine with others (the
   * worker sets it from src/policy/host.ts, with onActive and recheckMs). At least one
   * always runs. Tasks past it wait here, before their hang watchdog starts.
   */
  limit: () => number = () => Infinity;
  /** told the number of running pool tasks whenever it changes */
  onActive?: (n: number) => void;
  /** how often a waiting task re-reads the limit (it also wakes when a task here ends) */
  recheckMs = 1000;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  private async enter(signal?: AbortSignal): Promise<void> {
    while (this.active >= Math.max(1, this.limit()) && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(t);
          signal?.removeEventListener('abort', wake);
          const i = this.waiting.indexOf(wake);
          if (i >= 0) this.waiting.splice(i, 1);
          resolve();
        };
        const t = setTimeout(wake, this.recheckMs);
        signal?.addEventListener('abort', wake);
        this.waiting.push(wake);
      });
    }
    // a task cancelled while it waited never starts (nor counts)
    if (signal?.aborted) throw signal.reason ?? new Error('the task was aborted before it started');
    this.active++;
    this.onActive?.(this.active);
  }

  private leave(): void {
    this.active--;
    this.onActive?.(this.active);
    for (const wake of [...this.waiting]) wake();
  }

  /** run, counted against the limit (after waiting for it) */
  private async gated<T>(signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
    await this.enter(signal);
    try {
      return await run();
    } finally {
      this.leave();
    }
  }

  /** Level 2: hash one batch of raw rows in the hashing pool; the buffer is transferred, not copied. */
  hashBatch(input: BatchInput, signal?: AbortSignal): Promise<BatchResult> {
    this.hashers ??= makePool(this.options);
    return this.hashers.run(input, { name: 'hashBatch', transferList: [input.rows], signal });
  }

  /**
   * Refinement of one batch of key ranges in a pool thread (both sides read and compared
   * there), so refinement uses every core instead of the activity's main thread.
   */
  compare(task: CompareTask, signal?: AbortSignal): Promise<{ records: DiffRecord[]; rowsRefetched: { source: number; target: number }; widened: number }> {
    return this.gated(signal, async () => {
      try {
        return await this.pool.run(task, { name: 'compare', signal });
      } catch (err) {
        throw unwrapThreadError(err);
      }
    });
  }

  /** batches in flight per Level 2 stream: enough to keep every hasher busy, no more */
  get depth(): number {
    return this.options.threads + 1;
  }

  /**
   * One partition in a pool thread. A thread that stops pinging for longer than
   * max(floor, 3 × its slowest recent checkpoint interval) is hung: it is terminated and
   * its work re-dispatched from the last checkpoint; a second hang is a ResourceExhausted.
   */
  digest(task: DigestTask, onProgress: (cp: DigestCheckpoint) => void, signal?: AbortSignal): Promise<DigestResult> {
    return this.gated(signal, () => this.digestEntered(task, onProgress, signal));
  }

  private async digestEntered(task: DigestTask, onProgress: (cp: DigestCheckpoint) => void, signal?: AbortSignal): Promise<DigestResult> {
    let checkpoint = task.checkpoint;
    for (let hangs = 0; ; hangs++) {
      const { port1, port2 } = new MessageChannel();
      const watchdog = new AbortController();
      const abort = () => watchdog.abort();
      signal?.addEventListener('abort', abort);
      let last = Date.now();
      let lastCheckpointAt = Date.now();
      let slowest = 0;
      let hung = false;
      port1.on('message', (m: { ping?: true; checkpoint?: DigestCheckpoint }) => {
        last = Date.now();
        if (m.checkpoint) {
          slowest = Math.max(slowest, last - lastCheckpointAt);
          lastCheckpointAt = last;
          if (!task.keyMasked) checkpoint = m.checkpoint;
          onProgress(m.checkpoint);
        }
      });
      const timer = setInterval(() => {
        if (Date.now() - last > Math.max(this.hangFloorMs, 3 * slowest)) {
          hung = true;
          watchdog.abort();
        }
      }, 250);
      try {
        return await this.pool.run({ task: { ...task, checkpoint }, port: port2 }, { transferList: [port2], signal: watchdog.signal });
      } catch (err) {
        if (!hung) throw unwrapThreadError(err);
        if (hangs >= 1) throw new ResourceExhausted(`a hashing thread stopped responding twice on this partition (silent > ${Math.round(Math.max(this.hangFloorMs, 3 * slowest) / 1000)} s)`);
      } finally {
        clearInterval(timer);
        signal?.removeEventListener('abort', abort);
        port1.close();
      }
    }
  }

  /** no ping for this long is a hang, whatever the recent latency (generous: shared machines stall) */
  hangFloorMs = 30_000;

  get threads(): number {
    return this.pool.threads.length;
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.destroy(), this.hashers?.destroy()]);
  }
}
