// Runs inside pool threads.
//  default   Level 0/1: one partition end to end on the thread's own connection. Progress
//            goes back over a MessagePort so the activity can heartbeat it, and a ping every
//            second proves the thread's event loop is alive (a thread stuck in synchronous
//            code stops pinging, even while a slow query would not).
//  hashBatch Level 2: hash one transferred batch of raw rows.
import type { MessagePort } from 'node:worker_threads';
import { digestPartition, type DigestTask } from './partition';

export const PING_MS = 1000;

export default async function run({ task, port }: { task: DigestTask; port: MessagePort }) {
  const ping = setInterval(() => port.postMessage({ ping: true }), PING_MS);
  try {
    return await digestPartition(task, (cp) => port.postMessage({ checkpoint: cp }));
  } finally {
    clearInterval(ping);
    port.close();
  }
}

export { hashBatch } from './decoupled';
