// Transport (issue 6, item 5), where this machine allows: scripts/tls-setup.sh gives the
// local PostgreSQL a certificate from a self-signed test CA; Parity's engine, opened from a
// URL with ?sslmode=verify-full&sslrootcert=<CA>, connects, verifies the server, and its
// session is encrypted by the server's own account (pg_stat_ssl). A wrong CA is refused,
// and plain connections keep working. MariaDB is not covered: enabling TLS there needs a
// restart of a server other tests are using (see the script).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engines/engine';
import { openEngine } from '../../src/engines/open';
import { ROOT } from '../helpers/cli';
import { PG_URL, pgIdent, pgQuery, UNIQUE } from './helpers';

const TABLE = `sec_tls_${UNIQUE}`;
const APP = `parity:sec-tls-${UNIQUE}`;

/** TLS state of the backends serving sessions with this application_name, from the server. */
async function sslOf(app: string): Promise<{ ssl: boolean; version: string | null }[]> {
  return pgQuery(
    `SELECT s.ssl, s.version FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid WHERE a.application_name = $1`,
    [app],
  );
}

describe('TLS to PostgreSQL (verify-full against a test CA)', () => {
  let ca: string;
  const engines: Engine[] = [];
  beforeAll(async () => {
    const { stdout } = await promisify(execFile)('bash', [join(ROOT, 'scripts/tls-setup.sh')], { timeout: 60_000 });
    ca = /^PARITY_TLS_CA=(.+)$/m.exec(stdout)![1];
    await pgQuery(`DROP TABLE IF EXISTS ${pgIdent(TABLE)}`);
    await pgQuery(`CREATE TABLE ${pgIdent(TABLE)} (id int PRIMARY KEY)`);
  });
  afterAll(async () => {
    for (const e of engines) await e.close().catch(() => {});
    await pgQuery(`DROP TABLE IF EXISTS ${pgIdent(TABLE)}`).catch(() => {});
  });

  const open = async (url: string, app: string) => {
    const e = await openEngine(url, { applicationName: app });
    engines.push(e);
    return e;
  };

  it('the setup script is idempotent', async () => {
    const again = await promisify(execFile)('bash', [join(ROOT, 'scripts/tls-setup.sh')], { timeout: 60_000 });
    expect(again.stdout).toContain(`PARITY_TLS_CA=${ca}`);
    expect(again.stderr).toMatch(/reusing the CA/);
  });

  it('?sslmode=verify-full&sslrootcert=CA: verified, and the server reports the session encrypted', async () => {
    const e = await open(`${PG_URL}?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`, `${APP}-vf`);
    const schema = await e.introspect(TABLE); // the pool keeps this session open a while
    expect(schema.primaryKey).toEqual(['id']);
    const rows = await sslOf(`${APP}-vf`);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.ssl).toBe(true);
      expect(r.version).toMatch(/^TLSv1\.[23]$/);
    }
  });

  it('a plain URL still works, unencrypted (the check above can tell the difference)', async () => {
    const e = await open(PG_URL, `${APP}-plain`);
    await e.introspect(TABLE);
    const rows = await sslOf(`${APP}-plain`);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.ssl).toBe(false);
  });

  it('verify-full with a CA that did not sign the server certificate is refused', async () => {
    // the Debian snakeoil certificate is self-signed: a CA, but not ours
    const e = await open(`${PG_URL}?sslmode=verify-full&sslrootcert=/etc/ssl/certs/ssl-cert-snakeoil.pem`, `${APP}-bad`);
    await expect(e.introspect(TABLE)).rejects.toThrow(/certificate|self.signed|verify/i);
  });
});
