// Runs inside pool threads.
//  default   Level 0/1: one partition end to end on the thread's own connection. Progress
//            goes back over a MessagePort so the activity can heartbeat it, and a ping every
//            second proves the thread's event loop is alive (a thread stuck in synchronous
//            code stops pinging, even while a slow query would not).
//  compare   refinement of a batch of key ranges on the thread's own connections (both sides)
//  hashBatch Level 2: hash one transferred batch of raw rows.
// An error crossing the thread boundary keeps only its message (structured clone), so the
// driver's code and our own kind travel inside it (./thread-error) and are put back on the
// activity's side, where the failure taxonomy reads them.
import type { MessagePort } from 'node:worker_threads';
import type { DiffRecord } from '../core/types';
import { openEngine } from '../engines/open';
import { compareChunks, compareRange, type Chunk, type CompareOptions } from './compare';
import { digestPartition, type DigestTask } from './partition';
import { threadError } from './thread-error';

export const PING_MS = 1000;

export default async function run({ task, port }: { task: DigestTask; port: MessagePort }) {
  const ping = setInterval(() => port.postMessage({ ping: true }), PING_MS);
  try {
    return await digestPartition(task, (cp) => port.postMessage({ checkpoint: cp }));
  } catch (err) {
    throw threadError(err);
  } finally {
    clearInterval(ping);
    port.close();
  }
}

type CompareSideSchema = Parameters<typeof compareRange>[0]['schema'];

export interface CompareTask {
  source: { url: string; schema: CompareSideSchema };
  target: { url: string; schema: CompareSideSchema };
  /** chunks of ranges: one query per side per chunk */
  chunks: Chunk[];
  options: Omit<CompareOptions, 'maskKey' | 'signal'> & { maskKey?: string };
  applicationName: string;
}

/** Refinement of a batch in this thread: rows are matched by fused digests, records come back. */
export async function compare(t: CompareTask): Promise<{ records: DiffRecord[]; rowsRefetched: { source: number; target: number }; widened: number }> {
  const records: DiffRecord[] = [];
  let rowsRefetched = { source: 0, target: 0 };
  let widened = 0;
  const o: CompareOptions = { ...t.options, maskKey: t.options.maskKey ? Buffer.from(t.options.maskKey, 'hex') : undefined };
  try {
    const se = await openEngine(t.source.url, { applicationName: t.applicationName });
    try {
      const te = await openEngine(t.target.url, { applicationName: t.applicationName });
      try {
        const r = await compareChunks({ engine: se, schema: t.source.schema }, { engine: te, schema: t.target.schema }, t.chunks, o, records);
        rowsRefetched = { source: r.source, target: r.target };
        widened = r.widened;
      } finally {
        await te.close().catch(() => {});
      }
    } finally {
      await se.close().catch(() => {});
    }
  } catch (err) {
    throw threadError(err);
  }
  return { records, rowsRefetched, widened };
}

export { hashBatch } from './decoupled';
