// Runs inside a pool thread (Level 0/1): one partition end to end on its own connection.
// Progress goes back over a MessagePort so the activity can heartbeat it.
import type { MessagePort } from 'node:worker_threads';
import { digestPartition, type DigestTask } from './partition';

export default async function run({ task, port }: { task: DigestTask; port: MessagePort }) {
  try {
    return await digestPartition(task, (cp) => port.postMessage(cp));
  } finally {
    port.close();
  }
}
