import type { Command } from 'commander';
import { addRunOptions, type RunFlags } from './options.js';

export function registerWeekly(program: Command, finish: (code: Promise<number>) => void): void {
  const weekly = program.command('weekly').description('Weekly Operations');

  addRunOptions(
    weekly
      .command('capacity')
      .description('Monday: Capacity Planning — runbook: python scripts/capacity_analysis.py --week; aws autoscaling describe-auto-scaling-groups')
      .summary('capacity trends and the Auto Scaling review (capacity_analysis.py --week)'),
  ).action((_opts, cmd: Command) => finish(import('./run.js').then((m) => m.runChecksCommand('weekly capacity', cmd.optsWithGlobals<RunFlags>()))));
}
