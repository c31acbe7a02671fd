import { ROUTE53_REGION, windowEnding, type AwsConfig, type AwsProbe, type MetricRef, type Point } from './aws.js';

/** One RDS instance as configured; the optional facts CloudWatch does not publish. */
export interface RdsInstance {
  id: string;
  maxConnections?: number;
  /** GiB, as RDS reports AllocatedStorage. */
  allocatedStorage?: number;
  replica: boolean;
}

export const rdsInstances = (aws: AwsConfig): RdsInstance[] =>
  (aws.rds?.instances ?? []).map((i) => (typeof i === 'string' ? { id: i, replica: false } : { ...i, replica: i.replica ?? false }));

export const rdsMetric = (name: string, id: string): MetricRef => ({ namespace: 'AWS/RDS', name, dimensions: { DBInstanceIdentifier: id } });

export const cacheMetric = (name: string, id: string): MetricRef => ({ namespace: 'AWS/ElastiCache', name, dimensions: { CacheClusterId: id } });

/** ALB metrics by load balancer (TargetResponseTime, 5XX and request counts exist at this level). */
export const albMetric = (name: string, aws: AwsConfig): MetricRef => ({
  namespace: 'AWS/ApplicationELB', name, dimensions: { LoadBalancer: aws.loadBalancer! },
});

/** HealthyHostCount exists only per target group (with its load balancer), never per load balancer alone. */
export const targetGroupMetric = (name: string, aws: AwsConfig): MetricRef => ({
  namespace: 'AWS/ApplicationELB', name, dimensions: { TargetGroup: aws.targetGroup!, LoadBalancer: aws.loadBalancer! },
});

export const route53Metric = (name: string, aws: AwsConfig): MetricRef => ({
  namespace: 'AWS/Route53', name, dimensions: { HealthCheckId: aws.route53HealthCheckId! },
});

export const autoScalingMetric = (namespace: 'AWS/EC2' | 'AWS/AutoScaling', name: string, group: string): MetricRef => ({
  namespace, name, dimensions: { AutoScalingGroupName: group },
});

/** "AWS/RDS CPUUtilization DBInstanceIdentifier=bank-db" for messages. */
export const describeMetric = (m: MetricRef): string =>
  `${m.namespace} ${m.name} ${Object.entries(m.dimensions).map(([k, v]) => `${k}=${v}`).join(' ')}`;

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;


/** The runbook's availability target: "All services running (target: 99.9% uptime)". */
export const SLO_PERCENT = 99.9;
/** The error budget of a 99.9% SLO as a ratio of requests (or of time): 0.1%. */
export const BUDGET_RATIO = 0.001;
/** 30 days at 99.9% leave 43.2 minutes of budget (SRE workbook). */
export const BUDGET_MINUTES_30D = 30 * 24 * 60 * BUDGET_RATIO;
/** Below this many requests one error alone breaches 0.1%: too few to judge (1 / 0.001). */
export const MIN_REQUESTS = Math.round(1 / BUDGET_RATIO);
/** Too little of the window reported to vouch for uptime or any other metric over a window. */
const MIN_COVERAGE = 0.9;

export interface Uptime {
  percent: number;
  /** What the figure was computed from, for the message. */
  source: string;
  coverage: number;
  downPeriods: number;
  periodSec: number;
}

/**
 * Uptime over a window: Route 53's HealthCheckStatus (1 healthy, 0 not; us-east-1 only) averaged
 * per period, or without a health check the target group's minutes with at least one healthy host.
 * CloudWatch keeps 1-minute data for 15 days, so longer windows use 5-minute periods.
 */
export async function uptime(aws: AwsProbe, config: AwsConfig, now: Date, windowMs: number): Promise<Uptime | { noData: string }> {
  const periodSec = windowMs > 15 * DAY ? 300 : 60;
  const window = windowEnding(now, windowMs, periodSec);
  const expected = windowMs / 1000 / periodSec;
  if (config.route53HealthCheckId) {
    const metric = route53Metric('HealthCheckStatus', config);
    const series = await aws.metricData([{ id: 'status', metric, stat: 'Average', period: periodSec }], window, ROUTE53_REGION);
    const points = series.get('status') ?? [];
    if (!points.length) return { noData: `CloudWatch (${ROUTE53_REGION}) returned no datapoints for ${describeMetric(metric)}` };
    const mean = points.reduce((a, p) => a + p.v, 0) / points.length;
    return { percent: 100 * mean, source: `Route 53 health check ${config.route53HealthCheckId}`, coverage: points.length / expected, downPeriods: points.filter((p) => p.v < 1).length, periodSec };
  }
  const metric = targetGroupMetric('HealthyHostCount', config);
  const series = await aws.metricData([{ id: 'healthy', metric, stat: 'Minimum', period: periodSec }], window);
  const points = series.get('healthy') ?? [];
  if (!points.length) return { noData: `CloudWatch returned no datapoints for ${describeMetric(metric)}` };
  const down = points.filter((p) => p.v < 1).length;
  return { percent: (100 * (points.length - down)) / points.length, source: `target group ${config.targetGroup}: periods with a healthy host`, coverage: points.length / expected, downPeriods: down, periodSec };
}

export const enoughCoverage = (u: { coverage: number }): boolean => u.coverage >= MIN_COVERAGE;

export interface ErrorSeries {
  requests: Point[];
  /** Target and load-balancer 5XX per period, 0 where neither was reported. */
  errors: Map<number, number>;
  /** 100 × errors / requests by CloudWatch metric math. */
  rate: Point[];
}

/**
 * The ALB's request and 5XX counts per period. 5XX metrics are only published when nonzero, so
 * metric math fills their gaps with 0; periods without requests drop out of the rate.
 */
export async function albErrors(aws: AwsProbe, config: AwsConfig, now: Date, windowMs: number, periodSec: number, alignSec = periodSec): Promise<ErrorSeries> {
  const sum = (id: string, name: string) => ({ id, metric: albMetric(name, config), stat: 'Sum', period: periodSec, returnData: id === 'requests' });
  const series = await aws.metricData(
    [
      sum('requests', 'RequestCount'),
      sum('target5xx', 'HTTPCode_Target_5XX_Count'),
      sum('elb5xx', 'HTTPCode_ELB_5XX_Count'),
      { id: 'errors', expression: 'FILL(target5xx, 0) + FILL(elb5xx, 0)', label: '5XX count' },
      { id: 'error_rate', expression: '100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests', label: '5XX % of requests' },
    ],
    windowEnding(now, windowMs, alignSec),
  );
  return {
    requests: series.get('requests') ?? [],
    errors: new Map((series.get('errors') ?? []).map((p) => [p.t.getTime(), p.v])),
    rate: series.get('error_rate') ?? [],
  };
}

export const totals = (s: ErrorSeries, since = 0): { requests: number; errors: number } =>
  s.requests.filter((p) => p.t.getTime() >= since).reduce(
    (acc, p) => ({ requests: acc.requests + p.v, errors: acc.errors + (s.errors.get(p.t.getTime()) ?? 0) }),
    { requests: 0, errors: 0 },
  );

export const tooFewRequests = (requests: number, span: string): string =>
  `only ${requests} requests in ${span}: too few to judge an error rate against ${BUDGET_RATIO * 100}% (needs ${MIN_REQUESTS} or more)`;
