// Starts one real Temporal dev server (the official CLI, SQLite persistence) for the whole
// test run, on its own port and state dir, and stops it at the end.
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startServer, type RunningServer } from '../../src/temporal/server';

let server: RunningServer | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export default async function setup(project: TestProject) {
  const out = resolve(__dirname, '../../test-output');
  // several test runs may share a machine: each gets its own server, port and state
  const dir = join(out, `temporal-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.env.PARITY_STATE_DIR = join(out, `state-${process.pid}`);
  rmSync(process.env.PARITY_STATE_DIR, { recursive: true, force: true });
  const port = Number(process.env.PARITY_TEST_TEMPORAL_PORT ?? (await freePort()));
  server = await startServer({ port, uiPort: await freePort(), dir, timeoutMs: 180_000 });
  process.env.PARITY_TEMPORAL_ADDRESS = server.address;
  project.provide('temporalAddress', server.address);
  project.provide('temporalDir', dir);
  return async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalDir: string;
  }
}
