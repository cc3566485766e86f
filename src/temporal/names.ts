// Names shared by client, worker and workflows. Workflow-safe (no Node imports).
export const DEFAULT_REGION = 'local';
export const taskQueueFor = (region: string): string => `parity-${region}`;
/** the queue workflows themselves run on */
export const WORKFLOW_TASK_QUEUE = 'parity';
export const SEARCH_ATTRIBUTES = {
  table: 'ParityTable',
  source: 'ParitySource',
  target: 'ParityTarget',
  status: 'ParityStatus',
} as const;
export const tableWorkflowId = (runId: string, table: string): string => `parity/${runId}/${table}`;
export const runWorkflowId = (runId: string): string => `parity/${runId}`;
