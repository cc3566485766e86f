// Example: a user's own migration workflow that embeds Parity as a child workflow.
// Parity's workers serve task queue "parity" (or their PARITY_WORKFLOW_QUEUE); this workflow only needs the workflow type
// name and the plain-JSON input (no import of Parity's code is required).
import { ApplicationFailure, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';

export interface MigrationInput {
  table: string;
  /** connection names the Parity workers know (PARITY_CONN_<NAME>) */
  source: string;
  target: string;
  /** the region whose Parity workers know these connections (default "local") */
  region?: string;
  /** the workflow task queue Parity's workers serve (PARITY_WORKFLOW_QUEUE; default "parity") */
  parityQueue?: string;
}

export interface MigrationResult {
  copied: boolean;
  verified: 'identical' | 'different' | 'error';
  differences: number;
}

interface ParitySummary {
  status: 'identical' | 'different' | 'error';
  tables: { missing: number; extra: number; changed: number }[];
}

const { copyTable } = proxyActivities<{ copyTable(table: string): Promise<void> }>({ startToCloseTimeout: '10 minutes' });

export async function migrateTable(input: MigrationInput): Promise<MigrationResult> {
  // 1. the migration itself (the user's activity)
  await copyTable(input.table);
  // 2. prove it lost nothing: Parity as a child workflow
  const summary = await executeChild<(arg: unknown) => Promise<ParitySummary>>('reconcileRun', {
    taskQueue: input.parityQueue ?? 'parity',
    workflowId: `parity/${workflowInfo().workflowId}-verify`,
    args: [{
      spec: {
        runId: `${workflowInfo().workflowId}-verify`,
        connections: { [input.source]: { region: input.region ?? 'local' }, [input.target]: { region: input.region ?? 'local' } },
        tables: [{ name: input.table, source: input.source, target: input.target, sourceTable: input.table, targetTable: input.table }],
      },
    }],
  });
  const differences = summary.tables.reduce((n, t) => n + t.missing + t.extra + t.changed, 0);
  if (summary.status === 'error') throw ApplicationFailure.nonRetryable('verification could not decide', 'VerificationFailed');
  return { copied: true, verified: summary.status, differences };
}
