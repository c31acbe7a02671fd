import { InvalidArgumentError, Option, type Command } from 'commander';
import type { DbFlags, DeploysFlags, LogsFlags } from '../incident/commands.js';
import type { IncidentFlags } from '../incident/output.js';
import { durationArg } from './options.js';

const DOC_FORMATS = ['human', 'json', 'markdown'] as const;

const withFormat = (cmd: Command): Command =>
  cmd.addOption(new Option('-f, --format <format>', 'output format').choices(DOC_FORMATS).default('human'));

const countArg = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('use a whole number from 1 to 1000');
  return n;
};

type Finish = (code: Promise<number>) => void;
const load = () => import('../incident/commands.js');

export function registerIncident(program: Command, finish: Finish): void {
  const incident = program
    .command('incident')
    .description('Incident Response: investigation, severity and response timers, timeline, post-mortem');

  withFormat(
    incident
      .command('status')
      .description('Every service, PostgreSQL server and Redis up or down with latency, worst first, then the dashboards — runbook: ./scripts/system_status.sh')
      .summary('system status (system_status.sh)'),
  ).action((_o, cmd: Command) => finish(load().then((m) => m.status(cmd.optsWithGlobals<IncidentFlags>()))));

  withFormat(
    incident
      .command('deploys')
      .description('Commits, merges and deploy tags of deploys.repositories[], newest first, flagged when inside an open incident\'s window — runbook: git log --oneline --since="1 hour ago"')
      .summary('recent deployments (git log --since)')
      .option('--since <time>', 'a duration (30m), "1 hour ago", yesterday or a date', '1 hour ago'),
  ).action((_o, cmd: Command) => finish(load().then((m) => m.deploys(cmd.optsWithGlobals<DeploysFlags>()))));

  withFormat(
    incident
      .command('logs')
      .description('Errors and warnings of the application log grouped by fingerprint with counts, first and last seen and a sample; --follow keeps printing across rotation — runbook: tail -f /var/log/nvcfund/application.log')
      .summary('application log (tail -f application.log)')
      .option('--since <time>', 'window start: a duration (30m), "2 hours ago" or a date; reads rotated files that reach into it', '30m')
      .option('--follow', 'then keep printing new matching lines, across rotation, until Ctrl-C')
      .option('--grep <regex>', 'only lines matching this regular expression (case-insensitive)')
      .addOption(new Option('--level <level>', 'least severe level shown').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('warn'))
      .option('--top <n>', 'groups shown', countArg, 20)
      .option('--file <path>', 'read this log instead of logs.application'),
  ).action((_o, cmd: Command) => finish(load().then((m) => m.logs(cmd.optsWithGlobals<LogsFlags>()))));

  withFormat(
    incident
      .command('db')
      .description('Blocking tree, long-running queries, lock waits by relation, connections, replication, deadlocks, temp files, checkpoint pressure, top statements — runbook: python scripts/db_diagnostics.py')
      .summary('database diagnostics (db_diagnostics.py)')
      .option('--long <duration>', 'list queries running longer than this', durationArg, 60_000),
  ).action((_o, cmd: Command) => finish(load().then((m) => m.db(cmd.optsWithGlobals<DbFlags>()))));
}
