// MySQL/MariaDB errors → Parity's failure classes, by mysql2 `code` / `errno` only.

export type ErrorClass = 'ConnectionLost' | 'Timeout' | 'AuthFailed' | 'TableNotFound' | 'Cancelled' | 'ResourceExhausted' | 'Other';

const CLASSES: Record<string, ErrorClass> = {
  PROTOCOL_CONNECTION_LOST: 'ConnectionLost',
  ECONNREFUSED: 'ConnectionLost',
  ECONNRESET: 'ConnectionLost',
  EPIPE: 'ConnectionLost',
  EHOSTUNREACH: 'ConnectionLost',
  ENETUNREACH: 'ConnectionLost',
  ENOTFOUND: 'ConnectionLost',
  EAI_AGAIN: 'ConnectionLost',
  ER_SERVER_SHUTDOWN: 'ConnectionLost',
  ER_CONNECTION_KILLED: 'ConnectionLost',
  ER_NET_READ_ERROR: 'ConnectionLost',
  ER_NET_READ_INTERRUPTED: 'ConnectionLost',
  ER_NET_ERROR_ON_WRITE: 'ConnectionLost',
  ETIMEDOUT: 'Timeout',
  PROTOCOL_SEQUENCE_TIMEOUT: 'Timeout',
  ER_LOCK_WAIT_TIMEOUT: 'Timeout',
  ER_LOCK_DEADLOCK: 'Timeout',
  ER_STATEMENT_TIMEOUT: 'Timeout', // MariaDB max_statement_time
  ER_QUERY_TIMEOUT: 'Timeout', // MySQL max_execution_time
  ER_ACCESS_DENIED_ERROR: 'AuthFailed',
  ER_DBACCESS_DENIED_ERROR: 'AuthFailed',
  ER_ACCESS_DENIED_NO_PASSWORD_ERROR: 'AuthFailed',
  ER_NOT_SUPPORTED_AUTH_MODE: 'AuthFailed',
  ER_TABLEACCESS_DENIED_ERROR: 'AuthFailed',
  ER_NO_SUCH_TABLE: 'TableNotFound',
  ER_BAD_TABLE_ERROR: 'TableNotFound',
  // a query interrupted by someone else (KILL from a DBA or a killed session: ours carry parityKind 'Cancelled'): retried
  ER_QUERY_INTERRUPTED: 'ConnectionLost',
  ER_CON_COUNT_ERROR: 'ResourceExhausted',
  ER_TOO_MANY_USER_CONNECTIONS: 'ResourceExhausted',
  ER_OUT_OF_RESOURCES: 'ResourceExhausted',
  ER_OUTOFMEMORY: 'ResourceExhausted',
  ER_OUT_OF_SORTMEMORY: 'ResourceExhausted',
  ER_RECORD_FILE_FULL: 'ResourceExhausted',
  ER_DISK_FULL: 'ResourceExhausted',
};

const ERRNO: Record<number, ErrorClass> = {
  1969: 'Timeout', // ER_STATEMENT_TIMEOUT (MariaDB)
  3024: 'Timeout', // ER_QUERY_TIMEOUT (MySQL)
  1317: 'ConnectionLost',
  1146: 'TableNotFound',
  1045: 'AuthFailed',
  1044: 'AuthFailed',
  1040: 'ResourceExhausted',
  1053: 'ConnectionLost',
  1927: 'ConnectionLost', // ER_CONNECTION_KILLED (MariaDB)
};

export function classifyError(err: unknown): ErrorClass {
  if (!err || typeof err !== 'object') return 'Other';
  const e = err as { code?: unknown; errno?: unknown; parityKind?: unknown; sqlState?: unknown };
  if (typeof e.parityKind === 'string') return e.parityKind as ErrorClass;
  if (typeof e.code === 'string' && CLASSES[e.code]) return CLASSES[e.code];
  // mysql2 only sets errno/sqlState on server errors; pg errors carry neither
  if (typeof e.errno === 'number' && typeof e.sqlState === 'string' && ERRNO[e.errno]) return ERRNO[e.errno];
  return 'Other';
}

/** An error the engine raises, carrying its class for classifyError. */
export function engineError(message: string, kind: ErrorClass, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { parityKind: kind }, extra);
}
