// Finds the official Temporal CLI (which bundles the dev server and Web UI), or builds it
// from the Go module proxy into a cache outside the repo, keyed by version.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export const TEMPORAL_CLI_VERSION = '1.5.1';

export function cacheDir(): string {
  return process.env.PARITY_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'parity');
}

export function cachedCliPath(): string {
  return join(cacheDir(), `temporal-${TEMPORAL_CLI_VERSION}`, 'bin', 'temporal');
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** TEMPORAL_CLI if set, else `temporal` on PATH, else the cached build (built on first use). */
export async function findTemporalCli(log: (msg: string) => void = (m) => process.stderr.write(m + '\n')): Promise<string> {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI=${fromEnv}: no such file`);
    return fromEnv;
  }
  const path = onPath('temporal');
  if (path) return path;
  const cached = cachedCliPath();
  if (existsSync(cached)) return cached;
  await buildCli(cached, log);
  return cached;
}

async function buildCli(target: string, log: (msg: string) => void): Promise<void> {
  const gobin = join(target, '..');
  mkdirSync(gobin, { recursive: true });
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error('the Temporal CLI was not found (TEMPORAL_CLI, PATH, cache) and Go is not installed to build it');
  }
  log(`building the Temporal CLI v${TEMPORAL_CLI_VERSION} with go install into ${gobin} (first time only; takes minutes)…`);
  const args = [
    'install', '-trimpath',
    '-ldflags', `-s -w -X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
    `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`,
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawn('go', args, { env: { ...process.env, CGO_ENABLED: '0', GOBIN: gobin }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install of the Temporal CLI failed with exit code ${code}`))));
  });
  if (!existsSync(target)) throw new Error(`go install finished but ${target} is missing`);
}
