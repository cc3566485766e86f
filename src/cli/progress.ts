// Progress on long runs: a bar with rows/s and ETA on a TTY, plain periodic lines otherwise.
import type { Client } from '@temporalio/client';
import { SingleBar, Presets } from 'cli-progress';
import type { ProgressView } from '../../workflows/types';

export async function queryProgress(client: Client, ids: string[]): Promise<ProgressView[]> {
  const out: ProgressView[] = [];
  for (const id of ids) {
    try {
      out.push(await client.workflow.getHandle(id).query<ProgressView>('progress'));
    } catch {
      /* not started yet, or finished */
    }
  }
  return out;
}

export function combine(views: ProgressView[], tables: number) {
  const rows = views.reduce((n, v) => n + v.rowsRead.source + v.rowsRead.target, 0);
  const rate = views.reduce((n, v) => n + v.rowsPerSec, 0);
  const progress = views.reduce((n, v) => n + v.progress, 0) / Math.max(1, tables);
  const level = Math.max(0, ...views.map((v) => v.fallbackLevel));
  const eta = Math.max(0, ...views.map((v) => v.etaSeconds ?? 0));
  return { rows, rate, progress, level, eta, phase: views.map((v) => v.phase).join(',') || 'starting' };
}

/** Starts following; returns a function that stops it. */
export function followProgress(client: Client, ids: string[]): () => void {
  const tty = !!process.stderr.isTTY;
  let stopped = false;
  let last = 0;
  const bar = tty
    ? new SingleBar({ format: 'parity |{bar}| {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_s}s | {phase}{level}', stream: process.stderr, hideCursor: true }, Presets.shades_classic)
    : undefined;
  bar?.start(100, 0, { rows: 0, rate: 0, phase: 'starting', level: '', eta_s: '?' });
  const tick = async () => {
    if (stopped) return;
    const c = combine(await queryProgress(client, ids), ids.length);
    if (stopped) return;
    const level = c.level ? ` | fallback level ${c.level}` : '';
    if (bar) bar.update(Math.round(c.progress * 100), { rows: c.rows, rate: c.rate, phase: c.phase, level, eta_s: c.eta });
    else if (Date.now() - last > 10_000) {
      last = Date.now();
      process.stderr.write(`progress ${Math.round(c.progress * 100)}% rows=${c.rows} rate=${c.rate}/s eta=${c.eta}s phase=${c.phase}${level}\n`);
    }
  };
  const timer = setInterval(() => void tick().catch(() => {}), 1000);
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    bar?.stop();
  };
}
