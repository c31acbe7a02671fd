import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { Config } from '../engine/config/index.js';
import { PrivilegeError, TargetError } from '../engine/errors.js';
import { parseDuration } from '../engine/units.js';
import { awsRegion, cjs, metadataRegion } from './aws-settings.js';

export type AwsConfig = NonNullable<Config['aws']>;

/** One CloudWatch metric: namespace, name and the dimension set it is published with. */
export interface MetricRef {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

/** A GetMetricData query: a metric with a statistic, or a metric-math expression over other ids. */
export type Query =
  | { id: string; metric: MetricRef; stat: string; period: number; label?: string; returnData?: boolean }
  | { id: string; expression: string; label?: string; period?: number };

export interface Point {
  t: Date;
  v: number;
}

/** A window of time, aligned so that CloudWatch's periods start on its boundaries. */
export interface Window {
  start: Date;
  end: Date;
}

export interface AutoScalingGroupView {
  name: string;
  min: number;
  max: number;
  desired: number;
  instances: { id: string; lifecycle: string; health: string }[];
}

export interface ScalingActivityView {
  id: string;
  status: string;
  cause: string;
  description: string;
  start: Date;
}

const REGION_MISSING = 'AWS region missing: set aws.region or AWS_REGION (or AWS_DEFAULT_REGION, or region in the AWS profile: aws configure set region …)';

/** Route 53 publishes health-check metrics only in us-east-1, whatever the main region is. */
export const ROUTE53_REGION = 'us-east-1';

/** The IAM action behind each operation, for AccessDenied messages and the policy in docs/aws.md. */
export const IAM_ACTION: Record<string, string> = {
  GetMetricData: 'cloudwatch:GetMetricData',
  GetMetricStatistics: 'cloudwatch:GetMetricStatistics',
  PutMetricData: 'cloudwatch:PutMetricData',
  DescribeAutoScalingGroups: 'autoscaling:DescribeAutoScalingGroups',
  DescribeScalingActivities: 'autoscaling:DescribeScalingActivities',
};

/** GetMetricStatistics' plain statistics; anything else (p95, tm99, IQM) is an extended statistic. */
export const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];

const THROTTLING = /^(Throttling|ThrottlingException|ThrottledException|RequestLimitExceeded|TooManyRequestsException|RequestThrottled(Exception)?|SlowDown)$/;

/** The SDK's own notices (its Node-version warning, credential-source warnings) are not nvcops output. */
const silentLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

type CloudWatchSdk = typeof import('@aws-sdk/client-cloudwatch');
type AutoScalingSdk = typeof import('@aws-sdk/client-auto-scaling');

const cloudWatchSdk = async (): Promise<CloudWatchSdk> => cjs(await import('@aws-sdk/client-cloudwatch'));
const autoScalingSdk = async (): Promise<AutoScalingSdk> => cjs(await import('@aws-sdk/client-auto-scaling'));

/** A window ending at the last whole period before `now`. */
export function windowEnding(now: Date, durationMs: number, periodSec: number): Window {
  const step = periodSec * 1000;
  const end = new Date(Math.floor(now.getTime() / step) * step);
  return { start: new Date(end.getTime() - durationMs), end };
}

/**
 * CloudWatch and Auto Scaling for one run. The SDK is imported on first use only, so commands
 * that never touch AWS never load it; every call is memoised, and failures become messages that
 * name what to fix (region, credentials, the IAM action, throttling).
 */
export class AwsProbe {
  private clients = new Map<string, Promise<CloudWatchClient>>();
  private autoScalingClient?: Promise<AutoScalingClient>;
  private readonly memo = new Map<string, Promise<unknown>>();
  /** AWS API calls sent during the run (for the benchmark). */
  requestCount = 0;

  constructor(
    readonly config: AwsConfig,
    private readonly environ: NodeJS.ProcessEnv = process.env,
  ) {}

  private regionMemo?: Promise<string>;

  /** The region as the AWS CLI finds it: aws.region, AWS_REGION, AWS_DEFAULT_REGION, the profile's, the instance's. */
  region(): Promise<string> {
    this.regionMemo ??= (async () => {
      const region = (await awsRegion(this.config, this.environ))?.value ?? (await metadataRegion());
      if (!region) throw new TargetError(REGION_MISSING);
      return region;
    })();
    return this.regionMemo;
  }

