// Starts one real Temporal dev server (the official CLI, SQLite persistence) for the whole
// test run, on its own port and state dir, and stops it at the end.
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startServer, type RunningServer } from '../../src/temporal/server';

export const TEST_TEMPORAL_PORT = 17233;
let server: RunningServer | undefined;

export default async function setup(project: TestProject) {
  const out = resolve(__dirname, '../../test-output');
  const dir = join(out, 'temporal');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.env.PARITY_STATE_DIR = join(out, 'state');
  rmSync(process.env.PARITY_STATE_DIR, { recursive: true, force: true });
  server = await startServer({ port: TEST_TEMPORAL_PORT, uiPort: TEST_TEMPORAL_PORT + 1000, dir, timeoutMs: 180_000 });
  process.env.PARITY_TEMPORAL_ADDRESS = server.address;
  project.provide('temporalAddress', server.address);
  project.provide('temporalDir', dir);
  return async () => {
    await server?.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalDir: string;
  }
}
