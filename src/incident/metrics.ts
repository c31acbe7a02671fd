import { ConfigError, EXIT, PrivilegeError, refusedNvcops, TargetError, UsageError } from '../engine/errors.js';
import type { Config } from '../engine/config/index.js';
import { missingTarget } from '../engine/targets.js';
import { STATISTICS, windowEnding, type AwsConfig, type AwsProbe, type MetricRef, type Point } from '../probes/aws.js';
import { albErrors, albMetric, cacheMetric, describeMetric, rdsInstances, rdsMetric, targetGroupMetric } from '../probes/aws-metrics.js';
import { writeDocument } from '../report/document.js';
import { write } from '../report/output.js';
import { incidentContext } from './output.js';

import type { MetricPreset, MetricsFlags } from './metric-presets.js';
import { OUTPUT_SCHEMA_VERSION } from '../engine/output-version.js';
import type { OutputOf } from '../report/schemas.js';

interface Preset {
  stat: string;
  periodSec: number;
  /** The metric, or why the config cannot name it. */
  metric?(aws: AwsConfig): MetricRef | string;
}


/** What each preset reads; the error-rate preset is metric math and has no single metric. */
const PRESETS: Record<MetricPreset, Preset> = {
  'api-latency': { stat: 'p95', periodSec: 60, metric: (a) => (a.loadBalancer ? albMetric('TargetResponseTime', a) : 'set aws.loadBalancer') },
  'error-rate': { stat: 'Sum', periodSec: 60 },
  requests: { stat: 'Sum', periodSec: 60, metric: (a) => (a.loadBalancer ? albMetric('RequestCount', a) : 'set aws.loadBalancer') },
  'healthy-hosts': { stat: 'Minimum', periodSec: 60, metric: (a) => (a.loadBalancer && a.targetGroup ? targetGroupMetric('HealthyHostCount', a) : 'set aws.loadBalancer and aws.targetGroup') },
  'db-connections': { stat: 'Maximum', periodSec: 60, metric: (a) => rds(a, 'DatabaseConnections') },
  'db-cpu': { stat: 'Average', periodSec: 60, metric: (a) => rds(a, 'CPUUtilization') },
  'db-free-storage': { stat: 'Minimum', periodSec: 300, metric: (a) => rds(a, 'FreeStorageSpace') },
  'replica-lag': {
    stat: 'Maximum', periodSec: 60,
    metric: (a) => {
      const replica = rdsInstances(a).find((i) => i.replica);
      return replica ? rdsMetric('ReplicaLag', replica.id) : 'mark a replica in aws.rds.instances with replica: true';
    },
  },
  'redis-memory': { stat: 'Maximum', periodSec: 60, metric: (a) => cache(a, 'DatabaseMemoryUsagePercentage') },
  'redis-cpu': { stat: 'Average', periodSec: 60, metric: (a) => cache(a, 'EngineCPUUtilization') },
};

/** The first configured RDS instance (override with --dimension DBInstanceIdentifier=...). */
function rds(a: AwsConfig, name: string): MetricRef | string {
  const instance = rdsInstances(a)[0];
  return instance ? rdsMetric(name, instance.id) : 'list the instances in aws.rds.instances';
}

/** The first configured ElastiCache cluster (override with --dimension CacheClusterId=...). */
function cache(a: AwsConfig, name: string): MetricRef | string {
  const id = a.elasticache?.clusters[0];
  return id ? cacheMetric(name, id) : 'list the clusters in aws.elasticache.clusters';
}

const STAT = /^(SampleCount|Average|Sum|Minimum|Maximum|p\d{1,2}(\.\d{1,2})?)$/;
/** GetMetricStatistics returns at most 1,440 datapoints per call. */
const MAX_POINTS = 1440;

function dimensions(flags: string[] = []): Record<string, string> {
  return Object.fromEntries(flags.map((d) => {
    const m = /^([^=]+)=(.+)$/.exec(d);
    if (!m) throw new UsageError(`--dimension: "${d}" is not Name=Value (e.g. LoadBalancer=app/bank-api/50dc6c495c0c9188)`);
    return [m[1]!, m[2]!];
  }));
}

