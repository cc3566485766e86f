// reconcileRun: many table pairs, one child workflow per table (parity/<run>/<table>),
// at most `tableConcurrency` at once. A table's failure is a result, not the run's failure.
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TimeoutFailure, executeChild, workflowInfo, defineQuery, setHandler } from '@temporalio/workflow';
import { parseRunSpec, type RunSpec } from '../src/config/schema';
import { tableWorkflowId } from '../src/temporal/names';
import { reconcileTable } from './table';
import type { RunSummary, TableSummary } from './types';

export interface RunInput {
  spec: RunSpec;
  /** tables reconciled at once */
  tableConcurrency?: number;
}

export const runStateQuery = defineQuery<{ tables: { table: string; workflowId: string; status: string }[] }>('runState');

/** The failure that started it all: child → activity → application failure. */
function rootCause(err: unknown): unknown {
  let e = err;
  while ((e instanceof ChildWorkflowFailure || e instanceof ActivityFailure) && e.cause) e = e.cause;
  return e;
}

export async function reconcileRun(input: RunInput): Promise<RunSummary> {
  const parsed = parseRunSpec(input?.spec);
  if (!parsed.ok) throw ApplicationFailure.nonRetryable(`bad input: ${parsed.errors.join('; ')}`, 'BadConfig');
  const spec = parsed.spec;
  const runId = spec.runId ?? workflowInfo().workflowId.replace(/^parity\//, '');
  const state = spec.tables.map((t) => ({ table: t.name, workflowId: tableWorkflowId(runId, t.name), status: 'pending' }));
  setHandler(runStateQuery, () => ({ tables: state }));
  const results: TableSummary[] = new Array(spec.tables.length);
  let next = 0;
  const lane = async () => {
    while (next < spec.tables.length) {
      const i = next++;
      const t = spec.tables[i];
      state[i].status = 'running';
      try {
        results[i] = await executeChild(reconcileTable, {
          workflowId: state[i].workflowId,
          args: [{ runId, spec, tableIndex: i }],
        });
      } catch (err) {
        const cause = rootCause(err);
        const raw = cause instanceof ApplicationFailure ? cause.type ?? 'Error' : null;
        // a database that stayed unreachable through every retry
        const type = raw === 'ConnectionLost' ? 'Unreachable' : raw !== null ? raw : cause instanceof TimeoutFailure ? 'Timeout' : (cause as Error)?.name ?? 'Error';
        const message = (cause as Error)?.message ?? String(cause);
        results[i] = {
          table: t.name, status: type === 'SchemaDrift' ? 'halted' : 'failed',
          sourceRows: 0, targetRows: 0, missing: 0, extra: 0, changed: 0,
          rowsRead: { source: 0, target: 0 }, rowsRefetched: 0, mode: 'extract', fallbackLevel: 0, durationMs: 0,
          error: { type, message },
        };
      }
      state[i].status = results[i].status;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, input.tableConcurrency ?? 2) }, lane));
  const status = results.some((r) => r.status === 'halted' || r.status === 'failed')
    ? 'error'
    : results.some((r) => r.status === 'different') ? 'different' : 'identical';
  return { runId, status, tables: results };
}
