// The failure taxonomy (../shared/DESIGN.md). Activities turn these into ApplicationFailure
// with type = the class name; workflows branch on that type; the CLI maps them to exit 2.

export class ParityError extends Error {
  readonly retryable: boolean = true;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** transient: retried with backoff */
export class ConnectionLost extends ParityError {}
export class Timeout extends ParityError {}
/** the plan is too big for the worker: escalate one fallback level */
export class ResourceExhausted extends ParityError {}

abstract class Fatal extends ParityError {
  override readonly retryable = false;
}
export class BadConfig extends Fatal {}
export class SchemaDrift extends Fatal {}
export class AuthFailed extends Fatal {}
export class NoPrimaryKey extends Fatal {}
export class TableNotFound extends Fatal {}
export class Unreachable extends Fatal {}

export const NON_RETRYABLE_TYPES = ['BadConfig', 'SchemaDrift', 'AuthFailed', 'NoPrimaryKey', 'TableNotFound', 'Unreachable'];