/** Works out what to ask CloudWatch from the preset and the flags; every mistake is one line, exit 64 or 78. */
function resolveRequest(flags: MetricsFlags, config: Config): { metric?: MetricRef; stat: string; periodSec: number } {
  const preset = flags.preset ? PRESETS[flags.preset] : undefined;
  const stat = flags.stat ?? preset?.stat ?? 'Average';
  if (!STAT.test(stat)) throw new UsageError(`--stat: "${stat}" is not supported; use ${STATISTICS.join(', ')} or a percentile such as p95 or p99.9`);
  const periodSec = flags.period !== undefined ? flags.period / 1000 : (preset?.periodSec ?? 60);
  if (!Number.isInteger(periodSec) || periodSec < 60 || periodSec % 60 !== 0) throw new UsageError('--period: use a multiple of 60s (1m, 5m, 1h)');
  if (flags.since / 1000 / periodSec > MAX_POINTS) throw new UsageError(`--since/--period: ${Math.ceil(flags.since / 1000 / periodSec)} datapoints asked, CloudWatch returns at most ${MAX_POINTS}; shorten --since or lengthen --period`);
  const extra = dimensions(flags.dimension);
  if (flags.preset === 'error-rate') return { stat, periodSec };
  let metric: MetricRef;
  if (preset?.metric) {
    const m = preset.metric(config.aws!);
    if (typeof m === 'string') throw new ConfigError(`--preset ${flags.preset}: ${m}`);
    metric = { namespace: flags.namespace ?? m.namespace, name: flags.metric ?? m.name, dimensions: { ...m.dimensions, ...extra } };
  } else {
    if (!flags.namespace || !flags.metric) throw new UsageError('incident metrics: give --preset NAME, or --namespace and --metric (with --dimension Name=Value as the metric needs)');
    metric = { namespace: flags.namespace, name: flags.metric, dimensions: extra };
  }
  return { metric, stat, periodSec };
}

const BARS = '▁▂▃▄▅▆▇█';

/** A terminal sparkline of the series, lowest to highest. */
export function sparkline(values: number[]): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return values.map((v) => BARS[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1))]).join('');
}

const num = (v: number) => (Number.isInteger(v) ? String(v) : Number(v.toPrecision(6)).toString());

async function fetchSeries(aws: AwsProbe, config: Config, request: ReturnType<typeof resolveRequest>, since: number): Promise<{ what: string; unit?: string; points: Point[] }> {
  if (!request.metric) {
    const s = await albErrors(aws, config.aws!, new Date(), since, request.periodSec);
    return { what: `AWS/ApplicationELB 100 × (HTTPCode_Target_5XX_Count + HTTPCode_ELB_5XX_Count) / RequestCount LoadBalancer=${config.aws!.loadBalancer}`, unit: 'Percent', points: s.rate };
  }
  const got = await aws.metricStatistics(request.metric, request.stat, request.periodSec, windowEnding(new Date(), since, request.periodSec));
  return { what: describeMetric(request.metric), unit: got.unit, points: got.points };
}

