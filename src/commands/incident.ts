import { Option, type Command } from 'commander';
import type { IncidentFlags } from '../incident/output.js';

const DOC_FORMATS = ['human', 'json', 'markdown'] as const;

const withFormat = (cmd: Command): Command =>
  cmd.addOption(new Option('-f, --format <format>', 'output format').choices(DOC_FORMATS).default('human'));

type Finish = (code: Promise<number>) => void;

export function registerIncident(program: Command, finish: Finish): void {
  const incident = program
    .command('incident')
    .description('Incident Response: investigation, severity and response timers, timeline, post-mortem');

  withFormat(
    incident
      .command('status')
      .description('Every service, PostgreSQL server and Redis up or down with latency, worst first, then the dashboards — runbook: ./scripts/system_status.sh')
      .summary('system status (system_status.sh)'),
  ).action((_o, cmd: Command) => finish(import('../incident/commands.js').then((m) => m.status(cmd.optsWithGlobals<IncidentFlags>()))));
}
