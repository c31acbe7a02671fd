import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DURATION_FORMS, MAX_TIMER_MS, MAX_TIMER_TEXT, parseDuration } from '../engine/units.js';
import type { ActionCommandFlags, runActionCommand } from '../app/act.js';
import type { RunFlags } from '../app/run.js';
import { FORMATS, type Format } from '../report/formats.js';
import { RUN_DEFAULTS } from '../engine/check.js';
import { isDate } from '../engine/zoned.js';

/** Who acts (`--by`): what the audit trail and run history keep, so it must say someone. */
export const actorArg = (value: string): string => {
  const name = value.trim();
  if (!name || name.length > 200 || /[\u0000-\u001f\u007f]/.test(name)) throw new InvalidArgumentError('use a name or handle of 1 to 200 printable characters');
  return name;
};

export const durationArg = (value: string): number => {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError(`use ${DURATION_FORMS}`);
  return ms;
};

/** A duration that becomes a timer: within `fits` and at most what a Node timer takes (longer ones fire after 1 ms). */
const timerArgOf = (fits: (ms: number) => boolean, least: string) => (value: string): number => {
  const ms = durationArg(value);
  if (!fits(ms) || ms > MAX_TIMER_MS) throw new InvalidArgumentError(`use a duration ${least} and ${MAX_TIMER_TEXT}`);
  return ms;
};
const timerArg = timerArgOf((ms) => ms > 0, 'above 0');
/** --interval: at least 1 s between --wait attempts, so that a gate does not spin on a target. */
const intervalArg = timerArgOf((ms) => ms >= 1000, 'of at least 1s');

/**
 * A whole-number flag from `min` to `max` (no upper bound when absent), written in decimal digits: Number() would
 * also take '' (an unset variable) for 0, 0x10 for 16 and 1e3 for 1000.
 */
export const wholeNumberArg = (min: number, max?: number, what = 'a whole number') => (value: string): number => {
  const n = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= (max ?? Number.MAX_SAFE_INTEGER))) throw new InvalidArgumentError(max === undefined ? `use ${what} of ${min} or more` : `use ${what} from ${min} to ${max}`);
  return n;
};

const positiveInt = wholeNumberArg(1, 64);

/**
 * `--report FORMAT=PATH`: checked when the flags are read, so that a path the run could not write
 * fails before anything runs. The path must not be a directory; the nearest part of it that exists
 * must be a writable directory. Missing directories are made before the run (makeReportDirectories).
 */
const reportArg = (value: string, previous: NonNullable<RunFlags['report']> = []): NonNullable<RunFlags['report']> => {
  const m = /^([a-z]+)=(.+)$/.exec(value);
  if (!m || !FORMATS.includes(m[1] as Format)) throw new InvalidArgumentError(`use FORMAT=PATH with FORMAT one of ${FORMATS.join(', ')}`);
  checkFilePath(m[2]!, `${m[1]}=DIR/report.${m[1]}`);
  return [...previous, { format: m[1] as Format, path: m[2]! }];
};

/** A file path nvcops can write: not a directory or other non-file, under a writable directory where its missing directories can be made. */
function checkFilePath(value: string, example: string): void {
  const path = resolve(value);
  if (existsSync(path) && !statSync(path).isFile()) {
    throw new InvalidArgumentError(`${value} is ${statSync(path).isDirectory() ? 'a directory' : 'not a regular file'}; give a file path such as ${example}`);
  }
  let dir = dirname(path);
  while (!existsSync(dir)) dir = dirname(dir);
  if (!statSync(dir).isDirectory()) throw new InvalidArgumentError(`${dir} is not a directory; a report goes into a directory`);
  try { accessSync(dir, constants.W_OK | constants.X_OK); } catch { throw new InvalidArgumentError(`directory ${dir} is not writable`); }
}

/** `--output PATH` (a post-mortem draft, a diagnosis): checked when the flags are read, as --report is, so that a long run never ends on a path it cannot write. */
export const outputFileArg = (value: string): string => {
  checkFilePath(value, 'DIR/report.md');
  return value;
};

/** A date such as 2025-01-31 or an ISO time, on a day that exists: Date.parse rolls 2026-02-31 over into March. */
const dateArg = (value: string): Date | undefined => {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?=$|T)/.exec(value);
  if (!m || Number.isNaN(Date.parse(value))) return undefined;
  if (!isDate(`${m[1]}-${m[2]}-${m[3]}`)) throw new InvalidArgumentError('no such day; use a date that exists such as 2025-01-31');
  return new Date(value);
};