  private options(region: string) {
    const timeoutMs = parseDuration(this.config.timeout ?? '') ?? 5000;
    // The SDK prints its Node-version notice through process.emitWarning unless this is set.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    return {
      region,
      logger: silentLogger,
      ...(this.config.endpoint && { endpoint: this.config.endpoint }),
      ...(this.config.profile && { profile: this.config.profile }),
      requestHandler: { connectionTimeout: Math.min(timeoutMs, 3000), requestTimeout: timeoutMs },
    };
  }

  private async cloudWatch(region?: string): Promise<CloudWatchClient> {
    region ??= await this.region();
    let client = this.clients.get(region);
    if (!client) {
      client = cloudWatchSdk().then(({ CloudWatchClient }) => new CloudWatchClient(this.options(region)));
      this.clients.set(region, client);
    }
    return client;
  }

  private autoScaling(): Promise<AutoScalingClient> {
    this.autoScalingClient ??= Promise.all([autoScalingSdk(), this.region()]).then(([{ AutoScalingClient }, region]) => new AutoScalingClient(this.options(region)));
    return this.autoScalingClient;
  }

  private once<T>(key: string, work: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = work();
      this.memo.set(key, p);
    }
    return p;
  }

  private async call<T>(operation: string, service: string, send: () => Promise<T>): Promise<T> {
    this.requestCount++;
    try {
      return await send();
    } catch (e) {
      throw explain(e, operation, service, this.config.endpoint);
    }
  }

  /** GetMetricData over one window: every series by query id, oldest point first, pages followed. */
  metricData(queries: readonly Query[], window: Window, region?: string): Promise<Map<string, Point[]>> {
    return this.once(`gmd ${region} ${window.start.getTime()} ${window.end.getTime()} ${JSON.stringify(queries)}`, async () => {
      const client = await this.cloudWatch(region);
      const { GetMetricDataCommand } = await cloudWatchSdk();
      const series = new Map<string, Point[]>(queries.filter((q) => !('metric' in q) || q.returnData !== false).map((q) => [q.id, []]));
      let token: string | undefined;
      do {
        const out = await this.call('GetMetricData', 'CloudWatch', () =>
          client.send(new GetMetricDataCommand({
            StartTime: window.start,
            EndTime: window.end,
            ScanBy: 'TimestampAscending',
            MetricDataQueries: queries.map(toMetricDataQuery),
            NextToken: token,
          })),
        );
        for (const r of out.MetricDataResults ?? []) {
          const points = series.get(r.Id ?? '') ?? [];
          (r.Timestamps ?? []).forEach((t, i) => {
            const v = r.Values?.[i];
            if (typeof v === 'number' && Number.isFinite(v)) points.push({ t, v });
          });
          series.set(r.Id ?? '', points);
        }
        token = out.NextToken;
      } while (token);
      for (const points of series.values()) points.sort((a, b) => a.t.getTime() - b.t.getTime());
      return series;
    });
  }

  /** GetMetricStatistics, the call behind the runbook's `aws cloudwatch get-metric-statistics`. */
  metricStatistics(metric: MetricRef, stat: string, period: number, window: Window): Promise<{ points: Point[]; unit?: string }> {
    return this.once(`gms ${JSON.stringify([metric, stat, period, window])}`, async () => {
      const client = await this.cloudWatch();
      const { GetMetricStatisticsCommand } = await cloudWatchSdk();
      const extended = !STATISTICS.includes(stat);
      const out = await this.call('GetMetricStatistics', 'CloudWatch', () =>
        client.send(new GetMetricStatisticsCommand({
          Namespace: metric.namespace,
          MetricName: metric.name,
          Dimensions: dimensionList(metric.dimensions),
          StartTime: window.start,
          EndTime: window.end,
          Period: period,
          // One or the other, never both: CloudWatch rejects the combination.
          ...(extended ? { ExtendedStatistics: [stat] } : { Statistics: [stat as 'Average'] }),
        })),
      );
      const points = (out.Datapoints ?? [])
        .map((d) => ({ t: d.Timestamp!, v: extended ? d.ExtendedStatistics?.[stat] : (d as Record<string, unknown>)[stat] }))
        .filter((p): p is Point => p.t instanceof Date && typeof p.v === 'number')
        .sort((a, b) => a.t.getTime() - b.t.getTime());
      return { points, unit: out.Datapoints?.[0]?.Unit };
    });
  }

  /** PutMetricData in batches CloudWatch accepts everywhere (20 data per call). */
  async putMetricData(namespace: string, data: { name: string; dimensions: Record<string, string>; value: number; unit?: string; at: Date }[]): Promise<void> {
    const client = await this.cloudWatch();
    const { PutMetricDataCommand } = await cloudWatchSdk();
    for (let i = 0; i < data.length; i += 20) {
      const batch = data.slice(i, i + 20);
      await this.call('PutMetricData', 'CloudWatch', () =>
        client.send(new PutMetricDataCommand({
          Namespace: namespace,
          MetricData: batch.map((d) => ({
            MetricName: d.name,
            Dimensions: dimensionList(d.dimensions),
            Value: d.value,
            Unit: (d.unit ?? 'None') as 'None',
            Timestamp: d.at,
          })),
        })),
      );
    }
  }

  /** The configured Auto Scaling groups; a configured name AWS does not know is an error. */
  autoScalingGroups(names: readonly string[]): Promise<AutoScalingGroupView[]> {
    return this.once(`asg ${names.join(',')}`, async () => {
      const client = await this.autoScaling();
      const { DescribeAutoScalingGroupsCommand } = await autoScalingSdk();
      const groups: AutoScalingGroupView[] = [];
      let token: string | undefined;
      do {
        const out = await this.call('DescribeAutoScalingGroups', 'Auto Scaling', () =>
          client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...names], NextToken: token })),
        );
        if (!out.AutoScalingGroups) throw new TargetError('Auto Scaling: DescribeAutoScalingGroups answered without a group list');
        for (const g of out.AutoScalingGroups) {
          groups.push({
            name: g.AutoScalingGroupName ?? '?',
            min: g.MinSize ?? 0,
            max: g.MaxSize ?? 0,
            desired: g.DesiredCapacity ?? 0,
            instances: (g.Instances ?? []).map((i) => ({ id: i.InstanceId ?? '?', lifecycle: i.LifecycleState ?? '?', health: i.HealthStatus ?? '?' })),
          });
        }
        token = out.NextToken;
      } while (token);
      const missing = names.filter((n) => !groups.some((g) => g.name === n));
      if (missing.length) throw new TargetError(`Auto Scaling group not found in ${await this.region()}: ${missing.join(', ')} (check aws.autoScalingGroups)`);
      return groups;
    });
  }

  /** Scaling activities of one group that started at or after `since`, newest first (AWS's order). */
  scalingActivities(group: string, since: Date): Promise<ScalingActivityView[]> {
    return this.once(`activities ${group} ${since.getTime()}`, async () => {
      const client = await this.autoScaling();
      const { DescribeScalingActivitiesCommand } = await autoScalingSdk();
      const activities: ScalingActivityView[] = [];
      let token: string | undefined;
      do {
        const out = await this.call('DescribeScalingActivities', 'Auto Scaling', () =>
          client.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: group, MaxRecords: 100, NextToken: token })),
        );
        for (const a of out.Activities ?? []) {
          if (!a.StartTime || a.StartTime < since) return activities;
          activities.push({ id: a.ActivityId ?? '?', status: a.StatusCode ?? '?', cause: a.Cause ?? '', description: a.Description ?? '', start: a.StartTime });
        }
        token = out.NextToken;
      } while (token);
      return activities;
    });
  }

  close(): void {
    for (const c of this.clients.values()) void c.then((client) => client.destroy()).catch(() => undefined);
    void this.autoScalingClient?.then((client) => client.destroy()).catch(() => undefined);
  }
}

