// The parity CLI: parse (commander), dispatch, and one catch that maps errors to exit codes.
// Exit codes: 0 identical, 1 differences, 2 could not decide (bad input, unreachable, drift).
import { Command, InvalidArgumentError, Option } from 'commander';
import { ParityError } from '../errors';
import { redact } from '../policy/connections';

// Commands load their modules when they run: `parity run` need not load the worker, the
// drivers or the Temporal server code (start-up is part of every run's wall time).
type Cmd = (...args: never[]) => Promise<number>;
function lazy<M>(load: () => M, pick: (m: M) => unknown): Cmd {
  return (...args) => (pick(load()) as Cmd)(...args);
}
const run$ = () => require('./commands/run') as typeof import('./commands/run');
const serve$ = () => require('./commands/serve') as typeof import('./commands/serve');
const status$ = () => require('./commands/status') as typeof import('./commands/status');
const inspect$ = () => require('./commands/inspect') as typeof import('./commands/inspect');
const runCommand = lazy(run$, (m) => m.runCommand);
const workerCommand = lazy(serve$, (m) => m.workerCommand);
const serverCommand = lazy(serve$, (m) => m.serverCommand);
const devCommand = lazy(serve$, (m) => m.devCommand);
const statusCommand = lazy(status$, (m) => m.statusCommand);
const reportCommand = lazy(status$, (m) => m.reportCommand);
const planCommand = lazy(inspect$, (m) => m.planCommand);
const baselineCommand = lazy(inspect$, (m) => m.baselineCommand);
const doctorCommand = lazy(inspect$, (m) => m.doctorCommand);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = require('../../../package.json').version;

