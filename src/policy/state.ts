// Parity's state directory: the dev server's SQLite file, results store, local secrets.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function stateDir(): string {
  return process.env.PARITY_STATE_DIR ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'parity');
}
