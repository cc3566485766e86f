// Workers on one machine share its cores (bench/README.md, finding 38). Each worker sizes its
// hashing pool for the whole machine; two of them on 2 vCPUs ran four hashing threads and
// were 4-12 % slower than one. So a worker registers itself in a per-user directory under
// the temp dir, and counts the live workers there when it starts pool work: a pool sized by
// default runs threads / (live workers) tasks at once (HashPool.limit). Best effort: a temp
// dir it cannot write leaves the worker counting itself alone, as before.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A process's start time in clock ticks since boot (Linux), to tell a live worker from a recycled pid. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may hold spaces and parentheses); starttime is field 22
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number, started: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // where /proc tells, the pid must still be the process that registered
  return started === undefined || startTime(pid) === undefined || startTime(pid) === started;
}

export class HostPeers {
  readonly dir: string;
  private readonly file: string;
  private seen = { at: -Infinity, n: 1 };

  /** @param ttlMs how long a count is reused (it is read at every pool task) */
  constructor(dir?: string, private readonly ttlMs = 1000) {
    this.dir = dir ?? join(tmpdir(), `parity-workers-${process.getuid?.() ?? 'user'}`);
    this.file = join(this.dir, String(process.pid));
  }

  register(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(this.file, `${startTime(process.pid) ?? ''}\n`);
    } catch {
      /* best effort: this worker then counts itself alone */
    }
    this.seen.at = -Infinity;
  }

  unregister(): void {
    rmSync(this.file, { force: true });
  }

  /** Live workers registered on this machine, this one included (at least 1); stale entries are removed. */
  count(now = Date.now()): number {
    if (now - this.seen.at < this.ttlMs) return this.seen.n;
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      /* no directory yet: nobody registered */
    }
    let n = names.includes(String(process.pid)) ? 0 : 1;
    for (const name of names) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      let started: string | undefined;
      try {
        started = readFileSync(join(this.dir, name), 'utf8').trim() || undefined;
      } catch {
        continue; // removed meanwhile
      }
      if (pid === process.pid || alive(pid, started)) n++;
      else rmSync(join(this.dir, name), { force: true });
    }
    this.seen = { at: now, n: Math.max(1, n) };
    return this.seen.n;
  }
}
