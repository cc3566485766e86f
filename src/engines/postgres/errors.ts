// PostgreSQL errors → Parity's failure classes, by SQLSTATE and Node socket codes only.

export type ErrorClass = 'ConnectionLost' | 'Timeout' | 'AuthFailed' | 'TableNotFound' | 'Cancelled' | 'ResourceExhausted' | 'Other';

/** Set on errors the engine raises itself (its own cancellations, lost connections). */
export const PARITY_KIND = 'parityKind';

const NODE_CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

export function classifyError(err: unknown): ErrorClass {
  if (!err || typeof err !== 'object') return 'Other';
  const e = err as { code?: unknown; parityKind?: unknown };
  if (typeof e.parityKind === 'string') return e.parityKind as ErrorClass;
  const code = typeof e.code === 'string' ? e.code : '';
  if (!code) return 'Other';
  if (NODE_CONNECTION_CODES.has(code)) return 'ConnectionLost';
  if (code === 'ETIMEDOUT') return 'Timeout';
  if (code.length !== 5) return 'Other';
  switch (code) {
    case '57014': // query_canceled: statement_timeout (our own cancels carry parityKind)
    case '55P03': // lock_not_available
    case '57P05': // idle_session_timeout
    case '25P03': // idle_in_transaction_session_timeout
      return 'Timeout';
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
      return 'Timeout';
    case '57P01': // admin_shutdown
    case '57P02': // crash_shutdown
    case '57P03': // cannot_connect_now
      return 'ConnectionLost';
    case '28000': // invalid_authorization_specification
    case '28P01': // invalid_password
      return 'AuthFailed';
    case '42P01': // undefined_table
    case '3F000': // invalid_schema_name
      return 'TableNotFound';
  }
  const cls = code.slice(0, 2);
  if (cls === '08') return 'ConnectionLost';
  if (cls === '53') return 'ResourceExhausted'; // insufficient_resources (disk, memory, connections)
  if (cls === '54') return 'ResourceExhausted'; // program_limit_exceeded
  return 'Other';
}

/** An error the engine raises, carrying its class for classifyError. */
export function engineError(message: string, kind: ErrorClass, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { [PARITY_KIND]: kind }, extra);
}
