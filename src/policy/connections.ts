// Workers resolve connection names to URLs from their own environment or config; a URL the
// user typed into `parity run` travels sealed (AES-256-GCM) under a key the CLI and local
// workers share, so no password reaches workflow history in plain text.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stateDir } from './state';
import { BadConfig } from '../errors';
import type { ConnectionRef } from '../config/schema';

export const SEAL_KEY_ENV = 'PARITY_SEAL_KEY';

/** The sealing key: PARITY_SEAL_KEY (64 hex chars), else a 0600 file in the state dir, created on first use. */
export function sealKey(): Buffer {
  const env = process.env[SEAL_KEY_ENV];
  if (env) {
    if (!/^[0-9a-fA-F]{64}$/.test(env)) throw new BadConfig(`${SEAL_KEY_ENV} must be 64 hex characters (32 bytes)`);
    return Buffer.from(env, 'hex');
  }
  const file = join(stateDir(), 'seal.key');
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}

export function seal(url: string, key = sealKey()): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(url, 'utf8'), c.final()]);
  return 'v1.' + Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url');
}

export function unseal(sealed: string, key = sealKey()): string {
  if (!sealed.startsWith('v1.')) throw new BadConfig('sealed connection: unknown format');
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  try {
    const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  } catch {
    throw new BadConfig(`this worker cannot open a sealed connection: its ${SEAL_KEY_ENV} (or state dir seal.key) differs from the CLI's`);
  }
}

export const connEnvName = (name: string): string => `PARITY_CONN_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/** name → URL as this worker knows it: environment first, then the sealed URL from the run. */
export function resolveConnection(name: string, ref: ConnectionRef | undefined): string {
  const env = process.env[connEnvName(name)];
  if (env) return env;
  if (ref?.sealed) return unseal(ref.sealed);
  throw new BadConfig(`connection "${name}": this worker has no URL for it (set ${connEnvName(name)})`);
}

/** host:port/database of a URL, never the user or password (for display and errors). */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol.replace(/:$/, '')}://${u.hostname}${u.port ? ':' + u.port : ''}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** Removes any password from text (error messages from drivers may carry a URL). */
export function redact(text: string, secrets: string[] = []): string {
  let out = text.replace(/(\w+:\/\/[^:/\s]*:)([^@\s]*)@/g, '$1***@');
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}
