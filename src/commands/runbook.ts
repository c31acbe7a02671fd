import { Argument, InvalidArgumentError, Option, type Command } from 'commander';
import { isDate, isLocalTime } from '../engine/zoned.js';
import { TIMER_FORMATS } from '../runbook/schedule.js';
import { SECTION_IDS } from '../runbook/sections.js';
import { listFormat } from './options.js';
import { TOP_COMMANDS } from './listing.js';

/** The days --date takes: the calendar looks weeks past the day, and the year 10000 has no YYYY-MM-DD. */
const FIRST_DAY = '1970-01-01';
const LAST_DAY = '9998-12-31';

/** `--date YYYY-MM-DD`: a day of the runbook's calendar, in its time zone. */
const dateArg = (value: string): string => {
  if (!isDate(value)) throw new InvalidArgumentError('use a day written YYYY-MM-DD, such as 2026-11-30');
  if (value < FIRST_DAY || value > LAST_DAY) throw new InvalidArgumentError(`use a day from ${FIRST_DAY} to ${LAST_DAY}`);
  return value;
};

/** `--at HH:MM`: a wall-clock time in the runbook's time zone. */
const timeArg = (value: string): string => {
  if (!isLocalTime(value)) throw new InvalidArgumentError('use a time written HH:MM (24-hour), such as 08:00');
  return value;
};

export function registerRunbook(program: Command, finish: (code: Promise<number>) => void): void {
  const runbook = program.command('runbook').description(TOP_COMMANDS.runbook.description);
  const view = (name: 'runbookShow' | 'runbookSeverity' | 'runbookOncall') => (...args: unknown[]) => {
    const cmd = args.at(-1) as Command;
    finish(import('./runbook-view.js').then((m) => m[name](cmd.optsWithGlobals(), cmd.processedArgs[0] as never)));
  };

  runbook
    .command('today')
    .description('What the runbook has due on a day in its time zone (schedule.timezone), the command for each, and whether it ran (run history, audit trail). Exit 0; with --fail-on-overdue, 2 when something is overdue')
    .summary('what is due today, and whether it ran')
    .option('--date <YYYY-MM-DD>', 'another day (default: today in the runbook\'s time zone)', dateArg)
    .option('--fail-on-overdue', 'exit 2 when something due is past its time and has not run (for CI and cron)')
    .addOption(listFormat())
    .action((_o, cmd: Command) => finish(import('./runbook-today.js').then((m) => m.runbookToday(cmd.optsWithGlobals()))));
  runbook
    .command('schedule')
    .description('The runbook\'s calendar as what to install so that each entry runs at its time in the runbook\'s time zone: crontab lines, systemd timers or Kubernetes CronJobs. Read-only commands only, unless --include-actions')
    .summary('the runbook\'s calendar as crontab, systemd timers or CronJobs')
    .addOption(new Option('-f, --format <format>', 'what to print').choices(TIMER_FORMATS).default('crontab'))
    .option('--at <HH:MM>', 'when the entries run whose time the runbook does not state (all but the Morning Health Check\'s 8:00)', timeArg, '08:00')
    .option('--include-actions', 'also schedule the actions (monthly dr-test, maintain db --vacuum --analyze), which then run with --yes')
    .option('--bin <path>', 'how the timers call nvcops', 'nvcops')
    .option('--image <image>', 'the container image that runs nvcops (with --format kubernetes)')
    .action((_o, cmd: Command) => finish(import('./runbook-schedule.js').then((m) => m.runbookSchedule(cmd.optsWithGlobals()))));
  runbook
    .command('show')
    .description('The runbook\'s sections as nvcops carries them out: each heading, its cadence, commands and checklist lines')
    .addArgument(new Argument('[section]', 'one section (default: all)').choices(SECTION_IDS))
    .addOption(listFormat())
    .action(view('runbookShow'));
  runbook
    .command('severity')
    .description('Incident Response › Severity Levels: P0–P3, their response targets and examples')
    .addOption(listFormat())
    .action(view('runbookSeverity'));
  runbook
    .command('oncall')
    .description('Contact Information › On-Call Rotation: who is Primary, Secondary and Escalation now (or on --date), from oncall in the configuration')
    .option('--date <YYYY-MM-DD>', 'who is on call that day (a handover day shows both turns)', dateArg)
    .addOption(listFormat())
    .action(view('runbookOncall'));
}
