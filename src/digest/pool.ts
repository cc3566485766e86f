// The hashing thread pool (piscina). Activities run on the Node main thread, so CPU work
// goes here. Each thread has a hard V8 heap ceiling: an overrun kills one thread, not the
// worker process, and surfaces as ResourceExhausted.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { DigestCheckpoint, DigestResult, DigestTask } from './partition';

function taskFile(): string {
  const here = join(__dirname, 'pool-task.js');
  if (existsSync(here)) return here;
  // running from TypeScript sources (tests): use the compiled file
  return resolve(__dirname, '../../dist/src/digest/pool-task.js');
}

export interface PoolOptions {
  threads: number;
  /** V8 old-generation ceiling per thread, MiB */
  heapMb: number;
}

export class HashPool {
  private pool: Piscina;
  constructor(readonly options: PoolOptions) {
    this.pool = new Piscina({
      filename: taskFile(),
      minThreads: 0,
      maxThreads: options.threads,
      idleTimeout: 30_000,
      resourceLimits: { maxOldGenerationSizeMb: options.heapMb, maxYoungGenerationSizeMb: Math.max(4, Math.min(32, options.heapMb / 4)) },
    });
  }

  async digest(task: DigestTask, onProgress: (cp: DigestCheckpoint) => void, signal?: AbortSignal): Promise<DigestResult> {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', onProgress);
    try {
      return await this.pool.run({ task, port: port2 }, { transferList: [port2], signal });
    } finally {
      port1.close();
    }
  }

  get threads(): number {
    return this.pool.threads.length;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
