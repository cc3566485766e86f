// Workers on one machine share its cores (bench/README.md, finding 38). Each worker sizes its
// hashing pool for the whole machine; two of them on 2 vCPUs ran four hashing threads and
// were 4-12 % slower than one. So a worker registers itself in a per-user directory under
// the temp dir with the pool tasks it is running, and a pool sized by default starts a task
// only while fewer than its thread count run machine-wide (HashPool.limit): a worker with
// queued partitions takes the cores another worker leaves idle, and none oversubscribes.
// Best effort: a registry it cannot use (unwritable, a symlink, another user's or open to
// others) leaves the worker counting itself alone, as before; two workers starting tasks at
// the same moment may both see a free core (a short oversubscription, never a wait).
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A process's /proc/<pid>/stat fields after the command name (which may hold spaces and
 * parentheses), so field N of proc(5) is [N - 3]; undefined where /proc does not tell.
 */
export function procStatFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** A process's start time in clock ticks since boot (Linux), to tell a live worker from a recycled pid. */
const startTime = (pid: number): string | undefined => procStatFields(pid)?.[19];

/** Whether no process has this pid (signal 0 finds none; one of another user's still exists). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function alive(pid: number, started: string | undefined): boolean {
  if (processGone(pid)) return false;
  // where /proc tells, the pid must still be the process that registered
  const now = started === undefined ? undefined : startTime(pid);
  return now === undefined || now === started;
}

export class HostPeers {
  readonly dir: string;
  private readonly file: string;
  private readonly started = startTime(process.pid) ?? '';
  private seen = { at: -Infinity, workers: 1, othersRunning: 0 };

  /** @param ttlMs how long a scan is reused (tasks waiting to start re-read it often) */
  constructor(dir?: string, private readonly ttlMs = 20) {
    this.dir = dir ?? join(tmpdir(), `parity-workers-${process.getuid?.() ?? 'user'}`);
    this.file = join(this.dir, String(process.pid));
  }

  /** whether the directory is this user's own (not a symlink, not another user's): else unused */
  private usable = false;

  register(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const st = lstatSync(this.dir);
      const uid = process.getuid?.();
      this.usable = st.isDirectory() && (uid === undefined || (st.uid === uid && (st.mode & 0o077) === 0));
    } catch {
      this.usable = false;
    }
    this.setRunning(0);
  }

  /** Publishes how many pool tasks this worker runs (its file: start time, running). */
  setRunning(n: number): void {
    if (!this.usable) return;
    try {
      writeFileSync(this.file, `${this.started} ${n}\n`);
    } catch {
      /* best effort */
    }
    this.seen.at = -Infinity;
  }

  unregister(): void {
    if (!this.usable) return;
    try {
      rmSync(this.file, { force: true });
    } catch {
      /* best effort: a peer removes it once this process is gone */
    }
  }

  /** Live workers registered on this machine, this one included (at least 1). */
  count(now = Date.now()): number {
    return this.scan(now).workers;
  }

  /** Pool tasks the other live workers on this machine are running. */
  othersRunning(now = Date.now()): number {
    return this.scan(now).othersRunning;
  }

  /** Reads the registry; entries of workers that are gone (or whose pid was recycled) are removed. */
  private scan(now: number): { workers: number; othersRunning: number } {
    if (!this.usable || now - this.seen.at < this.ttlMs) return this.seen;
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      /* no directory yet: nobody registered */
    }
    let workers = 1;
    let othersRunning = 0;
    for (const name of names) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
      let text: string;
      try {
        text = readFileSync(join(this.dir, name), 'utf8');
      } catch {
        continue; // removed meanwhile
      }
      // '<start time> <running>'; the start time is empty where /proc is not
      const [started, running] = text.trimEnd().split(' ');
      if (!alive(pid, started || undefined)) {
        try {
          rmSync(join(this.dir, name), { force: true });
        } catch {
          /* another worker removed it, or cannot: it is not counted either way */
        }
        continue;
      }
      workers++;
      othersRunning += Number(running) || 0;
    }
    this.seen = { at: now, workers, othersRunning };
    return this.seen;
  }
}
