import { Option, type Command } from 'commander';
import type { DbFlags, DeploysFlags, LogsFlags } from '../incident/commands.js';
import type { IncidentFlags } from '../incident/output.js';
import { METRIC_PRESETS, type MetricsFlags } from '../incident/metric-presets.js';
import { durationArg, listFormat, outputFileArg, wholeNumberArg } from './options.js';
import { TOP_COMMANDS } from './listing.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const DOC_FORMATS = ['human', 'json', 'markdown'] as const;

const withFormat = (cmd: Command): Command =>
  cmd.addOption(new Option('-f, --format <format>', 'output format').choices(DOC_FORMATS).default('human'));

const countArg = wholeNumberArg(1, 1000);

type Finish = (code: Promise<number>) => void;
const load = () => import('../incident/commands.js');

export function registerIncident(program: Command, finish: Finish): void {
  const incident = program
    .command('incident')
    .description(TOP_COMMANDS.incident.description);

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

  incident
    .command('metrics')
    .description('Investigation: infrastructure metrics — runbook: aws cloudwatch get-metric-statistics')
    .summary('CloudWatch metrics for an incident (aws cloudwatch get-metric-statistics)')
    .addOption(new Option('--preset <name>', 'a named metric from the configured AWS resources').choices(METRIC_PRESETS))
    .option('--namespace <namespace>', 'CloudWatch namespace, e.g. AWS/ApplicationELB')
    .option('--metric <name>', 'metric name, e.g. TargetResponseTime')
    .option('--dimension <Name=Value>', 'a dimension of the metric (repeatable)', collect)
    .option('--stat <stat>', 'Average, Sum, Minimum, Maximum, SampleCount or a percentile such as p95 (default: the preset\'s, else Average)')
    .option('--period <duration>', 'length of each datapoint, a multiple of 60s (default: the preset\'s, else 1m)', durationArg)
    .option('--since <duration>', 'how far back from now', durationArg, 3_600_000)
    .addOption(listFormat())
    .action((_opts, cmd: Command) => finish(import('../incident/metrics.js').then((m) => m.incidentMetrics(cmd.optsWithGlobals<MetricsFlags>()))));

  registerIncidentLifecycle(incident, finish);
}