const dimensionList = (dims: Record<string, string>) => Object.entries(dims).map(([Name, Value]) => ({ Name, Value }));

function toMetricDataQuery(q: Query): MetricDataQuery {
  if ('metric' in q) {
    return {
      Id: q.id,
      ...(q.label && { Label: q.label }),
      ...(q.returnData === false && { ReturnData: false }),
      MetricStat: {
        Metric: { Namespace: q.metric.namespace, MetricName: q.metric.name, Dimensions: dimensionList(q.metric.dimensions) },
        Period: q.period,
        Stat: q.stat,
      },
    };
  }
  return { Id: q.id, Expression: q.expression, ...(q.label && { Label: q.label }), ...(q.period && { Period: q.period }) };
}

/** Turns SDK errors into messages an on-call engineer can act on. */
export function explain(e: unknown, operation: string, service: string, endpoint?: string): Error {
  const err = e as { name?: string; Code?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
  const name = err.Code ?? err.name ?? '';
  const message = err.message ?? String(e);
  const action = IAM_ACTION[operation] ?? operation;
  if (err.name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new TargetError(`AWS credentials not found: set aws.profile or AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, log in with SSO, or run with an instance or container role`);
  }
  if (/^Region is missing/i.test(message)) return new TargetError(REGION_MISSING);
  if (/AccessDenied|UnauthorizedOperation|NotAuthorized/i.test(name) || err.$metadata?.httpStatusCode === 403) {
    return new PrivilegeError(`AWS ${service}: access denied to ${action}; allow ${action} for these credentials (docs/aws.md: minimal IAM policy)`);
  }
  if (THROTTLING.test(name)) {
    return new TargetError(`AWS ${service}: ${operation} still throttled after ${err.$metadata?.attempts ?? 'several'} attempts with backoff (${name}); try again later`);
  }
  const where = endpoint ? ` at ${endpoint}` : '';
  if (err.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) return new TargetError(`AWS ${service}${where}: connection refused`);
  if (err.name === 'TimeoutError' || /timed? ?out|ETIMEDOUT/i.test(message)) return new TargetError(`AWS ${service}${where}: no answer in time (${operation})`);
  return new TargetError(`AWS ${service}: ${operation} failed: ${name ? `${name}: ` : ''}${message}`);
}
