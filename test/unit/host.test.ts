// Workers on one machine share its cores: the registry of live workers (src/policy/host.ts)
// and the pool's limit on tasks at once (HashPool.limit), with real processes and threads.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostPeers } from '../../src/policy/host';
import { HashPool } from '../../src/digest/pool';
import type { DigestTask } from '../../src/digest/partition';

const startTime = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};

describe('HostPeers', () => {
  it.runIf(existsSync('/proc/self/stat'))('counts the live registered workers and the pool tasks they run; a dead pid or a recycled one is removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-peers-'));
    const peers = new HostPeers(dir, 0);
    expect(peers.count()).toBe(1); // nobody registered: this worker alone
    peers.register();
    expect(readdirSync(dir)).toEqual([String(process.pid)]);
    expect(readFileSync(join(dir, String(process.pid)), 'utf8')).toBe(`${startTime(process.pid)} 0\n`);
    peers.setRunning(2);
    expect(readFileSync(join(dir, String(process.pid)), 'utf8')).toBe(`${startTime(process.pid)} 2\n`);
    expect([peers.count(), peers.othersRunning()]).toEqual([1, 0]); // its own tasks are not others'
    const other = spawn('sleep', ['30']);
    try {
      await new Promise((r) => other.once('spawn', r));
      writeFileSync(join(dir, String(other.pid)), `${startTime(other.pid!)} 3\n`);
      expect([peers.count(), peers.othersRunning()]).toEqual([2, 3]);
      // the same pid with another start time: a recycled pid, not a worker
      writeFileSync(join(dir, String(other.pid)), '1 3\n');
      expect([peers.count(), peers.othersRunning()]).toEqual([1, 0]);
      expect(existsSync(join(dir, String(other.pid)))).toBe(false);
    } finally {
      other.kill('SIGKILL');
    }
    const dead = spawnSync('true').pid;
    writeFileSync(join(dir, String(dead)), ' 1\n');
    writeFileSync(join(dir, 'not-a-pid'), '\n');
    expect([peers.count(), peers.othersRunning()]).toEqual([1, 0]);
    expect(readdirSync(dir).sort()).toEqual(['not-a-pid', String(process.pid)].sort());
    peers.unregister();
    expect(readdirSync(dir)).toEqual(['not-a-pid']);
  });

  it("leaves a registry alone that is a symlink or open to others: counts itself alone, deletes nothing", () => {
    const victim = mkdtempSync(join(tmpdir(), 'parity-peers-victim-'));
    writeFileSync(join(victim, '4000000'), '1 1\n'); // a dead pid's entry: would be removed
    const link = join(tmpdir(), `parity-peers-link-${process.pid}`);
    symlinkSync(victim, link);
    const open = mkdtempSync(join(tmpdir(), 'parity-peers-open-'));
    chmodSync(open, 0o777);
    writeFileSync(join(open, String(process.ppid)), ' 2\n'); // a live process
    for (const dir of [link, open]) {
      const peers = new HostPeers(dir, 0);
      peers.register();
      expect([peers.count(), peers.othersRunning()]).toEqual([1, 0]);
      peers.unregister();
    }
    expect(readdirSync(victim)).toEqual(['4000000']);
    expect(readdirSync(open)).toEqual([String(process.ppid)]);
  });

  it('reuses a scan for its time to live; publishing its own count starts a new one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-peers-'));
    const peers = new HostPeers(dir, 60_000);
    peers.register();
    expect(peers.count(1000)).toBe(1);
    writeFileSync(join(dir, String(process.ppid)), ' 1\n'); // a live process (no start time recorded): counts
    expect(peers.count(2000)).toBe(1);
    expect(peers.count(61_001)).toBe(2);
    writeFileSync(join(dir, String(process.ppid)), ' 2\n');
    expect(peers.othersRunning(62_000)).toBe(1);
    peers.setRunning(1);
    expect(peers.othersRunning(62_000)).toBe(2);
  });
});

describe('HashPool.limit', () => {
  const task = (ms: number) => ({ side: 'source', url: 'unused', schema: {}, pairs: [], range: {}, segFrom: 0, inner: [], fetchSize: ms, applicationName: 'x' }) as unknown as DigestTask;
  const spans = (rs: { readStartedAt: string; readEndedAt: string }[]) => rs.map((r) => [Number(r.readStartedAt), Number(r.readEndedAt)]).sort((a, b) => a[0] - b[0]);

  it('two threads run two tasks at once; a limit of one runs them one after the other, and a raised limit lets waiting tasks start', async () => {
    const pool = new HashPool({ threads: 2, heapMb: 64, filename: resolve(__dirname, '../helpers/sleep-task.js') });
    try {
      const both = spans(await Promise.all([pool.digest(task(400), () => {}), pool.digest(task(400), () => {})]));
      expect(both[1][0]).toBeLessThan(both[0][1]); // overlapped
      pool.limit = () => 1;
      const active: number[] = [];
      pool.onActive = (n) => active.push(n);
      const one = spans(await Promise.all([pool.digest(task(300), () => {}), pool.digest(task(300), () => {})]));
      expect(one[1][0]).toBeGreaterThanOrEqual(one[0][1]); // one after the other
      expect(active).toEqual([1, 0, 1, 0]);
      // a limit of 0 (others run every thread machine-wide) still runs one at a time here
      pool.limit = () => 0;
      active.length = 0;
      const zero = spans(await Promise.all([pool.digest(task(100), () => {}), pool.digest(task(100), () => {})]));
      expect(zero[1][0]).toBeGreaterThanOrEqual(zero[0][1]);
      expect(active).toEqual([1, 0, 1, 0]);
      pool.onActive = undefined;
      // a third waits behind the limit; raising it starts it within the second's re-check
      let limit = 1;
      pool.limit = () => limit;
      const t0 = Date.now();
      const first = pool.digest(task(3000), () => {});
      await new Promise((r) => setTimeout(r, 100));
      const second = pool.digest(task(100), () => {});
      setTimeout(() => (limit = 2), 300);
      const r2 = await second;
      expect(Number(r2.readEndedAt) - t0).toBeLessThan(2500); // did not wait for the first
      await first;
    } finally {
      await pool.close();
    }
  });
  it('a task cancelled while it waits rejects at once and never runs; waiting leaves no wakers behind', async () => {
    const pool = new HashPool({ threads: 2, heapMb: 64, filename: resolve(__dirname, '../helpers/sleep-task.js') });
    pool.limit = () => 1;
    pool.recheckMs = 20;
    try {
      const first = pool.digest(task(1500), () => {});
      const ac = new AbortController();
      const t0 = Date.now();
      const second = pool.digest(task(5000), () => {}, ac.signal);
      await new Promise((r) => setTimeout(r, 300));
      // rechecked ~15 times meanwhile: one waker, not one per recheck
      expect((pool as unknown as { waiting: unknown[] }).waiting.length).toBe(1);
      ac.abort(new Error('cancelled by the test'));
      await expect(second).rejects.toThrow('cancelled by the test');
      expect(Date.now() - t0).toBeLessThan(1000);
      const r = await first;
      expect(Number(r.readEndedAt) - t0).toBeLessThan(2500);
      expect((pool as unknown as { active: number }).active).toBe(0);
    } finally {
      await pool.close();
    }
  });
});
