// Thread liveness: a pool thread that stops pinging is terminated and its work
// re-dispatched from its last checkpoint; a thread that hangs every time is given up on.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HashPool } from '../../src/digest/pool';
import type { DigestTask } from '../../src/digest/partition';

const task = { side: 'source', url: 'unused', schema: {}, pairs: [], range: {}, segFrom: 0, inner: [], fetchSize: 10, applicationName: 'x' } as unknown as DigestTask;

describe('hashing pool liveness', () => {
  it('terminates a hung thread and re-dispatches its work from the last checkpoint', async () => {
    const pool = new HashPool({ threads: 1, heapMb: 64, filename: resolve(__dirname, '../helpers/hang-task.js') });
    pool.hangFloorMs = 1500;
    const seen: number[] = [];
    try {
      const t0 = Date.now();
      const r = await pool.digest(task, (cp) => seen.push(cp.rows));
      // the second dispatch started from the first one's checkpoint (the helper only
      // finishes, with 5 rows read now, when it is given the checkpoint at 5)
      expect(r.rows).toBe(10);
      expect(r.rowsReadNow).toBe(5);
      // the first attempt's checkpoint was relayed; the second's final one may arrive after
      // the result (two message channels, no order between them), so it is not required
      expect(seen[0]).toBe(5);
      expect(seen.every((n) => n === 5 || n === 10)).toBe(true);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    } finally {
      await pool.close();
    }
  });

  it('a thread that hangs on every dispatch ends in ResourceExhausted (the fallback chain escalates)', async () => {
    const pool = new HashPool({ threads: 1, heapMb: 64, filename: resolve(__dirname, '../helpers/hang-task.js') });
    pool.hangFloorMs = 800;
    try {
      // the test body hangs on every dispatch when asked to
      await expect(pool.digest({ ...task, where: 'hang-always' }, () => {})).rejects.toThrow(/stopped responding twice/);
    } finally {
      await pool.close();
    }
  });
});
