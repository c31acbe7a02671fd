import type { Command } from 'commander';
import { addRunOptions, type RunFlags } from './options.js';

export function registerHealth(program: Command, finish: (code: Promise<number>) => void): void {
  const health = program
    .command('health')
    .description('Daily Operations › Morning Health Check (8:00 AM EST)');

  addRunOptions(
    health
      .command('db')
      .description('Database performance — runbook: python scripts/db_performance_check.py')
      .summary('database performance (db_performance_check.py)'),
  ).action((_opts, cmd: Command) => finish(import('./run.js').then((m) => m.runChecksCommand('health db', cmd.optsWithGlobals<RunFlags>()))));

  addRunOptions(
    health
      .command('daily')
      .description('The morning checklist — runbook: Morning Health Check (8:00 AM EST)')
      .summary('the morning checklist'),
  ).action((_opts, cmd: Command) => finish(import('./run.js').then((m) => m.runChecksCommand('health daily', cmd.optsWithGlobals<RunFlags>()))));
}