/** `--since`: a duration back from now (7d, 24h) or a date (2025-01-31, an ISO time); never before 1970. */
export const sinceArg = (value: string): Date => {
  const ms = parseDuration(value);
  const when = ms !== undefined ? new Date(Date.now() - ms) : dateArg(value);
  if (!when) throw new InvalidArgumentError('use a duration back from now such as 7d or 24h, or a date such as 2025-01-31');
  if (when.getTime() < 0) throw new InvalidArgumentError('the window would start before 1970; use a shorter duration or a later date');
  return when;
};

/** `--since` of a window that ends now (health security): it cannot start in the future. */
export const windowSinceArg = (value: string): Date => {
  const when = sinceArg(value);
  if (when.getTime() > Date.now()) throw new InvalidArgumentError('the window would start in the future; use a date up to now');
  return when;
};

/** A name, pattern or version that says which part to act on: empty (an unset shell variable), it would say nothing, and the action would not narrow. */
export const named = (example: string) => (value: string): string => {
  if (!value.trim()) throw new InvalidArgumentError(`use ${example}; it cannot be empty`);
  return value;
};

/** One part of a table name as to_regclass reads it: plain (folded to lower case), or in double quotes with "" for a quote. */
const NAME_PART = String.raw`(?:[^\s."]+|"(?:[^"]|"")+")`;
const TABLE_NAME = new RegExp(`^${NAME_PART}(?:\\.${NAME_PART})?$`);

/** `--table`: a name or schema.name the server can parse; anything else would come back as its "invalid name syntax" (exit 3). */
const TABLE_EXAMPLE = 'a table name such as public.payments';
const tableNamed = named(TABLE_EXAMPLE);
export const tableNameArg = (value: string): string => {
  if (!TABLE_NAME.test(tableNamed(value))) throw new InvalidArgumentError(`use ${TABLE_EXAMPLE}: a name or schema.name, each part plain or in double quotes ("Payments")`);
  return value;
};

export const limitArg = wholeNumberArg(1);

/** `--jobs N` for pg_dump and pg_restore. */
export const jobsArg = wholeNumberArg(1, 32);

/** `--format human|json` for commands that are not check runs (lists, plans). */
export const listFormat = () => new Option('-f, --format <format>', 'output format').choices(['human', 'json']).default('human');

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
    .option('--timeout <duration>', 'deadline for the whole run', timerArg, defaults.timeoutMs ?? RUN_DEFAULTS.deadlineMs)
    .option('--concurrency <n>', 'checks run at once', positiveInt, RUN_DEFAULTS.concurrency)
    .option('--env-concurrency <n>', 'with --env a,b,c or --env all: environments run at once (default 4)', positiveInt)
    .addOption(new Option('--if-running <what>', 'when a run of this command in this environment is still going: wait for it (at most --timeout), or exit 75').choices(['wait', 'exit']).default('wait'))
    .option('--only-problems', 'the human screen shows only what did not pass (reports and other formats stay complete)')
    .option('--wait <duration>', 're-run until nothing fails or this time is up (post-deploy gates); exit with the last run', durationArg)
    .option('--interval <duration>', 'pause between --wait attempts (at least 1s)', intervalArg, 10_000)
    .option('--notify', 'alert per check that changed: PagerDuty trigger/resolve and one webhook message (config alerts)')
    .addOption(new Option('--emit <sink>', 'also publish each verdict as a CloudWatch metric (NVCOps/CheckStatus)').choices(['cloudwatch']));
}

type ActionPlanFor = Parameters<typeof runActionCommand>[1];

/** Registers one action command: its flags, then plan → confirm → execute through the action framework (src/engine/action.ts). */
export function actionCommand<M, O>(
  group: Command,
  finish: (code: Promise<number>) => void,
  spec: {
    name: string;
    targets: import('../engine/verdict.js').Target[];
    description: string;
    options: (cmd: Command) => Command;
    /** The module that plans the action, imported only when the command runs. */
    load: () => Promise<M>;
    plan: (m: M, flags: ActionCommandFlags & O) => ActionPlanFor;
  },
): void {
  addActionOptions(spec.options(group.command(spec.name).description(spec.description))).addOption(listFormat()).action((_o, cmd: Command) => {
    const flags = cmd.optsWithGlobals<ActionCommandFlags & O>();
    finish(Promise.all([import('../app/act.js'), spec.load()]).then(([act, m]) => act.runActionCommand(flags, spec.plan(m, flags), { action: `${group.name()} ${spec.name}`, targets: spec.targets })));
  });
}
