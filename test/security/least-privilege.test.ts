// Least privilege (issue 6, item 4): every session Parity opens is read-only, so a write
// through Parity's own sessions fails. The engine port has no "run this SQL" method; the
// one place caller text reaches SQL is the `where` predicate (--where / config `where`), so
// each attempt smuggles a write in there: a function that INSERTs, and (PostgreSQL) a
// multi-statement string that turns read-only off and commits. A control shows the same
// function does write through an ordinary session, so a failure proves the session, not
// the function. (That a run needs nothing but SELECT is shown by masking.test.ts and
// regions.test.ts, whose database users have SELECT grants only.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableSchema } from '../../src/core/types';
import type { Engine } from '../../src/engines/engine';
import { openEngine } from '../../src/engines/open';
import { MY_URL, myIdent, myQuery, PG_URL, pgIdent, pgQuery, UNIQUE } from './helpers';

const TABLE = `sec_ro_${UNIQUE}`;
const LOG = `sec_ro_log_${UNIQUE}`;
const WRITE = `sec_ro_write_${UNIQUE}`;
const ALL = {};

async function collect(e: Engine, schema: TableSchema, where: string): Promise<number> {
  let n = 0;
  for await (const batch of e.scan({ schema, columns: ['id', 'v'], range: ALL, where, fetchSize: 100 })) n += batch.length;
  return n;
}