const int = (what: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${what} must be a whole number`);
  return Number(v);
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

function temporalOptions(cmd: Command): Command {
  return cmd
    .option('--temporal <host:port>', 'Temporal frontend (default: PARITY_TEMPORAL_ADDRESS or 127.0.0.1:7233)')
    .option('--namespace <ns>', 'Temporal namespace (default: PARITY_NAMESPACE or default)')
    .option('--tls-cert <file>', 'mTLS client certificate (Temporal Cloud)')
    .option('--tls-key <file>', 'mTLS client key')
    .option('--tls-ca <file>', 'CA certificate of the Temporal server')
    .option('--api-key <key>', 'Temporal API key (or TEMPORAL_API_KEY)');
}

let exitCode = 0;
const run = (fn: (...a: never[]) => Promise<number>) => async (...args: unknown[]) => {
  exitCode = await (fn as (...a: unknown[]) => Promise<number>)(...args);
};

export function buildProgram(): Command {
  const program = new Command('parity')
    .description('Prove a table in PostgreSQL and its copy in MySQL/MariaDB hold the same data; name every differing row and column.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (s, write) => write(s) });

  temporalOptions(
    program
      .command('run')
      .description('reconcile table pairs; exit 0 identical, 1 differences, 2 could not decide')
      .option('--source <url>', 'source database URL (postgres://… or mysql://…)')
      .option('--target <url>', 'target database URL')
      .option('--table <name>', 'table to reconcile (repeatable; PostgreSQL names may be schema-qualified)', collect)
      .option('--config <file>', 'YAML or JSON config with connections, tables and column policies')
      .option('--out <file.jsonl>', 'write the delta manifest (JSON Lines) here')
      .option('--json', 'print one JSON document instead of the table')
      .addOption(new Option('--mode <mode>', 'who hashes').choices(['auto', 'extract', 'pushdown']))
      .option('--mask <table.column>', 'tokenize this column before hashing (repeatable)', collect)
      .option('--where <predicate>', 'SQL predicate applied to both sides')
      .option('--detach', 'start the run, print its workflow id, and exit 0')
      .option('--resume-from <id>', 'reuse completed partitions of an earlier run')
      .option('--run-id <id>', 'run id (workflow ids are parity/<run>/<table>)')
      .option('--segment-rows <n>', 'rows per segment', int('--segment-rows'))
      .option('--partition-rows <n>', 'rows per partition', int('--partition-rows'))
      .option('--concurrency <n>', 'partitions scanned at once per database', int('--concurrency'))
      .option('--fetch-size <n>', 'rows per fetch', int('--fetch-size'))
      .option('--heartbeat-seconds <n>', 'declare a scan dead after this long without a heartbeat', int('--heartbeat-seconds'))
      .option('--recheck-after <seconds>', 'recheck differing keys after this delay (live tables)', int('--recheck-after'))
      .option('--baseline <file>', 'halt on schema drift from this baseline (written by parity baseline)'),
  )
    .addHelpText('after', `
Examples:
  parity run --source postgres://postgres@127.0.0.1/test --target mysql://root@127.0.0.1/test --table orders
  parity run --config parity.yaml --out diff.jsonl --json
  parity run --source … --target … --table users --mask users.email --detach`)
    .action(run(runCommand as never));

  temporalOptions(
    program
      .command('worker')
      .description('run a Parity worker (workflows + the activities of one region)')
      .option('--region <name>', 'serve only this region (task queue parity-<region>)', 'local')
      .option('--memory-budget <size>', 'memory the worker may use, e.g. 384MiB (default: cgroup limit or machine)')
      .option('--threads <n>', 'hashing threads (default: from the memory budget; 0 = no pool)', int('--threads'))
      .option('--thread-heap-mb <n>', 'V8 heap ceiling per hashing thread (default: from the memory budget)', int('--thread-heap-mb'))
      .option('--metrics-port <port>', 'serve Prometheus metrics on this port', int('--metrics-port'))
      .option('--no-workflows', "activities only: leave workflow tasks to other workers (a worker that may be killed or scaled to zero should not hold workflows' sticky caches)"),
  )
    .addHelpText('after', `
Examples:
  PARITY_CONN_SRC=postgres://… parity worker --region eu --memory-budget 1GiB
  PARITY_CONN_SRC=postgres://… parity worker --region eu --no-workflows
  parity worker --temporal temporal.internal:7233 --metrics-port 9464`)
    .action(run(workerCommand as never));

  program
    .command('server')
    .description('the local Temporal dev server (SQLite persistence, Web UI), in the foreground')
    .option('--port <port>', 'frontend port', int('--port'), 7233)
    .option('--ui-port <port>', 'Web UI port (default: port + 1000)', int('--ui-port'))
    .option('--headless', 'no Web UI')
    .option('--detach', 'leave it running in the background')
    .option('--stop', 'stop a server started with --detach (or by parity run / npm run demo)')
    .addHelpText('after', `
Examples:
  parity server              # 127.0.0.1:7233, Web UI http://127.0.0.1:8233
  parity server --stop`)
    .action(run(serverCommand as never));

  program
    .command('dev')
    .description('server and worker in one foreground process')
    .option('--port <port>', 'frontend port', int('--port'), 7233)
    .option('--ui-port <port>', 'Web UI port', int('--ui-port'))
    .option('--metrics-port <port>', 'Prometheus metrics port', int('--metrics-port'))
    .addHelpText('after', `
Example:
  parity dev   # then, in another shell: parity run --temporal 127.0.0.1:7233 …`)
    .action(run(devCommand as never));

  temporalOptions(
    program
      .command('status')
      .argument('<workflow-id>', 'the run id printed by parity run (parity/<run>)')
      .description('progress of a run (0…1), or its result when finished')
      .option('--json', 'one JSON document')
      .option('--wait', 'wait for the end and exit like parity run'),
  )
    .addHelpText('after', `
Examples:
  parity status parity/20261125-101500-ab12cd --json
  parity status parity/20261125-101500-ab12cd --wait`)
    .action(run(statusCommand as never));

  temporalOptions(
    program
      .command('report')
      .argument('<workflow-id>', 'a finished run')
      .description('the report of a finished run: JSON Lines manifest, CSV or a single-file HTML page')
      .option('--out <file>', 'write here instead of stdout')
      .addOption(new Option('--format <format>', 'report format').choices(['jsonl', 'csv', 'html'])),
  )
    .addHelpText('after', `
Example:
  parity report parity/20261125-101500-ab12cd --format html --out report.html`)
    .action(run(reportCommand as never));

  const local = (cmd: Command) =>
    cmd
      .option('--source <url>', 'source database URL')
      .option('--target <url>', 'target database URL')
      .option('--table <name>', 'table (repeatable)', collect)
      .option('--config <file>', 'YAML or JSON config')
      .option('--where <predicate>', 'SQL predicate applied to both sides');

  local(program.command('plan').description('dry run: partitions, estimated rows and time, and the mode per table, without hashing'))
    .option('--json', 'one JSON document')
    .option('--segment-rows <n>', 'rows per segment', int('--segment-rows'))
    .option('--partition-rows <n>', 'rows per partition', int('--partition-rows'))
    .addOption(new Option('--mode <mode>', 'who hashes').choices(['auto', 'extract', 'pushdown']))
    .addHelpText('after', `
Example:
  parity plan --source postgres://postgres@127.0.0.1/test --target mysql://root@127.0.0.1/test --table orders`)
    .action(run(planCommand as never));

  local(program.command('baseline').description('write a schema baseline of both sides; parity run --baseline halts on drift from it'))
    .option('--out <file>', 'where to write the baseline (JSON)')
    .addHelpText('after', `
Example:
  parity baseline --config parity.yaml --out baseline.json
  parity run --config parity.yaml --baseline baseline.json`)
    .action(run(baselineCommand as never));

  local(program.command('doctor').description('diagnostics on a table pair: hash determinism, thread payloads, idle transactions, sizing'))
    .option('--json', 'one JSON document')
    .option('--sample <rows>', 'rows to hash for the determinism check', int('--sample'), 10_000)
    .addHelpText('after', `
Example:
  parity doctor --source postgres://… --target mysql://… --table orders`)
    .action(run(doctorCommand as never));

  return program;
}

export async function main(argv = process.argv): Promise<number> {
  const program = buildProgram();
  // every command, not only the root: commander's own exit for a bad option is 1, which
  // here means "differences found"; bad input is 2 (exitOverride is not inherited by
  // commands added before it is set)
  const override = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(override);
  };
  override(program);
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    if (e.code?.startsWith('commander.')) return 2; // commander already printed the problem
    if (e.exitCode === 130) return 130;
    const type = err instanceof ParityError ? err.name : (err as Error)?.name ?? 'Error';
    process.stderr.write(`parity: ${type === 'Error' || type === 'BadConfig' ? '' : type + ': '}${redact(e.message ?? String(err))}\n`);
    if (process.env.PARITY_DEBUG) process.stderr.write(String((err as Error)?.stack) + '\n');
    return 2;
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    () => process.exit(2),
  );
}
