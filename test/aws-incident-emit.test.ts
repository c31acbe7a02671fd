import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAwsEndpoint, type AwsEndpoint } from './support/aws-endpoint.js';
import { nvcops, writeConfig } from './support/cli.js';

const LB = 'app/bank-api/50dc6c495c0c9188';
const ALB = 'AWS/ApplicationELB';
const config = { environment: 'production', aws: { loadBalancer: LB, rds: { instances: [{ id: 'bank-db', maxConnections: 500, allocatedStorage: 200 }] } } };

describe('incident metrics and --emit cloudwatch through the real SDK', () => {
  let aws: AwsEndpoint;
  let path: string;
  beforeAll(async () => {
    aws = await startAwsEndpoint();
    path = writeConfig(config);
  });
  afterAll(async () => {
    await aws?.stop();
  });
  beforeEach(() => aws.reset());

  const cli = (args: string[], cfg = path) => nvcops([...args, '--config', cfg], { env: aws.env() });

  it('incident metrics --preset api-latency asks GetMetricStatistics for p95 as an extended statistic, and prints a table and a sparkline', async () => {
    aws.metric(ALB, 'TargetResponseTime', { LoadBalancer: LB }, (m) => Array.from({ length: 20 }, (_, i) => 0.05 + ((m / 60) % 10) * 0.01 + i * 0.001));
    const r = await cli(['incident', 'metrics', '--preset', 'api-latency']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const [call] = aws.calls('GetMetricStatistics');
    expect(call!.body).toMatchObject({
      Namespace: ALB, MetricName: 'TargetResponseTime', Dimensions: [{ Name: 'LoadBalancer', Value: LB }], Period: 60, ExtendedStatistics: ['p95'],
    });
    expect(call!.body.Statistics).toBeUndefined();
    expect(call!.body.EndTime - call!.body.StartTime).toBe(3600);
    expect(r.stdout).toMatch(/^AWS\/ApplicationELB TargetResponseTime LoadBalancer=app\/bank-api\/50dc6c495c0c9188 · p95 · 1-min periods · last 60 min\n/);
    expect(r.stdout).toMatch(/│ time \(UTC\)\s+│ p95\s+│/);
    expect(r.stdout.match(/│ \d{4}-\d\d-\d\d \d\d:\d\d │/g)).toHaveLength(60);
    expect(r.stdout).toMatch(/\n[▁▂▃▄▅▆▇█]{60}\n/);
    expect(r.stdout).toMatch(/min 0\.068 · max 0\.158 · average [\d.]+ · last [\d.]+\n?$/);
  });

  it('takes namespace, metric, dimensions, stat, period and window as flags, and prints JSON', async () => {
    aws.metric('AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: 'bank-db-replica1' }, (m) => (m / 60) % 100);
    const r = await cli(['incident', 'metrics', '--namespace', 'AWS/RDS', '--metric', 'CPUUtilization', '--dimension', 'DBInstanceIdentifier=bank-db-replica1', '--stat', 'Maximum', '--period', '5m', '--since', '2h', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ metric: { namespace: 'AWS/RDS', name: 'CPUUtilization', dimensions: { DBInstanceIdentifier: 'bank-db-replica1' } }, stat: 'Maximum', periodSeconds: 300 });
    expect(out.datapoints).toHaveLength(24);
    expect(out.datapoints[0].timestamp < out.datapoints[23].timestamp).toBe(true);
    const [call] = aws.calls('GetMetricStatistics');
    expect(call!.body).toMatchObject({ Statistics: ['Maximum'], Period: 300 });
    expect(call!.body.ExtendedStatistics).toBeUndefined();
    expect(call!.body.EndTime - call!.body.StartTime).toBe(7200);
  });

  it('--preset error-rate computes 5XX / requests by metric math', async () => {
    aws.metric(ALB, 'RequestCount', { LoadBalancer: LB }, () => 400);
    aws.metric(ALB, 'HTTPCode_ELB_5XX_Count', { LoadBalancer: LB }, (m) => (m % 600 === 0 ? 4 : undefined));
    const r = await cli(['incident', 'metrics', '--preset', 'error-rate', '--since', '30m', '--format', 'json']);
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.datapoints).toHaveLength(30);
    expect(Math.max(...out.datapoints.map((d: { value: number }) => d.value))).toBe(1);
    expect(aws.calls()[0]!.body.MetricDataQueries.at(-1)).toMatchObject({ Id: 'error_rate', Expression: '100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests' });
  });

  it.each([
    [['--preset', 'api-latency', '--stat', 'p9x'], 64, /--stat: "p9x" is not supported; use SampleCount, Average, Sum, Minimum, Maximum or a percentile/],
    [['--preset', 'api-latency', '--period', '90s'], 64, /--period: use a multiple of 60s/],
    [['--namespace', 'AWS/RDS', '--metric', 'CPUUtilization', '--dimension', 'bank-db'], 64, /--dimension: "bank-db" is not Name=Value/],
    [['--metric', 'CPUUtilization'], 64, /give --preset NAME, or --namespace and --metric/],
    [['--preset', 'db-cpu', '--since', '3d'], 64, /4320 datapoints asked, CloudWatch returns at most 1440/],
    [['--preset', 'redis-memory'], 78, /--preset redis-memory: list the clusters in aws.elasticache.clusters/],
    [['--preset', 'nope'], 64, /Allowed choices are api-latency, error-rate/],
  ])('incident metrics %j exits %i with one clear line and asks AWS nothing', async (args, code, message) => {
    const r = await cli(['incident', 'metrics', ...args]);
    expect(r.exitCode).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(aws.requests).toHaveLength(0);
  });

  it('incident metrics without AWS configured is a configuration error (exit 78)', async () => {
    const r = await cli(['incident', 'metrics', '--preset', 'db-cpu'], writeConfig({ environment: 'staging' }));
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toMatch(/incident metrics: AWS not configured/);
  });

  it('says "no data" and exits 3 without datapoints; names the IAM action on AccessDenied', async () => {
    const empty = await cli(['incident', 'metrics', '--preset', 'db-connections']);
    expect(empty.exitCode).toBe(3);
    expect(empty.stdout).toMatch(/AWS\/RDS DatabaseConnections DBInstanceIdentifier=bank-db · Maximum .*\nno data: CloudWatch returned no datapoints/);
    aws.fail('GetMetricStatistics', 'AccessDenied');
    const denied = await cli(['incident', 'metrics', '--preset', 'db-connections']);
    expect(denied.exitCode).toBe(3);
    expect(denied.stderr).toBe('nvcops: incident metrics: AWS CloudWatch: access denied to cloudwatch:GetMetricStatistics; allow cloudwatch:GetMetricStatistics for these credentials (docs/aws.md: minimal IAM policy)');
  });

  function rdsMetrics(cpu: number) {
    const d = { DBInstanceIdentifier: 'bank-db' };
    aws.metric('AWS/RDS', 'CPUUtilization', d, () => cpu);
    aws.metric('AWS/RDS', 'DatabaseConnections', d, () => 100);
    aws.metric('AWS/RDS', 'FreeStorageSpace', d, () => 150 * 1024 ** 3);
  }

  it('--emit cloudwatch publishes each verdict as NVCOps/CheckStatus with check and environment dimensions', async () => {
    rdsMetrics(97);
    const r = await cli(['health', 'daily', '--format', 'json', '--emit', 'cloudwatch']);
    expect(r.exitCode).toBe(2);
    const puts = aws.calls('PutMetricData');
    expect(puts).toHaveLength(1);
    expect(puts[0]!.body.Namespace).toBe('NVCOps');
    const data = puts[0]!.body.MetricData as { MetricName: string; Dimensions: { Name: string; Value: string }[]; Value: number; Unit: string; Timestamp: number }[];
    const byCheck = Object.fromEntries(data.map((d) => [d.Dimensions.find((x) => x.Name === 'check')!.Value, d]));
    expect(byCheck['aws.rds-cpu']).toMatchObject({ MetricName: 'CheckStatus', Value: 2, Unit: 'None', Dimensions: [{ Name: 'check', Value: 'aws.rds-cpu' }, { Name: 'environment', Value: 'production' }] });
    expect(byCheck['aws.rds-connections']!.Value).toBe(0);
    expect(byCheck['aws.rds-free-storage']!.Value).toBe(0);
    // The load balancer has no datapoints: its lines could not look, and say so as 3.
    expect(byCheck['aws.api-latency-p95']!.Value).toBe(3);
    // Skipped lines (no PostgreSQL, no target group, no replica) say nothing about health and are not sent.
    expect(Object.keys(byCheck).sort()).toEqual(['aws.api-latency-p95', 'aws.burn-rate', 'aws.error-budget', 'aws.error-rate', 'aws.rds-connections', 'aws.rds-cpu', 'aws.rds-free-storage']);
    expect(typeof data[0]!.Timestamp).toBe('number');
    expect(r.stderr).toBe('nvcops: published 7 verdicts to CloudWatch (NVCOps/CheckStatus)');
    expect(JSON.parse(r.stdout).status).toBe('fail');
  });

  it('--emit cloudwatch without AWS configured exits 78 before running anything; a refused publish turns a pass into exit 3', async () => {
    const none = await cli(['health', 'daily', '--emit', 'cloudwatch'], writeConfig({ environment: 'staging' }));
    expect(none.exitCode).toBe(78);
    expect(none.stderr).toMatch(/--emit cloudwatch: AWS not configured/);
    expect(none.stdout).toBe('');
    rdsMetrics(30);
    aws.fail('PutMetricData', 'AccessDenied');
    const denied = await cli(['health', 'daily', '--format', 'json', '--emit', 'cloudwatch'], writeConfig({ aws: { rds: config.aws.rds } }));
    expect(JSON.parse(denied.stdout).exitCode).toBe(0);
    expect(denied.exitCode).toBe(3);
    expect(denied.stderr).toMatch(/--emit cloudwatch: AWS CloudWatch: access denied to cloudwatch:PutMetricData/);
  });
});
