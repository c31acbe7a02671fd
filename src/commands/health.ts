import { Option, type Command } from 'commander';
import { addRunOptions, listFormat, windowSinceArg } from './options.js';
import type { RunFlags } from '../app/run.js';
import { TOP_COMMANDS } from './listing.js';

export function registerHealth(program: Command, finish: (code: Promise<number>) => void): void {
  const health = program
    .command('health')
    .description(TOP_COMMANDS.health.description);

  addRunOptions(
    health
      .command('daily')
      .description('The morning checklist: services running, database connections, API response times, error rates, security alerts reviewed, backup verification; then the business metrics')
      .summary('the whole morning checklist (daily_health_check.sh)'),
  ).action((_opts, cmd: Command) =>
    finish(
      Promise.all([import('../app/run.js'), import('../checks/business/index.js')]).then(([run, business]) =>
        run.runChecksCommand('health daily', cmd.optsWithGlobals<RunFlags>(), (config) => ({ title: business.BUSINESS_ITEM, checks: business.businessMetricChecks(config) })),
      ),
    ),
  );

  addRunOptions(
    health
      .command('db')
      .description('Database performance — runbook: python scripts/db_performance_check.py')
      .summary('database performance (db_performance_check.py)'),
  ).action((_opts, cmd: Command) => finish(import('../app/run.js').then((m) => m.runChecksCommand('health db', cmd.optsWithGlobals<RunFlags>()))));

  const security = health
    .command('security')
    .description('Security events review — runbook: python scripts/security_events_summary.py --last-24h. Exit 0: every high-severity event reviewed; 2: some are not; 3: a source could not be read')
    .summary('security events of the last 24 h (security_events_summary.py)')
    .addOption(new Option('--last-24h', 'the last 24 hours (the default)').conflicts('since'))
    .option('--since <when>', 'another window: a duration back from now (48h, 7d) or a date', windowSinceArg)
    .addOption(listFormat())
    .action((_opts, cmd: Command) => finish(import('../security/commands.js').then((m) => m.securitySummary(cmd.optsWithGlobals()))));

  security
    .command('ack')
    .description('Record that events were reviewed: who, when, and the note (state store and audit trail)')
    .argument('[ids...]', 'event ids from nvcops health security')
    .option('--all', 'every event of the window that is not reviewed yet')
    .requiredOption('--note <text>', 'what the review found (goes on record)')
    .option('--since <when>', 'the window the ids come from (default: the last 24 h)', windowSinceArg)
    .option('--dry-run', 'show what would be recorded; record nothing')
    .addOption(listFormat())
    .action((ids: string[], _opts, cmd: Command) => finish(import('../security/commands.js').then((m) => m.securityAck(ids, cmd.optsWithGlobals()))));
}
