// Runs inside pool threads.
//  default   Level 0/1: one partition end to end on the thread's own connection; progress
//            goes back over a MessagePort so the activity can heartbeat it.
//  hashBatch Level 2: hash one transferred batch of raw rows.
import type { MessagePort } from 'node:worker_threads';
import { digestPartition, type DigestTask } from './partition';

export default async function run({ task, port }: { task: DigestTask; port: MessagePort }) {
  try {
    return await digestPartition(task, (cp) => port.postMessage(cp));
  } finally {
    port.close();
  }
}

export { hashBatch } from './decoupled';
