// Starts and stops the real Temporal dev server (`temporal server start-dev`) with SQLite
// persistence in a state directory, so workflows survive a server restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { findTemporalCli } from './cli-binary';
import { SEARCH_ATTRIBUTES } from './names';
import { stateDir } from '../policy/state';

export interface ServerOptions {
  port?: number;
  uiPort?: number;
  ip?: string;
  /** where temporal.sqlite, the log and the pid file live */
  dir?: string;
  headless?: boolean;
  namespace?: string;
}

export interface RunningServer {
  address: string;
  uiUrl?: string;
  pid: number;
  stop(): Promise<void>;
}

function resolved(opts: ServerOptions) {
  const port = opts.port ?? 7233;
  const ip = opts.ip ?? '127.0.0.1';
  const dir = opts.dir ?? join(stateDir(), 'temporal');
  return { port, ip, dir, uiPort: opts.uiPort ?? port + 1000, namespace: opts.namespace ?? 'default' };
}

function serverArgs(o: ReturnType<typeof resolved>, headless: boolean): string[] {
  const args = [
    'server', 'start-dev',
    '--db-filename', join(o.dir, 'temporal.sqlite'),
    '--ip', o.ip, '--port', String(o.port),
    '--namespace', o.namespace,
    '--log-level', 'warn',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
  ];
  for (const name of Object.values(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=Keyword`);
  if (headless) args.push('--headless');
  else args.push('--ui-port', String(o.uiPort));
  return args;
}

export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    const done = (ok: boolean) => { sock.destroy(); resolve(ok); };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** true when a Temporal frontend answers a real RPC at address */
export async function serverAnswers(address: string, timeoutMs = 2000): Promise<boolean> {
  const [host, port] = splitAddress(address);
  if (!(await portOpen(host, port))) return false;
  try {
    const conn = await Connection.connect({ address, connectTimeout: timeoutMs });
    try {
      await conn.workflowService.getSystemInfo({});
      return true;
    } finally {
      await conn.close();
    }
  } catch {
    return false;
  }
}

export function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

async function waitUntilReady(address: string, child: ChildProcess | undefined, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '';
      throw new Error(`the Temporal dev server exited with code ${child.exitCode} while starting:\n${tail}`);
    }
    if (await serverAnswers(address)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the Temporal dev server did not answer at ${address} within ${timeoutMs / 1000} s (log: ${logFile})`);
}

/**
 * Starts the dev server. `detached` leaves it running after this process exits (the demo
 * and `parity run` do that so the Web UI stays up); otherwise it is a child of this process.
 */
export async function startServer(opts: ServerOptions & { detached?: boolean; timeoutMs?: number; log?: (m: string) => void } = {}): Promise<RunningServer> {
  const o = resolved(opts);
  const address = `${o.ip}:${o.port}`;
  const cli = await findTemporalCli(opts.log);
  mkdirSync(o.dir, { recursive: true });
  const logFile = join(o.dir, 'server.log');
  const out = openSync(logFile, 'a');
  const child = spawn(cli, serverArgs(o, !!opts.headless), {
    stdio: ['ignore', out, out],
    detached: !!opts.detached,
  });
  closeSync(out);
  const pidFile = join(o.dir, 'server.pid');
  writeFileSync(pidFile, String(child.pid));
  if (opts.detached) child.unref();
  await waitUntilReady(address, child, logFile, opts.timeoutMs ?? 120_000);
  return {
    address,
    uiUrl: opts.headless ? undefined : `http://${o.ip}:${o.uiPort}`,
    pid: child.pid!,
    stop: async () => {
      await stopPid(child.pid!);
      rmSync(pidFile, { force: true });
    },
  };
}

async function stopPid(pid: number): Promise<void> {
  try { process.kill(pid, 'SIGTERM'); } catch { return; }
  for (let i = 0; i < 100; i++) {
    try { process.kill(pid, 0); } catch { return; }
    await new Promise((r) => setTimeout(r, 100));
  }
  try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}

/** Stops a detached server started earlier with the same state dir (its pid file). */
export async function stopDetachedServer(opts: ServerOptions = {}): Promise<boolean> {
  const pidFile = join(resolved(opts).dir, 'server.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  await stopPid(pid);
  rmSync(pidFile, { force: true });
  return true;
}

/** Uses a server that answers at address, or starts a detached local one there. */
export async function ensureLocalServer(opts: ServerOptions & { log?: (m: string) => void } = {}): Promise<{ address: string; uiUrl: string; started: boolean }> {
  const o = resolved(opts);
  const address = `${o.ip}:${o.port}`;
  const uiUrl = `http://${o.ip}:${o.uiPort}`;
  if (await serverAnswers(address)) return { address, uiUrl, started: false };
  opts.log?.(`starting the Temporal dev server at ${address} (Web UI ${uiUrl}, state in ${o.dir})`);
  await startServer({ ...opts, detached: true });
  return { address, uiUrl, started: true };
}
