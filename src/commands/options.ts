import { InvalidArgumentError, Option, type Command } from 'commander';
import type { FailOn } from '../engine/report.js';
import { DURATION_FORMS, parseDuration } from '../engine/units.js';
import { FORMATS, type Format } from '../report/formats.js';

export interface GlobalOptions {
  config?: string;
  env?: string;
  color: boolean;
  /** Who is acting, for the audit trail and run history (default: the OS user). */
  by?: string;
}

export interface RunFlags extends GlobalOptions {
  format: Format;
  report?: { format: Format; path: string }[];
  failOn: FailOn;
  timeout: number;
  concurrency: number;
  wait?: number;
  interval: number;
  emit?: 'cloudwatch';
}

export const durationArg = (value: string): number => {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError(`use ${DURATION_FORMS}`);
  return ms;
};

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('use a whole number from 1 to 64');
  return n;
};

const reportArg = (value: string, previous: NonNullable<RunFlags['report']> = []): NonNullable<RunFlags['report']> => {
  const m = /^([a-z]+)=(.+)$/.exec(value);
  if (!m || !FORMATS.includes(m[1] as Format)) throw new InvalidArgumentError(`use FORMAT=PATH with FORMAT one of ${FORMATS.join(', ')}`);
  return [...previous, { format: m[1] as Format, path: m[2]! }];
};

/** `--since`: a duration back from now (7d, 24h) or a date (2025-01-31, an ISO time). */
export const sinceArg = (value: string): Date => {
  const ms = parseDuration(value);
  if (ms !== undefined) return new Date(Date.now() - ms);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value);
  throw new InvalidArgumentError('use a duration back from now such as 7d or 24h, or a date such as 2025-01-31');
};

export const limitArg = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('use a whole number of 1 or more');
  return n;
};

/** `--jobs N` for pg_dump and pg_restore. */
export const jobsArg = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 32) throw new InvalidArgumentError('use a whole number from 1 to 32');
  return n;
};

/** `--format human|json` for commands that are not check runs (lists, plans). */
export const listFormat = () => new Option('-f, --format <format>', 'output format').choices(['human', 'json']).default('human');

export interface ActionFlags extends GlobalOptions {
  yes?: boolean;
  dryRun?: boolean;
  confirmEnv?: string;
}

/** The options every mutating action takes: it plans first, and acts only when told to. */
export function addActionOptions(cmd: Command): Command {
  return cmd
    .option('-y, --yes', 'act without asking (the plan is still shown)')
    .option('--dry-run', 'show the plan only; change nothing')
    .option('--confirm-env <name>', 'required against a protected environment: its name, typed out');
}

/** The options every check command takes. */
export function addRunOptions(cmd: Command, defaults: { timeoutMs?: number } = {}): Command {
  return cmd
    .addOption(new Option('-f, --format <format>', 'output format').choices(FORMATS).default('human'))
    .option('--report <format=path>', 'also write the report to a file in that format (repeatable)', reportArg)
    .addOption(new Option('--fail-on <level>', 'lowest status that makes the exit code non-zero').choices(['warn', 'fail']).default('warn'))
    .option('--timeout <duration>', 'deadline for the whole run', durationArg, defaults.timeoutMs ?? 30_000)
    .option('--concurrency <n>', 'checks run at once', positiveInt, 8)
    .option('--wait <duration>', 're-run until nothing fails or this time is up (post-deploy gates); exit with the last run', durationArg)
    .option('--interval <duration>', 'pause between --wait attempts', durationArg, 10_000)
    .addOption(new Option('--emit <sink>', 'also publish each verdict as a CloudWatch metric (NVCOps/CheckStatus)').choices(['cloudwatch']));
}

type ActionPlanFor = Parameters<typeof import('./act.js')['runActionCommand']>[1];

/** Registers one action command: its flags, then plan → confirm → execute through the action framework (src/engine/action.ts). */
export function actionCommand<M, O>(
  group: Command,
  finish: (code: Promise<number>) => void,
  spec: {
    name: string;
    targets: import('../engine/check.js').Target[];
    description: string;
    options: (cmd: Command) => Command;
    /** The module that plans the action, imported only when the command runs. */
    load: () => Promise<M>;
    plan: (m: M, flags: import('./act.js').ActionCommandFlags & O) => ActionPlanFor;
  },
): void {
  addActionOptions(spec.options(group.command(spec.name).description(spec.description))).addOption(listFormat()).action((_o, cmd: Command) => {
    const flags = cmd.optsWithGlobals<import('./act.js').ActionCommandFlags & O>();
    finish(Promise.all([import('./act.js'), spec.load()]).then(([act, m]) => act.runActionCommand(flags, spec.plan(m, flags), { action: `${group.name()} ${spec.name}`, targets: spec.targets })));
  });
}
