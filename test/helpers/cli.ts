// Runs the real CLI (compiled, as users run it) and real worker processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { expect, inject } from 'vitest';

export const ROOT = resolve(__dirname, '../..');
/** the `parity` command as npx runs it (package.json bin): a shell launcher that execs node */
export const BIN = resolve(ROOT, 'bin/parity');

/**
 * Each test file's workers and runs use their own workflow task queue: a worker one file
 * kills must not hold another file's workflows in its sticky cache (seen in CI: runs
 * stalled for minutes, queries failed).
 */
export function workflowQueue(): string {
  const file = expect.getState().testPath;
  return file ? `parity-wf-${basename(file).replace(/\.test\.ts$/, '')}` : 'parity';
}

export function testEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PARITY_TEMPORAL_ADDRESS: inject('temporalAddress'), PARITY_WORKFLOW_QUEUE: workflowQueue(), ...extra };
}

export interface CliResult { code: number; stdout: string; stderr: string }

export function runCli(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(BIN, args, { env: testEnv(opts.env), cwd: ROOT });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`parity ${args.join(' ')} timed out\n${stderr}`)); }, opts.timeoutMs ?? 170_000);
    child.on('exit', (code) => { clearTimeout(t); resolveRun({ code: code ?? -1, stdout, stderr }); });
    if (opts.input !== undefined) child.stdin.end(opts.input);
  });
}

/** Starts `parity worker` as its own process; resolves once it polls. */
export async function startWorker(args: string[] = [], env: Record<string, string> = {}): Promise<ChildProcess & { output: () => string }> {
  const child = spawn(BIN, ['worker', ...args], { env: testEnv(env), cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 60_000;
  while (!/worker: region/.test(out)) {
    if (child.exitCode !== null) throw new Error(`worker exited: ${out}`);
    if (Date.now() > deadline) throw new Error(`worker did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Object.assign(child, { output: () => out });
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await Promise.race([done, new Promise((r) => setTimeout(r, 15_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * A new namespace on the test server (its queues shared with no other test file), with or
 * without Parity's search attributes; waits until the frontend knows it.
 */
export async function freshNamespace(prefix: string, withSearchAttributes = true): Promise<string> {
  const { ensureNamespace } = await import('../../bench/procs');
  return ensureNamespace(inject('temporalAddress'), `${prefix}-${randomBytes(3).toString('hex')}`, withSearchAttributes);
}
