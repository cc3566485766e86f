// The workflow task queue, Node side (workflow code never needs it: children inherit their
// parent's queue). PARITY_WORKFLOW_QUEUE separates deployments that share a namespace —
// and the test files of one suite, so a worker one file kills never holds another file's
// workflows in its sticky cache.
import { WORKFLOW_TASK_QUEUE } from './names';

export function workflowTaskQueue(): string {
  return process.env.PARITY_WORKFLOW_QUEUE?.trim() || WORKFLOW_TASK_QUEUE;
}
