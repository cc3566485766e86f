// Opens an Engine from a URL: postgres:// postgresql:// → PostgreSQL, mysql:// mariadb:// →
// MySQL/MariaDB. TLS from ?sslmode= (disable | require | verify-ca | verify-full) and
// ?sslrootcert=<path>, with libpq's meanings.

import { readFileSync } from 'fs';
import { isIP } from 'net';
import type { ConnectionOptions } from 'tls';
import type { Engine, OpenOptions } from './engine';
import { MysqlEngine } from './mysql/engine';
import { PostgresEngine } from './postgres/engine';

export interface ParsedUrl {
  dialect: 'postgres' | 'mysql';
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  ssl: false | ConnectionOptions;
}

function badConfig(message: string): Error {
  return Object.assign(new Error(message), { parityKind: 'Other', name: 'BadConfig' });
}

export function parseEngineUrl(url: string): ParsedUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badConfig('connection URL is not a valid URL');
  }
  const scheme = u.protocol.replace(/:$/, '');
  const dialect = scheme === 'postgres' || scheme === 'postgresql' ? 'postgres' : scheme === 'mysql' || scheme === 'mariadb' ? 'mysql' : undefined;
  if (!dialect) throw badConfig(`unsupported URL scheme "${scheme}:" (use postgres://, postgresql://, mysql:// or mariadb://)`);
  const host = decodeURIComponent(u.hostname.replace(/^\[|\]$/g, '')) || '127.0.0.1';
  const port = u.port ? Number(u.port) : dialect === 'postgres' ? 5432 : 3306;
  const user = decodeURIComponent(u.username) || (dialect === 'postgres' ? 'postgres' : 'root');
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || (dialect === 'postgres' ? 'postgres' : '');
  if (dialect === 'mysql' && !database) throw badConfig('a mysql:// URL must name a database (mysql://host/db)');
  const sslmode = (u.searchParams.get('sslmode') ?? u.searchParams.get('ssl-mode') ?? 'disable').toLowerCase();
  const rootcert = u.searchParams.get('sslrootcert') ?? u.searchParams.get('ssl-ca');
  let ca: string | undefined;
  if (rootcert) {
    try {
      ca = readFileSync(rootcert, 'utf8');
    } catch (err) {
      throw badConfig(`sslrootcert "${rootcert}" cannot be read: ${(err as Error).message}`);
    }
  }
  let ssl: false | ConnectionOptions;
  switch (sslmode) {
    case 'disable':
    case 'disabled':
    case 'allow':
    case 'prefer':
    case 'preferred':
      ssl = false;
      break;
    case 'require':
    case 'required':
      // libpq: a root certificate given with require means verify-ca
      ssl = ca ? { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined } : { rejectUnauthorized: false };
      break;
    case 'verify-ca':
    case 'verify_ca':
      ssl = { ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
      break;
    case 'verify-full':
    case 'verify_identity':
      ssl = { ca, rejectUnauthorized: true, servername: isIP(host) ? undefined : host };
      break;
    default:
      throw badConfig(`unknown sslmode "${sslmode}" (use disable, require, verify-ca or verify-full)`);
  }
  return { dialect, host, port, user, password, database, ssl };
}

export async function openEngine(url: string, opts: OpenOptions): Promise<Engine> {
  const p = parseEngineUrl(url);
  const cfg = { host: p.host, port: p.port, user: p.user, password: p.password, database: p.database, ssl: p.ssl };
  return p.dialect === 'postgres' ? new PostgresEngine(cfg, opts) : new MysqlEngine(cfg, opts);
}
