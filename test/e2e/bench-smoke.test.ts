// `npm run bench` end to end at a small size: the figures come from this program, so
// its own plumbing (table pairs, the floor, worker sets in their own namespaces, the
// interleaved 2-worker pairs, CPU from /proc, the manifest check) must keep working. The
// speed verdicts are not asserted here (4,000 rows say nothing about speed); exactness is.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli';

interface Measured {
  config: string;
  rows: number;
  seconds?: number;
  exact?: boolean;
  note?: string;
  versusOne?: { one: number[]; two: number[]; ratios: number[]; cpu?: { one: { workers: number }[]; two: { workers: number }[] } };
}

function bench(args: string[], dir: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/bench/bench.js'), '--dir', dir, ...args], { cwd: ROOT, env: { ...process.env, PARITY_LOG_LEVEL: 'WARN' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench timed out:\n${out}`));
    }, 280_000);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, out });
    });
  });
}

describe('npm run bench, small', () => {
  it('measures extract, 2 interleaved worker sets and pushdown, every manifest exact', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-bench-smoke-'));
    try {
      const r = await bench(['--rows', '4000', '--configs', 'pg2my,workers2,pushdown', '--small-warmup', '--', '--partition-rows', '1000'], dir);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/bench_pair_4000: floor = max\(PostgreSQL COPY [\d.]+ s, MariaDB --quick read [\d.]+ s\)/);
      const { measured } = JSON.parse(readFileSync(join(dir, 'last-bench.json'), 'utf8')) as { measured: Measured[] };
      expect(measured.map((m) => m.config)).toEqual(['extract PG→MariaDB', 'extract PG→MariaDB, 2 worker processes', 'pushdown PG→MariaDB, identical pair (ratio not compared)']);
      for (const m of measured) {
        expect(m.exact, `${m.config}: ${m.note ?? ''}`).toBe(true);
        expect(m.seconds).toBeGreaterThan(0);
      }
      // five pairs of one worker and two, each timed, each set's CPU read from /proc
      const v = measured[1].versusOne!;
      expect(v.ratios).toHaveLength(5);
      v.ratios.forEach((x, i) => expect(x).toBeCloseTo(v.two[i] / v.one[i], 6));
      expect(v.cpu!.one.every((c) => c.workers > 0) && v.cpu!.two.every((c) => c.workers > 0)).toBe(true);
      expect(r.out).toMatch(/2 workers @ 4,000: median pair [\d.]+x one worker's time/);
      expect(r.out).toMatch(/2 workers: digest activities per worker identity: worker \d \(pid \d+\)=\d/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