export function registerIncidentLifecycle(incident: Command, finish: Finish): void {
  const life = () => Promise.all([import('../incident/lifecycle.js'), import('../incident/output.js')]);
  const human = (cmd: Command) => cmd.addOption(listFormat());
  const run = (fn: (m: typeof import('../incident/lifecycle.js'), ctx: import('../incident/output.js').IncidentContext, opts: Record<string, any>) => Promise<number>) =>
    (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      finish(life().then(async ([m, out]) => fn(m, await out.incidentContext(command.optsWithGlobals<IncidentFlags>()), { ...command.optsWithGlobals(), args: command.args })));
    };

  const open = human(incident.command('open')
    .description('Open an incident: records it with the checks failing now, starts the 5-minute acknowledgement and the severity\'s response timer, and notifies stakeholders for P0/P1 — runbook: Detection and Alert, Initial Response')
    .summary('open an incident (P0–P3)')
    .addOption(new Option('--severity <level>', 'P0 immediate, P1 1 h, P2 4 h, P3 24 h (runbook Severity Levels)').choices(['P0', 'P1', 'P2', 'P3']).makeOptionMandatory())
    .requiredOption('--title <text>', 'what is wrong, in a line')
    .option('--started <time>', 'when impact began, if before now: a duration ago (20m), "20 minutes ago" or a date')
    .option('--no-checks', 'do not record the failing checks (otherwise from the last hour\'s runs, or a health run now)')
    .option('--drill', 'an incident response drill (Third Monday: Security Assessment): handled like a real incident, marked DRILL wherever it is shown or sent'));
  open.action(run(async (m, ctx, o) => {
    const [{ parseSince }, { runbookTimeZone }] = await Promise.all([import('../incident/time.js'), import('../runbook/schedule.js')]);
    return m.openIncident(ctx, { severity: o.severity, title: o.title, started: o.started ? parseSince(o.started, ctx.now(), runbookTimeZone(ctx.config), '--started') : undefined, checks: o.checks, drill: o.drill === true });
  }));

  const ack = human(incident.command('ack').argument('[id]', 'incident id (default: the only open one)')
    .description('Acknowledge an incident (runbook: "Acknowledge alert within 5 minutes"); P0/P1 acknowledge the PagerDuty alert too')
    .summary('acknowledge'));
  ack.action(run((m, ctx, o) => m.ackIncident(ctx, o.args[0])));

  const note = human(incident.command('note').argument('<text...>', 'what you found or did')
    .description('Add a note to the incident timeline (the first note marks the start of the investigation)')
    .summary('add a note to the timeline')
    .option('--id <id>', 'incident id (default: the only open one)'));
  note.action(run((m, ctx, o) => m.noteIncident(ctx, o.args.join(' '), o.id)));

  const resolve = human(incident.command('resolve').argument('[id]', 'incident id (default: the only open one)')
    .description('Resolve: re-runs the checks that were failing when the incident opened and resolves only if they pass (runbook: Verify resolution, Document resolution, Update stakeholders)')
    .summary('verify and resolve')
    .requiredOption('--note <text>', 'the resolution: what fixed it')
    .option('--force', 'resolve even though checks failing at open still fail (recorded)'));
  resolve.action(run((m, ctx, o) => m.resolveIncident(ctx, o.args[0], { note: o.note, force: !!o.force })));

  const list = withFormat(incident.command('list')
    .description('Open incidents (and those resolved in the last 24 h) with their acknowledgement and response timers; overdue ones flagged')
    .summary('incidents and what is overdue')
    .option('--all', 'every incident'));
  list.action(run((m, ctx, o) => m.listCommand(ctx, !!o.all)));

  const show = withFormat(incident.command('show').argument('[id]', 'incident id (default: the only open one)')
    .description('One incident: timers, checks failing at open and at resolve, notifications, attached diagnostic reports')
    .summary('one incident'));
  show.action(run((m, ctx, o) => m.showCommand(ctx, o.args[0])));

  const timeline = withFormat(incident.command('timeline').argument('[id]', 'incident id (default: the only open one)')
    .description('The incident\'s events with every nvcops action and check run of its environment while it was open')
    .summary('timeline'));
  timeline.action(run((m, ctx, o) => m.timelineCommand(ctx, o.args[0])));

  const classify = human(incident.command('classify')
    .description('Propose a severity from every system\'s status, a health run now (with business metrics) and the run history, with the reasons in the runbook\'s categories — runbook: Initial Response, "Assess severity and impact"')
    .summary('propose a severity with reasons'));
  classify.action(run((m, ctx) => m.classifyCommand(ctx)));

  const diagnose = incident.command('diagnose')
    .description('Status, recent deploys, application log, database diagnostics and (with AWS) metrics in one markdown report, attached to the open incident — runbook: Investigation')
    .summary('everything at once, attached to the incident')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['markdown', 'json']).default('markdown'))
    .option('--id <id>', 'incident to attach to (default: the only open one)')
    .option('--since <time>', 'log window start (default: 30 minutes before impact began)')
    .option('--long <duration>', 'list queries running longer than this', durationArg, 60_000)
    .option('--output <path>', 'also write the report to this file', outputFileArg);
  diagnose.action(run(async (_m, ctx, o) => (await import('../incident/diagnose.js')).diagnose(ctx, { id: o.id, since: o.since, longRunningMs: o.long, output: o.output })));

  const postmortem = incident.command('postmortem').argument('[id]', 'incident id (default: the only open one)')
    .description('Write a post-mortem draft for a P0/P1: summary, impact, timeline from the records, detection, root cause and trigger to fill in, action items typed mitigate/prevent/process with owners, lessons — runbook: Post-Incident')
    .summary('post-mortem draft (P0/P1)')
    .option('--owner <name>', 'owner of the action items (default: who resolved it)')
    .option('--output <path>', 'write the draft to this file instead of stdout', outputFileArg)
    .option('--force', 'write one for a P2/P3 too');
  postmortem.action(run(async (_m, ctx, o) => (await import('../incident/postmortem.js')).postmortem(ctx, o.args[0], { owner: o.owner, output: o.output, force: !!o.force })));
}
