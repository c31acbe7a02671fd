import type { Command } from 'commander';
import { addRunOptions } from './options.js';
import type { RunFlags } from '../app/run.js';
import { TOP_COMMANDS } from './listing.js';

export function registerWeekly(program: Command, finish: (code: Promise<number>) => void): void {
  const weekly = program.command('weekly').description(TOP_COMMANDS.weekly.description);

  addRunOptions(
    weekly
      .command('capacity')
      .description('Monday: Capacity Planning — runbook: python scripts/capacity_analysis.py --week; aws autoscaling describe-auto-scaling-groups')
      .summary('capacity trends and the Auto Scaling review (capacity_analysis.py --week)'),
  ).action((_opts, cmd: Command) => finish(import('../app/run.js').then((m) => m.runChecksCommand('weekly capacity', cmd.optsWithGlobals<RunFlags>()))));

  addRunOptions(
    weekly
      .command('security')
      .description('Wednesday: Security Review — runbook: ./scripts/weekly_security_scan.sh; python scripts/vulnerability_check.py (with what changed since last week\'s run)')
      .summary('PostgreSQL and Redis hardening, certificates, access, pending updates; changes since last week'),
  )
    .option('--accept-settings', 'record the primary\'s settings and pg_hba.conf as the accepted baseline in the audit trail (with --by), instead of running the review')
    .action((_opts, cmd: Command) => {
      const flags = cmd.optsWithGlobals<RunFlags & { acceptSettings?: boolean }>();
      finish(flags.acceptSettings
        ? import('../app/accept-settings.js').then((m) => m.acceptSettings(flags, 'weekly security'))
        : import('../app/run.js').then((m) => m.runChecksCommand('weekly security', flags, undefined, { compareWithLastRun: true })));
    });

  addRunOptions(
    weekly
      .command('performance')
      .description('Friday: Performance Optimization — runbook: python scripts/db_optimization.py; redis-cli info stats')
      .summary('slow statements, indexes, bloat, autovacuum; Redis hit ratio, evictions, memory, slow log, largest keys'),
  ).action((_opts, cmd: Command) => finish(import('../app/run.js').then((m) => m.runChecksCommand('weekly performance', cmd.optsWithGlobals<RunFlags>()))));
}
