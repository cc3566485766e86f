// Activity option presets: the few shapes of work Parity has. Workflow-safe.
import type { ActivityOptions } from '@temporalio/workflow';

const NON_RETRYABLE = ['BadConfig', 'SchemaDrift', 'AuthFailed', 'NoPrimaryKey', 'TableNotFound', 'Unreachable', 'ResourceExhausted'];

/** a short database call: introspection, sampling, counting */
export const shortCall: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '8s', maximumAttempts: 6, nonRetryableErrorTypes: NON_RETRYABLE },
};

/** a long heartbeating scan: one death is retried from the heartbeat checkpoint */
export const longScan: ActivityOptions = {
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 2, nonRetryableErrorTypes: NON_RETRYABLE },
};

/** connection trouble inside a scan gets more patience than a dead worker */
export const RETRYABLE_SCAN_TYPES = ['ConnectionLost', 'Timeout'];
