// Every fallback level computes the same digests: fused in a pool thread (levels 0/1),
// decoupled read + hashing pool with transferred buffers (level 2), single process
// (level 3) — on random data in a real PostgreSQL and MariaDB table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSchemas, compareKeys, withPairFamilies } from '../../src/canonical';
import { openEngine } from '../../src/engines/open';
import { digestPartition, type DigestTask } from '../../src/digest/partition';
import { digestDecoupled } from '../../src/digest/decoupled';
import { HashPool } from '../../src/digest/pool';
import { packRows, unpackRows } from '../../src/digest/rawbatch';
import { createDemoPair, MY_URL, PG_URL } from '../../scripts/fixtures';
import type { TableSchema } from '../../src/core/types';

const T = 'levels_orders';

describe('digest levels agree (parallel = single-threaded)', () => {
  let pool: HashPool;
  let tasks: Record<'source' | 'target', DigestTask>;
  beforeAll(async () => {
    await createDemoPair(T, 3000, 99);
    pool = new HashPool({ threads: 2, heapMb: 128 });
    const schemas: TableSchema[] = [];
    for (const url of [PG_URL, MY_URL]) {
      const e = await openEngine(url, { applicationName: 'parity:test' });
      schemas.push(await e.introspect(T));
      await e.close();
    }
    const check = checkSchemas(schemas[0], schemas[1]);
    const e = await openEngine(PG_URL, { applicationName: 'parity:test' });
    const families = check.columns.filter((c) => c.isKey).map((c) => c.family);
    const keys = (await e.sampleKeys(withPairFamilies(schemas[0], check.columns), 40)).sort((a, b) => compareKeys(a, b, families));
    await e.close();
    const inner = keys.filter((_, i) => i % 4 === 0);
    const base = { pairs: check.columns, range: {}, segFrom: 0, inner, fetchSize: 250, applicationName: 'parity:test' };
    tasks = {
      source: { ...base, side: 'source', url: PG_URL, schema: withPairFamilies(schemas[0], check.columns) },
      target: { ...base, side: 'target', url: MY_URL, schema: withPairFamilies(schemas[1], check.columns) },
    };
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('raw batches survive the trip through one flat buffer (text, bytes, NULL, 4-byte characters)', () => {
    const rows = [['1', null, Buffer.from([0, 255, 1])], ['😀 x', '', Buffer.alloc(0)]];
    expect(unpackRows(packRows(rows, 3))).toEqual(rows);
  });

  for (const side of ['source', 'target'] as const) {
    it(`${side}: level 3 (inline) = level 0 (pool thread) = level 2 (decoupled, transferred buffers)`, async () => {
      const inline = await digestPartition(tasks[side]);
      const pooled = await pool.digest(tasks[side], () => {});
      const decoupled = await digestDecoupled(tasks[side], (b) => pool.hashBatch(b), pool.depth);
      expect(inline.segments.length).toBeGreaterThan(5);
      // the inner segments of the integer key carry sub-range hints; every level agrees on them
      expect(inline.segments.filter((d) => d.h).length).toBeGreaterThan(3);
      expect(pooled.segments).toEqual(inline.segments);
      expect(decoupled.segments).toEqual(inline.segments);
      expect(decoupled.rows).toBe(inline.rows);
      expect(decoupled.lastKey).toEqual(inline.lastKey);
    });
  }

  it('a resumed digest (from a mid-way checkpoint) equals one uninterrupted digest', async () => {
    const full = await digestPartition(tasks.source);
    // the checkpoint an interrupted scan would have heartbeated: everything before a middle key
    const mid = tasks.source.inner[Math.floor(tasks.source.inner.length / 2)];
    const firstHalf = await digestPartition({ ...tasks.source, range: { hi: mid } });
    expect(firstHalf.rows).toBeGreaterThan(0);
    expect(firstHalf.rows).toBeLessThan(full.rows);
    const checkpoint = { lastKey: firstHalf.lastKey, rows: firstHalf.rows, segments: firstHalf.segments };
    for (const resumed of [
      await digestPartition({ ...tasks.source, checkpoint }),
      await digestDecoupled({ ...tasks.source, checkpoint }, (b) => pool.hashBatch(b), pool.depth),
    ]) {
      expect(resumed.segments).toEqual(full.segments);
      expect(resumed.rows).toBe(full.rows);
      expect(resumed.rowsReadNow).toBe(full.rows - firstHalf.rows);
    }
  });
});
