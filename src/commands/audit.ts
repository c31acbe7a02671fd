import { Option, type Command } from 'commander';
import { limitArg, listFormat, sinceArg } from './options.js';

export function registerAudit(program: Command, finish: (code: Promise<number>) => void): void {
  const audit = program
    .command('audit')
    .description('The audit trail: who did what, where and with what outcome; hash-chained so changes are found');
  const run = (name: 'auditVerify' | 'auditShow' | 'auditExport') => (_opts: unknown, cmd: Command) =>
    finish(import('./state.js').then((m) => m[name](cmd.optsWithGlobals())));

  audit
    .command('verify')
    .description('Check every record and link of the trail; exit 2 naming the first record edited, removed or reordered')
    .addOption(listFormat())
    .action(run('auditVerify'));
  audit
    .command('show')
    .description('List audit records, oldest first')
    .option('--since <when>', 'records written since: a duration back from now (7d, 24h) or a date', sinceArg)
    .option('--action <action>', 'only this action (`maintain vacuum`), or a group with a trailing space (`"maintain "`)')
    .option('--limit <n>', 'only the newest N', limitArg)
    .addOption(listFormat())
    .action(run('auditShow'));
  audit
    .command('export')
    .description('Every record as chained, one JSON object a line, for write-once storage')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['jsonl']).default('jsonl'))
    .option('--since <when>', 'records written since: a duration back from now (7d, 24h) or a date', sinceArg)
    .action(run('auditExport'));
}
