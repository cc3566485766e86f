// Errors across the pool's thread boundary. A structured clone keeps an Error's message and
// stack but drops its own fields (a driver's `code`, the engines' `parityKind`), which the
// failure taxonomy classifies by; so a thread throws them inside the message as JSON, and the
// activity's side turns that back into an Error with the same fields.
import * as taxonomy from '../errors';

const MARK = 'parity-thread-error:';

/** our own error classes by name, so `instanceof` holds again on the activity's side */
const CLASSES = new Map<string, new (message: string) => Error>(
  Object.entries(taxonomy).filter(([, v]) => typeof v === 'function' && v.prototype instanceof taxonomy.ParityError) as [string, new (message: string) => Error][],
);

/** In a pool thread: an Error whose message carries the original's message and fields. */
export function threadError(err: unknown): Error {
  const e = (err ?? {}) as { message?: unknown; name?: unknown; code?: unknown; parityKind?: unknown; errno?: unknown };
  const fields = {
    message: typeof e.message === 'string' ? e.message : String(err),
    name: typeof e.name === 'string' ? e.name : undefined,
    code: typeof e.code === 'string' || typeof e.code === 'number' ? e.code : undefined,
    parityKind: typeof e.parityKind === 'string' ? e.parityKind : undefined,
    errno: typeof e.errno === 'number' ? e.errno : undefined,
  };
  return new Error(MARK + JSON.stringify(fields));
}

/** On the activity's side: the thread's error with its fields back; anything else as it is. */
export function unwrapThreadError(err: unknown): unknown {
  const m = (err as { message?: unknown })?.message;
  if (typeof m !== 'string' || !m.startsWith(MARK)) return err;
  let f: { message: string; name?: string; code?: string | number; parityKind?: string; errno?: number };
  try {
    f = JSON.parse(m.slice(MARK.length));
  } catch {
    return err;
  }
  const Cls = f.name ? CLASSES.get(f.name) : undefined;
  const out = (Cls ? new Cls(f.message) : new Error(f.message)) as Error & Record<string, unknown>;
  if (f.name && f.name !== 'Error' && !Cls) out.name = f.name;
  for (const k of ['code', 'parityKind', 'errno'] as const) if (f[k] !== undefined) out[k] = f[k];
  out.stack = (err as Error).stack?.replace(m, f.message);
  return out;
}
