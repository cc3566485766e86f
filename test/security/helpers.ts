// Helpers for the compliance and security tests: database access for setup and for reading
// the databases' own session views, config files, full workflow histories (through the
// official Temporal CLI), and a search for secrets in everything a run leaves behind.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client as PgClient } from 'pg';
import { createConnection } from 'mysql2/promise';
import { inject } from 'vitest';
import { findTemporalCli } from '../../src/temporal/cli-binary';
import { ROOT } from '../helpers/cli';

export const PG_URL = process.env.PARITY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MY_URL = process.env.PARITY_TEST_MY ?? 'mysql://root@127.0.0.1:3306/test';
export const OUT = join(ROOT, 'test-output', 'security');

const run = promisify(execFile);

/** A short per-process suffix so parallel test runs on one machine never share a table or region. */
export const UNIQUE = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;

export async function pgQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = [], url = PG_URL): Promise<T[]> {
  const c = new PgClient({ connectionString: url, application_name: 'sec-test' });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

export async function myQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = [], url = MY_URL): Promise<T[]> {
  const c = await createConnection({ uri: url, charset: 'utf8mb4', multipleStatements: true });
  try {
    return (await c.query(sql, params))[0] as T[];
  } finally {
    await c.end();
  }
}

export const pgIdent = (s: string) => '"' + s.replace(/"/g, '""') + '"';
export const myIdent = (s: string) => '`' + s.replace(/`/g, '``') + '`';

export function writeJson(file: string, doc: unknown): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

export function writeText(file: string, text: string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** The full history of a workflow as `temporal workflow show --output json` prints it. */
export async function workflowHistory(workflowId: string): Promise<string> {
  const bin = await findTemporalCli();
  const { stdout } = await run(bin, ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', inject('temporalAddress')], {
    maxBuffer: 256 * 2 ** 20,
  });
  return stdout;
}

/**
 * Everything readable in a history: the JSON text itself plus every payload's `data` decoded
 * from base64 (the CLI may print payloads encoded), so a secret cannot hide in an encoding.
 */
export function historyText(json: string): string {
  const parts = [json];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'data' && typeof x === 'string') parts.push(Buffer.from(x, 'base64').toString('utf8'));
        walk(x);
      }
    }
  };
  walk(JSON.parse(json));
  return parts.join('\n');
}

/** The secrets from `needles` that occur in `haystack` (plain, URL-encoded or base64). */
export function leaks(haystack: string, needles: string[]): string[] {
  return needles.filter((n) => {
    const forms = [n, encodeURIComponent(n), Buffer.from(n).toString('base64')];
    return forms.some((f) => haystack.includes(f));
  });
}

/** Which process owns the local end of each TCP connection to these server ports (from the OS). */
export async function socketOwners(serverPorts: number[]): Promise<Map<number, number>> {
  const filter = serverPorts.map((p) => `dport = :${p}`).join(' or ');
  const { stdout } = await run('ss', ['-tnpH', 'state', 'established', `( ${filter} )`]);
  const owners = new Map<number, number>();
  for (const line of stdout.split('\n')) {
    // Recv-Q Send-Q Local:Port Peer:Port Process
    const m = /\S+:(\d+)\s+\S+:\d+\s+users:\(\("[^"]*",pid=(\d+)/.exec(line);
    if (m) owners.set(Number(m[1]), Number(m[2]));
  }
  return owners;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const NO_STACK = /\n\s+at .+(\.js|\.ts):\d+/;
