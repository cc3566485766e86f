// The workflows set Keyword search attributes (names.ts) so runs can be listed by table,
// source, target and status. A namespace without them does not fail a run: the server
// rejects every workflow task and the run hangs, with only a worker WARN to say why. So the
// worker and `parity run` check first and stop with the command that registers them.
import { temporal } from '@temporalio/proto';
import { BadConfig } from '../errors';
import { SEARCH_ATTRIBUTES } from './names';

type OperatorService = temporal.api.operatorservice.v1.OperatorService;

/** Parity's search attributes `namespace` lacks; undefined when the server will not say (no permission, Cloud); BadConfig when there is no such namespace. */
export async function missingSearchAttributes(ops: OperatorService, namespace: string): Promise<string[] | undefined> {
  let custom: Record<string, unknown>;
  try {
    custom = (await ops.listSearchAttributes({ namespace })).customAttributes ?? {};
  } catch (err) {
    // gRPC NOT_FOUND: the namespace itself is missing (the SDK would say so in a raw status dump)
    if ((err as { code?: number }).code === 5) {
      throw new BadConfig(`Temporal namespace "${namespace}" does not exist on this server: create it (temporal operator namespace create --namespace ${namespace}) or choose another with --namespace or PARITY_NAMESPACE`);
    }
    return undefined;
  }
  return Object.values(SEARCH_ATTRIBUTES).filter((n) => !(n in custom));
}

/** Throws BadConfig naming what is missing and how to register it. */
export async function requireSearchAttributes(ops: OperatorService, namespace: string): Promise<void> {
  const missing = await missingSearchAttributes(ops, namespace);
  if (!missing?.length) return;
  throw new BadConfig(
    `Temporal namespace "${namespace}" lacks the search attribute(s) ${missing.join(', ')} that Parity's workflows set ` +
      `(without them every run would hang). Register them once: ` +
      `temporal operator search-attribute create --namespace ${namespace} ${missing.map((n) => `--name ${n} --type Keyword`).join(' ')}`,
  );
}

/** Registers whichever of Parity's search attributes `namespace` lacks (tests, the bench). */
export async function registerSearchAttributes(ops: OperatorService, namespace: string): Promise<void> {
  const missing = (await missingSearchAttributes(ops, namespace)) ?? Object.values(SEARCH_ATTRIBUTES);
  if (!missing.length) return;
  const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await ops.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing.map((n) => [n, KEYWORD])) });
}