describe('least privilege: Parity sessions are read-only', () => {
  beforeAll(async () => {
    await pgQuery(`DROP TABLE IF EXISTS ${pgIdent(TABLE)}, ${pgIdent(LOG)}`);
    await pgQuery(`CREATE TABLE ${pgIdent(TABLE)} (id int PRIMARY KEY, v text)`);
    await pgQuery(`INSERT INTO ${pgIdent(TABLE)} VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
    await pgQuery(`CREATE TABLE ${pgIdent(LOG)} (x text)`);
    await pgQuery(`CREATE OR REPLACE FUNCTION ${pgIdent(WRITE)}() RETURNS int VOLATILE LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO ${pgIdent(LOG)} VALUES ('written'); RETURN 1; END $$`);
    await myQuery(`DROP TABLE IF EXISTS ${myIdent(TABLE)}, ${myIdent(LOG)}`);
    await myQuery(`CREATE TABLE ${myIdent(TABLE)} (id INT PRIMARY KEY, v VARCHAR(10))`);
    await myQuery(`INSERT INTO ${myIdent(TABLE)} VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
    await myQuery(`CREATE TABLE ${myIdent(LOG)} (x VARCHAR(20))`);
    await myQuery(`DROP FUNCTION IF EXISTS ${myIdent(WRITE)}`);
    await myQuery(`CREATE FUNCTION ${myIdent(WRITE)}() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO ${myIdent(LOG)} VALUES ('written'); RETURN 1; END`);
  });
  afterAll(async () => {
    await pgQuery(`DROP TABLE IF EXISTS ${pgIdent(TABLE)}, ${pgIdent(LOG)}`).catch(() => {});
    await pgQuery(`DROP FUNCTION IF EXISTS ${pgIdent(WRITE)}()`).catch(() => {});
    await myQuery(`DROP TABLE IF EXISTS ${myIdent(TABLE)}, ${myIdent(LOG)}`).catch(() => {});
    await myQuery(`DROP FUNCTION IF EXISTS ${myIdent(WRITE)}`).catch(() => {});
  });

  describe('PostgreSQL', () => {
    let e: Engine;
    let schema: TableSchema;
    const logged = async () => (await pgQuery<{ n: string }>(`SELECT count(*)::text AS n FROM ${pgIdent(LOG)}`))[0].n;
    beforeAll(async () => {
      e = await openEngine(PG_URL, { applicationName: 'parity:sec-ro' });
      schema = await e.introspect(TABLE);
    });
    afterAll(async () => {
      await e?.close();
      await pgQuery(`TRUNCATE ${pgIdent(LOG)}`).catch(() => {});
    });

    it('control: the write function does write through an ordinary session', async () => {
      await pgQuery(`SELECT ${pgIdent(WRITE)}()`);
      expect(await logged()).toBe('1');
      await pgQuery(`TRUNCATE ${pgIdent(LOG)}`);
    });

    it('scans run in REPEATABLE READ READ ONLY transactions; other statements in read-only sessions', async () => {
      expect(await collect(e, schema, `current_setting('transaction_read_only') = 'on' AND current_setting('transaction_isolation') = 'repeatable read'`)).toBe(3);
      expect(await e.count(schema, ALL, `current_setting('transaction_read_only') = 'on'`)).toBe(3);
      expect(await e.count(schema, ALL, `current_setting('default_transaction_read_only') = 'on'`)).toBe(3);
    });

    it('a write through scan, count or sampleKeys fails with read_only_sql_transaction (25006)', async () => {
      const where = `${pgIdent(WRITE)}() = 1`;
      await expect(collect(e, schema, where)).rejects.toMatchObject({ code: '25006' });
      await expect(e.count(schema, ALL, where)).rejects.toMatchObject({ code: '25006' });
      await expect(e.sampleKeys(schema, 5, where)).rejects.toMatchObject({ code: '25006' });
      expect(await logged()).toBe('0');
    });

    // BUG (src/engines/postgres/engine.ts, query()): statements without parameters go over
    // pg's simple query protocol, which runs several ;-separated statements, so a predicate
    // can switch the session's default to read-write, COMMIT and write. One-line fix: pass
    // `queryMode: 'extended'` in the pool.query config (the extended protocol takes exactly
    // one statement).
    it('a predicate cannot end the statement, turn read-only off and write (no multi-statement SQL)', async () => {
      const smuggled = `true) ; SET default_transaction_read_only = off; COMMIT; INSERT INTO ${pgIdent(LOG)} VALUES ('smuggled'); SELECT (1`;
      await expect(e.sampleKeys(schema, 5, smuggled)).rejects.toThrow();
      await expect(e.count(schema, ALL, smuggled)).rejects.toThrow();
      await expect(collect(e, schema, smuggled)).rejects.toThrow();
      expect(await logged()).toBe('0');
    });
  });

  describe('MariaDB', () => {
    let e: Engine;
    let schema: TableSchema;
    const logged = async () => (await myQuery<{ n: number }>(`SELECT COUNT(*) AS n FROM ${myIdent(LOG)}`))[0].n;
    beforeAll(async () => {
      e = await openEngine(MY_URL, { applicationName: 'parity:sec-ro' });
      schema = await e.introspect(TABLE);
    });
    afterAll(async () => {
      await e?.close();
      await myQuery(`TRUNCATE ${myIdent(LOG)}`).catch(() => {});
    });

    it('control: the write function does write through an ordinary session', async () => {
      await myQuery(`SELECT ${myIdent(WRITE)}()`);
      expect(await logged()).toBe(1);
      await myQuery(`TRUNCATE ${myIdent(LOG)}`);
    });

    it('sessions are read-only (@@tx_read_only = 1) for scans and every other statement', async () => {
      expect(await collect(e, schema, '@@session.tx_read_only = 1')).toBe(3);
      expect(await e.count(schema, ALL, '@@session.tx_read_only = 1')).toBe(3);
      expect(await e.sampleKeys(schema, 5, '@@session.tx_read_only = 1')).toHaveLength(3);
    });

    it('a write through scan, count or sampleKeys fails (ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION)', async () => {
      const where = `${myIdent(WRITE)}() = 1`;
      const readOnly = { code: 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION' };
      await expect(collect(e, schema, where)).rejects.toMatchObject(readOnly);
      await expect(e.count(schema, ALL, where)).rejects.toMatchObject(readOnly);
      await expect(e.sampleKeys(schema, 5, where)).rejects.toMatchObject(readOnly);
      expect(await logged()).toBe(0);
    });

    it('a predicate cannot append statements (no multi-statement SQL)', async () => {
      const smuggled = `1=1) ; SET SESSION TRANSACTION READ WRITE; INSERT INTO ${myIdent(LOG)} VALUES ('smuggled'); SELECT (1`;
      await expect(e.sampleKeys(schema, 5, smuggled)).rejects.toThrow();
      await expect(e.count(schema, ALL, smuggled)).rejects.toThrow();
      expect(await logged()).toBe(0);
    });
  });
});
