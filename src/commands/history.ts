import { Option, type Command } from 'commander';
import { FORMATS } from '../report/formats.js';
import { UsageError } from '../engine/errors.js';
import { actionCommand, durationArg, limitArg, outputFileArg, sinceArg, wholeNumberArg } from './options.js';
import { TOP_COMMANDS } from './listing.js';

const LIST_FORMATS: readonly string[] = ['human', 'json'];
/** history report writes one format: the page (its default, whatever history's own --format default is). */
const REPORT_FORMATS: readonly string[] = ['html'];

export function registerHistory(program: Command, finish: (code: Promise<number>) => void): void {
  const history = program
    .command('history')
    .description(TOP_COMMANDS.history.description)
    .option('--command <command>', 'only runs of this command (`health db`)')
    .option('--check <id>', 'only runs that include this check, showing its status and observed value')
    .option('--since <when>', 'runs started since: a duration back from now (7d, 24h) or a date', sinceArg)
    .option('--limit <n>', 'only the newest N', limitArg)
    // Commander gives `history`'s own options what follows a subcommand too: its --format takes every format
    // (history show renders a run in any of them), and the list and prune allow their two.
    .addOption(new Option('-f, --format <format>', 'output format: human or json; history show: any of the check formats').choices(FORMATS).default('human'))
    .hook('preAction', (cmd, action) => {
      const { format } = cmd.opts<{ format: string }>();
      const report = action.name() === 'report';
      const allowed = report ? REPORT_FORMATS : LIST_FORMATS;
      if (action.name() !== 'show' && !(report && cmd.getOptionValueSource('format') === 'default') && !allowed.includes(format)) {
        cmd.error(`error: option '-f, --format <format>' argument '${format}' is invalid. Allowed choices are ${allowed.join(', ')}.`, { code: 'commander.invalidArgument' });
      }
    })
    .action((_opts, cmd: Command) => finish(import('./state.js').then((m) => m.historyList(cmd.optsWithGlobals()))));

  history
    .command('show <run>')
    .description('One kept check run, rendered again in any format (its id, or the start of it, from `nvcops history --format json`)')
    .option('--only-problems', 'human format: leave out the checks that passed')
    .action((run: string, _opts, cmd: Command) => finish(import('./state.js').then((m) => m.historyShow(run, cmd.optsWithGlobals()))));

  history
    .command('report')
    .description('The run history as one self-contained HTML page (--format html): each command\'s newest run in the runbook\'s order, a chart per measured check over the last --days with its warn and fail levels, and the DR drills\' RTO and RPO')
    .option('--days <n>', 'how many days back the charts reach (90 for a quarter; up to 400)', wholeNumberArg(1, 400), 30)
    // Its own --format, so that help and shell completion offer the one format it writes.
    .addOption(new Option('-f, --format <format>', 'output format: html (the page)').choices(REPORT_FORMATS).default('html'))
    .option('--output <path>', 'write the page to this file instead of stdout', outputFileArg)
    // The list's --check, --since and --limit would look as if they narrowed the page; --command does (one command's runs).
    .hook('preAction', () => {
      const given = ['check', 'since', 'limit'].filter((key) => history.getOptionValueSource(key) === 'cli');
      if (given.length) throw new UsageError(`history report: --${given[0]} filters the list, not the report; the report covers --days back, narrowed by --command`);
    })
    .action((_opts, cmd: Command) => finish(import('./state.js').then((m) => m.historyReport(cmd.optsWithGlobals()))));

  actionCommand<typeof import('./state.js'), { olderThan: number }>(history, finish, {
    name: 'prune',
    targets: [],
    description: 'Remove check runs older than a duration (the audit trail is never pruned)',
    options: (cmd) => cmd
      .requiredOption('--older-than <duration>', 'remove runs that started longer ago than this, e.g. 400d', durationArg)
      // The list's filters are history's own options, so commander takes them after `prune` too: there they
      // would look as if they narrowed what is removed, while prune removes by age alone.
      .hook('preAction', () => {
        const given = ['command', 'check', 'since', 'limit'].filter((key) => history.getOptionValueSource(key) === 'cli');
        if (given.length) throw new UsageError(`history prune: --${given[0]} filters the list, not the prune; prune removes every run of the environment older than --older-than`);
      }),
    load: () => import('./state.js'),
    plan: (m, flags) => (ctx) => m.planHistoryPrune(ctx, flags.olderThan),
  });
}
