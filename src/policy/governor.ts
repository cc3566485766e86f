// Keeps the worker's main thread inside its memory budget. V8 grows a heap lazily up to a
// ceiling set at process start (gigabytes on a large machine), so the garbage of row-level
// refinement (a Buffer per canonical value) piles up as resident memory long before V8
// collects it. After each unit of main-thread work the governor checks the process's
// resident set and, above its threshold, asks V8 for a full collection — but only when this
// thread's own heap has grown since the last one: the resident set also holds the hashing
// threads' heaps and the drivers' buffers, which a main-thread collection cannot free (a
// profile showed 24 % of the main thread in such useless collections).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

function fullGc(): boolean {
  if (!collect) {
    try {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      return false;
    }
  }
  collect();
  return true;
}

export interface Governor {
  /** call between units of work; returns true when it collected */
  check(): boolean;
  /** collections so far */
  readonly collections: number;
}

/**
 * A governor that collects when the resident set exceeds `thresholdBytes` (none: never) and
 * this thread's heap has grown by `minGrowthBytes` since the last collection.
 */
export function makeGovernor(thresholdBytes: number | undefined, minIntervalMs = 75, minGrowthBytes = 16 * 2 ** 20): Governor {
  let collections = 0;
  let last = 0;
  /** this thread's heap right after the last collection */
  let floor = 0;
  return {
    check() {
      if (!thresholdBytes || Date.now() - last < minIntervalMs) return false;
      if (process.memoryUsage.rss() <= thresholdBytes) return false;
      if (process.memoryUsage().heapUsed - floor < minGrowthBytes) return false;
      if (!fullGc()) return false;
      collections++;
      last = Date.now();
      floor = process.memoryUsage().heapUsed;
      return true;
    },
    get collections() {
      return collections;
    },
  };
}
