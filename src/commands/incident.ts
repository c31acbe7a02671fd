import { Option, type Command } from 'commander';
import { durationArg } from './options.js';
import type { GlobalOptions } from './options.js';

/** The presets `incident metrics --preset` knows; src/commands/incident-metrics.ts defines each. */
export const METRIC_PRESETS = ['api-latency', 'error-rate', 'requests', 'healthy-hosts', 'db-connections', 'db-cpu', 'db-free-storage', 'replica-lag', 'redis-memory', 'redis-cpu'] as const;
export type MetricPreset = (typeof METRIC_PRESETS)[number];

export interface MetricsFlags extends GlobalOptions {
  preset?: MetricPreset;
  namespace?: string;
  metric?: string;
  dimension?: string[];
  stat?: string;
  period?: number;
  since: number;
  format: 'human' | 'json';
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerIncident(program: Command, finish: (code: Promise<number>) => void): void {
  const incident = program.command('incident').description('Incident Response');

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
    .addOption(new Option('-f, --format <format>', 'output format').choices(['human', 'json']).default('human'))
    .action((_opts, cmd: Command) => finish(import('./incident-metrics.js').then((m) => m.incidentMetrics(cmd.optsWithGlobals<MetricsFlags>()))));
}
