import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseWitness } from '../state/anchors.js';
import type { Witness } from '../state/store.js';
import { limitArg, listFormat, sinceArg } from './options.js';
import { TOP_COMMANDS } from './listing.js';

/** `--anchor`: a head copied from a report, a syslog line or verify's output (`SEQ:HASH`), or an anchor file; repeatable. */
const anchorArg = (value: string, previous: (Witness | string)[] = []): (Witness | string)[] => {
  if (/^\d+:/.test(value)) {
    const w = parseWitness(value);
    if (!w) throw new InvalidArgumentError('use SEQ:HASH with the 64 lowercase hex digits of the hash (as in a report\'s audit.head), or an anchor file');
    return [...previous, w];
  }
  if (!value.trim()) throw new InvalidArgumentError('use SEQ:HASH or an anchor file; it cannot be empty');
  return [...previous, value];
};

export function registerAudit(program: Command, finish: (code: Promise<number>) => void): void {
  const audit = program
    .command('audit')
    .description(TOP_COMMANDS.audit.description);
  const run = (name: 'auditShow' | 'auditExport') => (_opts: unknown, cmd: Command) =>
    finish(import('./state.js').then((m) => m[name](cmd.optsWithGlobals())));
  const trail = (name: 'auditVerify' | 'auditAnchor') => (_opts: unknown, cmd: Command) =>
    finish(import('./audit-trail.js').then((m) => m[name](cmd.optsWithGlobals())));

  audit
    .command('verify')
    .description('Check every record and link of the trail, and against its head, kept reports and anchors; exit 2 naming the first record edited, removed or reordered')
    .option('--anchor <SEQ:HASH|file>', 'also check against this head (from a report, a syslog line) or anchor file; repeatable', anchorArg)
    .addOption(listFormat())
    .action(trail('auditVerify'));
  audit
    .command('anchor')
    .description('Verify the trail, then write its head (every record\'s seq and hash) to the anchors in state.anchors; exit 2 without anchoring a broken trail')
    .addOption(listFormat())
    .action(trail('auditAnchor'));
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