/** `nvcops incident metrics`: one CloudWatch series as a table with a sparkline, or JSON. */
export async function incidentMetrics(flags: MetricsFlags): Promise<number> {
  const { config, redactor } = await incidentContext(flags);
  const notConfigured = missingTarget('aws', config);
  if (notConfigured) throw new ConfigError(`incident metrics: ${notConfigured}`);
  if (flags.preset === 'error-rate' && !config.aws!.loadBalancer) throw new ConfigError('--preset error-rate: set aws.loadBalancer');
  const request = resolveRequest(flags, config);
  const { AwsProbe } = await import('../probes/aws.js');
  const aws = new AwsProbe(config.aws!);
  let series: Awaited<ReturnType<typeof fetchSeries>>;
  try {
    series = await fetchSeries(aws, config, request, flags.since);
  } catch (e) {
    if (e instanceof TargetError || e instanceof PrivilegeError) {
      write(`nvcops: incident metrics: ${e.message}\n`, redactor, process.stderr);
      return EXIT.error;
    }
    throw e;
  } finally {
    aws.close();
  }
  const values = series.points.map((p) => p.v);
  const summary = values.length
    ? { min: Math.min(...values), max: Math.max(...values), average: values.reduce((a, b) => a + b, 0) / values.length, last: values.at(-1)! }
    : null;
  const heading = `${series.what} · ${request.stat} · ${request.periodSec / 60}-min periods · last ${Math.round(flags.since / 60_000)} min`;
  const unit = `${request.stat}${series.unit && series.unit !== 'None' ? ` (${series.unit})` : ''}`;
  await writeDocument({
    blocks: summary
      ? [
          { kind: 'paragraph', lines: [heading] },
          { kind: 'table', columns: ['time (UTC)', unit], rows: series.points.map((p) => [p.t.toISOString().slice(0, 16).replace('T', ' '), num(p.v)]), boxed: true },
          { kind: 'paragraph', lines: [sparkline(values), `min ${num(summary.min)} · max ${num(summary.max)} · average ${num(summary.average)} · last ${num(summary.last)}`] },
        ]
      : [{ kind: 'paragraph', lines: [heading, 'no data: CloudWatch returned no datapoints'] }],
    json: {
      schemaVersion: OUTPUT_SCHEMA_VERSION,
      metric: request.metric ?? null,
      description: series.what,
      stat: request.stat,
      periodSeconds: request.periodSec,
      unit: series.unit ?? null,
      datapoints: series.points.map((p) => ({ timestamp: p.t.toISOString(), value: p.v })),
      summary,
    } satisfies OutputOf<'incident-metrics'>,
  }, flags.format, redactor);
  return summary ? EXIT.ok : EXIT.error;
}

export interface PresetSummary {
  preset: MetricPreset;
  what: string;
  stat: string;
  unit: string | null;
  points: number;
  last: number | null;
  min: number | null;
  max: number | null;
  spark: string;
  /** Why it could not be read (AccessDenied, throttled, unreachable). */
  error?: string;
  /** AWS answered and refused these credentials (AccessDenied): the metric was not seen, nothing is known to be down. */
  refused?: true;
}

/**
 * The presets the configuration can name, each read over the last `sinceMs` (for `incident status`
 * and `incident diagnose`); presets the config cannot name are left out, failures are kept with the reason.
 */
export async function presetSummaries(config: Config, presets: readonly MetricPreset[], sinceMs: number): Promise<PresetSummary[]> {
  if (missingTarget('aws', config)) return [];
  const requests = presets.flatMap((preset) => {
    if (preset === 'error-rate' && !config.aws!.loadBalancer) return [];
    try {
      return [{ preset, request: resolveRequest({ preset, since: sinceMs, format: 'json', color: false }, config) }];
    } catch {
      return [];
    }
  });
  if (!requests.length) return [];
  const { AwsProbe } = await import('../probes/aws.js');
  const aws = new AwsProbe(config.aws!);
  try {
    return await Promise.all(requests.map(async ({ preset, request }): Promise<PresetSummary> => {
      try {
        const s = await fetchSeries(aws, config, request, sinceMs);
        const values = s.points.map((p) => p.v);
        return {
          preset, what: s.what, stat: request.stat, unit: s.unit ?? null, points: values.length, last: values.at(-1) ?? null,
          min: values.length ? Math.min(...values) : null, max: values.length ? Math.max(...values) : null, spark: values.length ? sparkline(values) : '',
        };
      } catch (e) {
        return {
          preset, what: request.metric ? describeMetric(request.metric) : preset, stat: request.stat, unit: null, points: 0, last: null, min: null, max: null, spark: '',
          error: (e as Error).message, ...(refusedNvcops(e) && { refused: true as const }),
        };
      }
    }));
  } finally {
    aws.close();
  }
}
