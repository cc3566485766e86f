// Workers on one machine share its cores: the registry of live workers (src/policy/host.ts)
// and the pool's limit on tasks at once (HashPool.limit), with real processes and threads.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  it.runIf(existsSync('/proc/self/stat'))('counts the live registered workers; a dead pid or a recycled one is removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-peers-'));
    const peers = new HostPeers(dir, 0);
    expect(peers.count()).toBe(1); // nobody registered: this worker alone
    peers.register();
    expect(readdirSync(dir)).toEqual([String(process.pid)]);
    expect(peers.count()).toBe(1);
    const other = spawn('sleep', ['30']);
    try {
      await new Promise((r) => other.once('spawn', r));
      writeFileSync(join(dir, String(other.pid)), `${startTime(other.pid!)}\n`);
      expect(peers.count()).toBe(2);
      // the same pid with another start time: a recycled pid, not a worker
      writeFileSync(join(dir, String(other.pid)), '1\n');
      expect(peers.count()).toBe(1);
      expect(existsSync(join(dir, String(other.pid)))).toBe(false);
    } finally {
      other.kill('SIGKILL');
    }
    const dead = spawnSync('true').pid;
    writeFileSync(join(dir, String(dead)), '\n');
    writeFileSync(join(dir, 'not-a-pid'), '\n');
    expect(peers.count()).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['not-a-pid', String(process.pid)].sort());
    peers.unregister();
    expect(readdirSync(dir)).toEqual(['not-a-pid']);
  });

  it('reuses a count for its time to live', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-peers-'));
    const peers = new HostPeers(dir, 60_000);
    expect(peers.count(1000)).toBe(1);
    writeFileSync(join(dir, String(process.ppid)), '\n'); // a live process: would count
    expect(peers.count(2000)).toBe(1);
    expect(peers.count(61_001)).toBe(2);
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
      const one = spans(await Promise.all([pool.digest(task(300), () => {}), pool.digest(task(300), () => {})]));
      expect(one[1][0]).toBeGreaterThanOrEqual(one[0][1]); // one after the other
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
});
