// The memory budget allocator: threads = floor((available − reserved) / perThread).
// available: --memory-budget, capped by the cgroup limit (v2 memory.max, v1 fallback) or
// the machine; reserved: what this process already uses plus headroom; perThread: the heap
// ceiling each thread gets plus its measured native overhead.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

const MiB = 1024 * 1024;

export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i.exec(text);
  if (!m) throw new Error(`not a size: "${text}" (examples: 384MiB, 2GiB, 512M)`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? MiB : unit.startsWith('g') ? 1024 * MiB : 1;
  return Math.floor(Number(m[1]) * mult);
}

export function cgroupLimit(): number | undefined {
  const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8').trim() : undefined);
  const v2 = read('/sys/fs/cgroup/memory.max');
  if (v2 && v2 !== 'max') return Number(v2);
  const v1 = read('/sys/fs/cgroup/memory/memory.limit_in_bytes');
  // v1 reports a huge number when unlimited
  if (v1 && Number(v1) < 2 ** 60) return Number(v1);
  return undefined;
}

export interface Budget {
  available: number;
  reserved: number;
  perThread: number;
  threads: number;
  heapMb: number;
  /** rows per fetch that keep a thread's buffers within its share */
  fetchSize: number;
}

/**
 * @param threadOverhead measured native cost of one idle thread (bytes), see measureThreadOverhead
 * @param rowBytes a typical encoded row (for the fetch size)
 */
export function planBudget(opts: { budget?: number; threadOverhead: number; rowBytes?: number; reserved?: number; cores?: number }): Budget {
  const machine = Math.min(totalmem(), cgroupLimit() ?? Infinity);
  const available = Math.min(opts.budget ?? machine, machine);
  const reserved = opts.reserved ?? process.memoryUsage().rss + 64 * MiB;
  const cores = opts.cores ?? availableParallelism();
  // heap per thread: generous when memory is plenty, smaller (but >= 48 MiB) when tight
  const share = (available - reserved) / Math.max(1, cores);
  const heapMb = Math.max(48, Math.min(512, Math.floor((share - opts.threadOverhead) / MiB / 1.5)));
  const perThread = heapMb * MiB * 1.5 + opts.threadOverhead; // old gen + young gen and buffers
  const threads = Math.max(1, Math.min(cores, Math.floor((available - reserved) / perThread)));
  const rowBytes = Math.max(64, opts.rowBytes ?? 512);
  // keep one fetch within an eighth of a thread's heap (rows live as JS strings: ~3x their bytes)
  const fetchSize = Math.max(100, Math.min(10_000, Math.floor((heapMb * MiB) / 8 / (rowBytes * 3))));
  return { available, reserved, perThread, threads, heapMb, fetchSize };
}

/** RSS growth of starting one idle worker thread, measured in this process. */
export async function measureThreadOverhead(): Promise<number> {
  const { Worker } = await import('node:worker_threads');
  const before = process.memoryUsage().rss;
  const w = new Worker('setInterval(() => {}, 1000)', { eval: true });
  await new Promise((r) => w.once('online', r));
  await new Promise((r) => setTimeout(r, 100));
  const grown = process.memoryUsage().rss - before;
  await w.terminate();
  return Math.max(8 * MiB, grown);
}
