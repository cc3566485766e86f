// Errors thrown in pool threads keep the fields the failure taxonomy classifies by (a
// structured clone would keep only the message): a real refused connection in a real pool
// thread arrives with its code, and our own error classes arrive as themselves.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ColumnInfo, ColumnPair, TableSchema } from '../../src/core/types';
import { HashPool } from '../../src/digest/pool';
import type { DigestTask } from '../../src/digest/partition';
import { threadError, unwrapThreadError } from '../../src/digest/thread-error';
import { classifyError } from '../../src/engines/postgres/errors';
import { ConnectionLost, ResourceExhausted } from '../../src/errors';

/** a port nothing listens on (bound, then released) */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const id: ColumnInfo = { name: 'id', nativeType: 'bigint', family: 'int', nullable: false };
const schema: TableSchema = { dialect: 'postgres', table: 't', columns: [id], primaryKey: ['id'], rowEstimate: 1 };
const pairs: ColumnPair[] = [{ name: 'id', family: 'int', source: id, target: id, isKey: true }];

describe('errors across the pool thread boundary', () => {
  it('a refused connection in a pool thread keeps its code (digest and compare)', async () => {
    const url = `postgres://postgres@127.0.0.1:${await closedPort()}/test`;
    const pool = new HashPool({ threads: 1, heapMb: 64 });
    try {
      const task: DigestTask = { side: 'source', url, schema, pairs, range: {}, segFrom: 0, inner: [], fetchSize: 10, applicationName: 'parity:test' };
      const e1 = await pool.digest(task, () => {}).catch((e) => e);
      expect(e1).toBeInstanceOf(Error);
      expect(e1.code).toBe('ECONNREFUSED');
      expect(classifyError(e1)).toBe('ConnectionLost');
      const e2 = await pool
        .compare({ source: { url, schema }, target: { url, schema }, chunks: [[{}]], options: { table: 't', pairs, fetchSize: 10 }, applicationName: 'parity:test' })
        .catch((e) => e);
      expect(e2.code).toBe('ECONNREFUSED');
      expect(e2.message).toMatch(/ECONNREFUSED/);
    } finally {
      await pool.close();
    }
  });

  it('our own error classes come back as themselves; other errors pass unchanged', () => {
    const back = unwrapThreadError(threadError(new ResourceExhausted('too big'))) as Error;
    expect(back).toBeInstanceOf(ResourceExhausted);
    expect(back.message).toBe('too big');
    const lost = Object.assign(new Error('gone'), { parityKind: 'ConnectionLost', code: 'EPIPE' });
    const b2 = unwrapThreadError(threadError(lost)) as Error & { parityKind?: string; code?: string };
    expect(b2).not.toBeInstanceOf(ConnectionLost);
    expect([b2.message, b2.parityKind, b2.code]).toEqual(['gone', 'ConnectionLost', 'EPIPE']);
    const plain = new Error('plain');
    expect(unwrapThreadError(plain)).toBe(plain);
  });
});
