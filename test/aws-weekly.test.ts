import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAwsEndpoint, type AwsEndpoint } from './support/aws-endpoint.js';
import { nvcops, writeConfig } from './support/cli.js';
import { leastSquares, untilLimit } from '../src/engine/trend.js';

const LB = 'app/bank-api/50dc6c495c0c9188';
const DAY = 86_400;
const GiB = 1024 ** 3;
/** Where the 14-day window ends: 00:00 UTC today, as CloudWatch daily periods line up. */
const end = () => Math.floor(Date.now() / 1000 / DAY) * DAY;
/** A value that moves `perDay` from `atEnd` at the window's end (linear in time). */
const line = (atEnd: number, perDay: number) => (m: number) => atEnd + (perDay * (m - end())) / DAY;

interface Result { id: string; status: string; message: string; observed: { value: number } | null; details?: string[] }
const results = (stdout: string): Record<string, Result> =>
  Object.fromEntries(JSON.parse(stdout).items.flatMap((i: { results: Result[] }) => i.results).map((r: Result) => [r.id, r]));

const config = {
  environment: 'production',
  aws: {
    loadBalancer: LB,
    autoScalingGroups: ['bank-api'],
    rds: { instances: [{ id: 'bank-db', maxConnections: 500, allocatedStorage: 200 }] },
    elasticache: { clusters: ['bank-cache-0001-001'] },
  },
};

describe('least-squares trend', () => {
  it('fits a line, reports R², and projects the days until a limit', () => {
    const t = leastSquares([{ x: 0, y: 10 }, { x: 1, y: 12 }, { x: 2, y: 14 }, { x: 3, y: 16 }])!;
    expect(t).toMatchObject({ slope: 2, intercept: 10, r2: 1, n: 4 });
    expect(untilLimit(t, 20, 3)).toBe(2);
    expect(untilLimit(t, 15, 3)).toBe(0);
    expect(untilLimit({ ...t, slope: -1 }, 20, 3)).toBeUndefined();
    expect(untilLimit({ slope: -2, intercept: 10, r2: 1, n: 4 }, 0, 0, 'down')).toBe(5);
    // A strict level (> 0 checksum failures) is not reached by a flat line lying on it; >= 0 is.
    const flatZero = { slope: 0, intercept: 0, r2: 1, n: 30 };
    expect(untilLimit(flatZero, 0, 0, 'up', true)).toBeUndefined();
    expect(untilLimit(flatZero, 0, 0, 'up')).toBe(0);
    expect(untilLimit({ ...flatZero, intercept: 0.5 }, 0, 0, 'up', true)).toBe(0);
    const noisy = leastSquares([{ x: 0, y: 5 }, { x: 1, y: 1 }, { x: 2, y: 6 }, { x: 3, y: 2 }, { x: 4, y: 7 }])!;
    expect(noisy.r2).toBeLessThan(0.5);
    expect(leastSquares([{ x: 0, y: 1 }, { x: 1, y: 2 }])).toBeUndefined();
  });
});

describe('weekly capacity: trends and the Auto Scaling review through the real SDK', () => {
  let aws: AwsEndpoint;
  beforeAll(async () => {
    aws = await startAwsEndpoint();
  });
  afterAll(async () => {
    await aws?.stop();
  });
  beforeEach(() => aws.reset());

  const run = (extra: string[] = []) =>
    nvcops(['weekly', 'capacity', '--config', writeConfig(config), '--format', 'json', ...extra], { env: aws.env() });

  function scriptCommon() {
    aws.metric('AWS/ElastiCache', 'DatabaseMemoryUsagePercentage', { CacheClusterId: 'bank-cache-0001-001' }, () => 40);
    aws.metric('AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: 'bank-db' }, () => 30);
  }

  it('passes a fleet with room to grow, and asks for daily peaks over 14 days and the configured groups', async () => {
    scriptCommon();
    aws.metric('AWS/EC2', 'CPUUtilization', { AutoScalingGroupName: 'bank-api' }, (m) => 45 + ((m / 60) % 7));
    aws.metric('AWS/RDS', 'DatabaseConnections', { DBInstanceIdentifier: 'bank-db' }, () => 120);
    aws.metric('AWS/RDS', 'FreeStorageSpace', { DBInstanceIdentifier: 'bank-db' }, line(150 * GiB, -0.1 * GiB));
    aws.metric('AWS/ApplicationELB', 'RequestCount', { LoadBalancer: LB }, () => 1000);
    aws.metric('AWS/AutoScaling', 'GroupDesiredCapacity', { AutoScalingGroupName: 'bank-api' }, () => 4);
    aws.metric('AWS/AutoScaling', 'GroupMaxSize', { AutoScalingGroupName: 'bank-api' }, () => 10);
    aws.groups = [{ name: 'bank-api', min: 2, max: 10, desired: 4, instances: [{ id: 'i-0aaa' }, { id: 'i-0bbb' }, { id: 'i-0ccc' }, { id: 'i-0ddd' }] }];
    aws.activities = [{ group: 'bank-api', status: 'Successful', start: new Date(Date.now() - 2 * DAY * 1000) }];
    const r = await run();
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const byId = results(r.stdout);
    for (const r of Object.values(byId)) expect(r.status, `${r.id}: ${r.message}`).toBe('pass');
    expect(byId['aws.capacity-db-size']!.observed!.value).toBeGreaterThan(1000);
    expect(byId['aws.capacity-db-size']!.details![0]).toMatch(/^bank-db: week low 1(49\.\d|50\.0) GB, trend −102\.4 MB\/day \(R² 1\); [\d.]+ days to 0 B\. About \d+ days of headroom at this trend\.$/);
    expect(byId['aws.capacity-cpu']!.details).toEqual([
      'bank-api: week peak 51%, trend +0%/day (R² 1); not reaching 100%. Not growing toward its limit.',
      'bank-db: week peak 30%, trend +0%/day (R² 1); not reaching 100%. Not growing toward its limit.',
    ]);
    expect(byId['aws.capacity-cpu']).toMatchObject({ observed: null, message: 'nothing is trending toward its limit (daily peaks, last 14 days)' });
    expect(byId['aws.capacity-requests']).toMatchObject({ observed: { value: 0 }, message: expect.stringContaining('busiest day this week 1440000 requests') });
    expect(byId['aws.autoscaling-headroom']).toMatchObject({ observed: { value: 60 }, details: ['bank-api: desired 4 (min 2, max 10), room for 6 more; at max 0 h of the last 7 days'] });
    expect(byId['aws.autoscaling-instances']).toMatchObject({ observed: { value: 0 }, message: '4 of 4 instances InService and Healthy' });
    expect(byId['aws.autoscaling-activities']).toMatchObject({ observed: { value: 0 }, message: '1 scaling activities in the last 7 days' });

    const gmd = aws.calls().flatMap((c) => c.body.MetricDataQueries.map((q: any) => ({ q, window: c.body.EndTime - c.body.StartTime, end: c.body.EndTime })));
    const cpu = gmd.find(({ q }) => q.MetricStat?.Metric.Namespace === 'AWS/EC2')!;
    expect(cpu.q.MetricStat).toEqual({ Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'bank-api' }] }, Period: DAY, Stat: 'Maximum' });
    expect(cpu.window).toBe(14 * DAY);
    expect(cpu.end % DAY).toBe(0);
    expect(gmd.find(({ q }) => q.MetricStat?.Metric.MetricName === 'FreeStorageSpace' && q.MetricStat.Period === DAY)!.q.MetricStat.Stat).toBe('Minimum');
    const desired = gmd.find(({ q }) => q.MetricStat?.Metric.MetricName === 'GroupDesiredCapacity')!;
    expect(desired).toMatchObject({ q: { MetricStat: { Period: 3600, Stat: 'Maximum' } }, window: 7 * DAY });
    expect(aws.calls('DescribeAutoScalingGroups')[0]!.body).toMatchObject({ Action: 'DescribeAutoScalingGroups', Version: '2011-01-01', 'AutoScalingGroupNames.member.1': 'bank-api' });
    expect(aws.calls('DescribeScalingActivities')[0]!.body).toMatchObject({ AutoScalingGroupName: 'bank-api' });
    // The describe call is shared by the three Auto Scaling lines.
    expect(aws.calls('DescribeAutoScalingGroups')).toHaveLength(1);
  });

  it('gives advice that never contradicts a verdict under thresholds the operator set', async () => {
    scriptCommon();
    aws.metric('AWS/EC2', 'CPUUtilization', { AutoScalingGroupName: 'bank-api' }, () => 45);
    aws.metric('AWS/RDS', 'DatabaseConnections', { DBInstanceIdentifier: 'bank-db' }, () => 120);
    aws.metric('AWS/RDS', 'FreeStorageSpace', { DBInstanceIdentifier: 'bank-db' }, line(150 * GiB, -0.1 * GiB));
    aws.metric('AWS/ApplicationELB', 'RequestCount', { LoadBalancer: LB }, (m) => 1000 + m / 60);
    aws.groups = [{ name: 'bank-api', min: 2, max: 10, desired: 4, instances: [] }];
    // About 1,500 days of storage and a few % of request growth a week: fine by the defaults, not by these.
    const strict = { ...config, thresholds: { 'aws.capacity-db-size': { warn: '< 5000 days' }, 'aws.capacity-requests': { warn: '> 0%' } } };
    const r = await nvcops(['weekly', 'capacity', '--config', writeConfig(strict), '--format', 'json'], { env: aws.env() });
    const byId = results(r.stdout);
    for (const id of ['aws.capacity-db-size', 'aws.capacity-requests']) {
      expect(byId[id]!.status, `${id}: ${byId[id]!.message}`).toBe('warn');
      expect(byId[id]!.details!.join('\n')).not.toMatch(/No action/);
    }
    expect(byId['aws.capacity-db-size']!.details![0]).toMatch(/About \d+ days of headroom at this trend\.$/);
  });

  it('fails resources that run out before next week, warns within the month, and reviews a group stuck at max', async () => {
    scriptCommon();
    // CPU climbs 3 points a day toward 100%: out in days.
    aws.metric('AWS/EC2', 'CPUUtilization', { AutoScalingGroupName: 'bank-api' }, line(90, 3));
    // Connections climb 10 a day toward 500: about three weeks.
    aws.metric('AWS/RDS', 'DatabaseConnections', { DBInstanceIdentifier: 'bank-db' }, line(300, 10));
    // Free storage falls 1 GiB a day from 6 GiB.
    aws.metric('AWS/RDS', 'FreeStorageSpace', { DBInstanceIdentifier: 'bank-db' }, line(6 * GiB, -GiB));
    // Requests per minute grow by 120 each day: about 70% a week on the fortnight's mean.
    aws.metric('AWS/ApplicationELB', 'RequestCount', { LoadBalancer: LB }, line(2000, 120));
    const stuckSince = Math.floor(Date.now() / 1000) - 30 * 3600;
    aws.metric('AWS/AutoScaling', 'GroupDesiredCapacity', { AutoScalingGroupName: 'bank-api' }, (m) => (m >= stuckSince ? 10 : 6));
    aws.metric('AWS/AutoScaling', 'GroupMaxSize', { AutoScalingGroupName: 'bank-api' }, () => 10);
    aws.groups = [{
      name: 'bank-api', min: 2, max: 10, desired: 10,
      instances: [...Array.from({ length: 8 }, (_, i) => ({ id: `i-0${i}` })), { id: 'i-0sick', health: 'Unhealthy' }, { id: 'i-0new', lifecycle: 'Pending' }],
    }];
    aws.activities = [
      { group: 'bank-api', status: 'Failed', start: new Date(Date.now() - 2 * DAY * 1000), description: 'Launching a new EC2 instance', cause: 'We currently do not have sufficient m5.large capacity' },
      { group: 'bank-api', status: 'Successful', start: new Date(Date.now() - 3 * DAY * 1000) },
      { group: 'bank-api', status: 'Cancelled', start: new Date(Date.now() - 10 * DAY * 1000) },
    ];
    const r = await run();
    expect(r.exitCode).toBe(2);
    const byId = results(r.stdout);
    expect(byId['aws.capacity-cpu']).toMatchObject({ status: 'fail', message: 'bank-api runs out first at this trend (daily peaks, last 14 days)' });
    expect(byId['aws.capacity-cpu']!.observed!.value).toBeLessThan(7);
    expect(byId['aws.capacity-cpu']!.details![0]).toMatch(/^bank-api: week peak 9\d(\.\d)?%, trend \+3%\/day \(R² 1\); [\d.]+ days to 100%\. Act now: raise bank-api's MaxSize/);
    expect(byId['aws.capacity-db-connections']!.status).toBe('warn');
    expect(byId['aws.capacity-db-connections']!.details![0]).toMatch(/trend \+10\/day .*Plan it this month: put a pooler/);
    expect(byId['aws.capacity-db-size']).toMatchObject({ status: 'fail' });
    expect(byId['aws.capacity-db-size']!.details![0]).toMatch(/Act now: grow bank-db's allocated storage/);
    expect(byId['aws.capacity-redis-memory']).toMatchObject({ status: 'pass', message: expect.stringContaining('nothing is trending toward its limit') });
    expect(byId['aws.capacity-requests']!.status).toBe('warn');
    expect(byId['aws.capacity-requests']!.observed!.value).toBeGreaterThan(50);
    expect(byId['aws.autoscaling-headroom']).toMatchObject({ status: 'fail', observed: { value: 0 } });
    expect(byId['aws.autoscaling-headroom']!.details![0]).toMatch(/^bank-api: desired 10 \(min 2, max 10\), room for 0 more; at max (29|30) h of the last 7 days$/);
    expect(byId['aws.autoscaling-instances']).toMatchObject({ status: 'warn', observed: { value: 2 }, details: ['bank-api: i-0sick InService, Unhealthy', 'bank-api: i-0new Pending, Healthy'] });
    expect(byId['aws.autoscaling-activities']).toMatchObject({ status: 'warn', observed: { value: 1 } });
    expect(byId['aws.autoscaling-activities']!.details![0]).toMatch(/^bank-api: Failed .* UTC — Launching a new EC2 instance: We currently do not have sufficient m5\.large capacity$/);
  });

  it('rounds days left down, never up across a level: out in 6.96 days fails (< 7 days), in 29.96 days warns (< 30 days)', async () => {
    const cfg = { aws: { rds: { instances: [{ id: 'bank-db', maxConnections: 500, allocatedStorage: 200 }] } } };
    // Free storage falls 1 GiB a day; the daily low is the day's end, so a line at 7.96 GiB at the window's end runs out 6.96 days from it.
    for (const [atEnd, status, shown, advice] of [[7.96, 'fail', 6.9, 'Act now'], [30.96, 'warn', 29.9, 'Plan it this month']] as const) {
      aws.reset();
      aws.metric('AWS/RDS', 'FreeStorageSpace', { DBInstanceIdentifier: 'bank-db' }, line(atEnd * GiB, -GiB));
      const r = await nvcops(['weekly', 'capacity', '--config', writeConfig(cfg), '--format', 'json'], { env: aws.env() });
      const size = results(r.stdout)['aws.capacity-db-size']!;
      expect(size).toMatchObject({ status, observed: { value: shown } });
      expect(size.details![0]).toMatch(new RegExp(`; ${shown} days to 0 B\\. ${advice}`));
    }
  });

  it('rounds request growth up, never down across its level: 50.04% a week warns (> 50%) and its advice says so', async () => {
    // Per-minute requests from 10,000 at the window's end, rising so that the fitted daily sums grow 50.04% of their mean a week.
    aws.metric('AWS/ApplicationELB', 'RequestCount', { LoadBalancer: LB }, line(10_000, (50.04 * 10_000) / (700 + 7 * 50.04)));
    const r = await nvcops(['weekly', 'capacity', '--config', writeConfig({ aws: { loadBalancer: LB } }), '--format', 'json'], { env: aws.env() });
    expect(results(r.stdout)['aws.capacity-requests']).toMatchObject({
      status: 'warn', observed: { value: 50.1 }, message: expect.stringMatching(/^\+50\.1% a week/), details: [expect.stringMatching(/^Plan it this week/)],
    });
  });

  it('skips a resource without a known limit, naming the key, and says "no data" when the last 7 days are empty (the data stops)', async () => {
    // An RDS instance without maxConnections whose connections climb toward an unknown limit.
    aws.metric('AWS/RDS', 'DatabaseConnections', { DBInstanceIdentifier: 'bank-db' }, line(300, 10));
    aws.metric('AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: 'bank-db' }, () => 30);
    // The fleet's CPU and the load balancer's requests stopped reaching CloudWatch 9 days ago.
    const stopped = (v: (m: number) => number) => (m: number) => (m < end() - 9 * DAY ? v(m) : undefined);
    aws.metric('AWS/EC2', 'CPUUtilization', { AutoScalingGroupName: 'bank-api' }, stopped(() => 50));
    aws.metric('AWS/ApplicationELB', 'RequestCount', { LoadBalancer: LB }, stopped(line(2000, 120)));
    const cfg = { aws: { loadBalancer: LB, autoScalingGroups: ['bank-api'], rds: { instances: ['bank-db'] } } };
    const r = await nvcops(['weekly', 'capacity', '--config', writeConfig(cfg), '--format', 'json'], { env: aws.env() });
    const byId = results(r.stdout);
    expect(byId['aws.capacity-db-connections']).toMatchObject({ status: 'skip', message: 'no limit known: set maxConnections for bank-db in aws.rds.instances' });
    expect(byId['aws.capacity-db-connections']!.details![0]).toMatch(/^bank-db: week peak 3\d\d, trend \+10\/day/);
    const stops = new Date((end() - 9 * DAY) * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
    expect(byId['aws.capacity-cpu']).toMatchObject({ status: 'error', message: `no data: data stops at ${stops} for bank-api: the metric has not reported since` });
    expect(byId['aws.capacity-cpu']!.details).toContainEqual(expect.stringMatching(/^bank-api: data stops at .* \(\d+(\.\d)? h ago\): AWS\/EC2 CPUUtilization AutoScalingGroupName=bank-api has not reported since; an older trend says nothing about now$/));
    expect(byId['aws.capacity-requests']).toMatchObject({ status: 'error', message: `no data: RequestCount stops at ${stops}: it has not reported since (5 days in the last 14); an older trend says nothing about now` });
    expect(r.stdout).not.toMatch(/Infinity|NaN/);
    expect(r.exitCode).toBe(3);
  });

  it('says error, never pass, when the data stops days before the week ends: the metric has not reported since', async () => {
    scriptCommon();
    // The fleet's CPU, the database's free storage and the requests stopped reaching CloudWatch 2 days before the window's end:
    // 12 days of steady values, so a trend of the old data alone would pass.
    const stopped = (v: (m: number) => number) => (m: number) => (m < end() - 2 * DAY ? v(m) : undefined);
    aws.metric('AWS/EC2', 'CPUUtilization', { AutoScalingGroupName: 'bank-api' }, stopped(() => 50));
    aws.metric('AWS/RDS', 'FreeStorageSpace', { DBInstanceIdentifier: 'bank-db' }, stopped(() => 150 * GiB));
    aws.metric('AWS/RDS', 'DatabaseConnections', { DBInstanceIdentifier: 'bank-db' }, () => 120);
    aws.metric('AWS/ApplicationELB', 'RequestCount', { LoadBalancer: LB }, stopped(() => 1000));
    const r = await run();
    const byId = results(r.stdout);
    // The last daily value is the one of the day ending 2 days before the window's end.
    const stops = new Date((end() - 2 * DAY) * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
    expect(byId['aws.capacity-cpu']).toMatchObject({ status: 'error', message: `no data: data stops at ${stops} for bank-api: the metric has not reported since` });
    expect(byId['aws.capacity-cpu']!.details).toContainEqual(expect.stringMatching(new RegExp(`^bank-api: data stops at ${stops} \\([\\d.]+ h ago\\): AWS/EC2 CPUUtilization AutoScalingGroupName=bank-api has not reported since; an older trend says nothing about now$`)));
    expect(byId['aws.capacity-db-size']).toMatchObject({ status: 'error', message: `no data: data stops at ${stops} for bank-db: the metric has not reported since` });
    expect(byId['aws.capacity-db-connections']!.status).toBe('pass');
    expect(byId['aws.capacity-requests']).toMatchObject({ status: 'error', message: `no data: RequestCount stops at ${stops}: it has not reported since (12 days in the last 14); an older trend says nothing about now` });
    expect(r.exitCode).toBe(3);
  });

  it('flags a weak trend, says "no data" with too few days, and names the Auto Scaling IAM action on AccessDenied', async () => {
    // Memory that zigzags upward: a trend with a poor fit.
    aws.metric('AWS/ElastiCache', 'DatabaseMemoryUsagePercentage', { CacheClusterId: 'bank-cache-0001-001' }, (m) => 60 + (m - end()) / DAY + (Math.floor(m / DAY) % 2 ? 25 : 0));
    // Only the last two days of CPU reached CloudWatch.
    aws.metric('AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: 'bank-db' }, (m) => (m >= end() - 2 * DAY ? 30 : undefined));
    aws.fail('DescribeAutoScalingGroups', 'AccessDenied');
    const r = await run();
    const byId = results(r.stdout);
    expect(byId['aws.capacity-redis-memory']!.details![0]).toMatch(/\(R² 0\.\d+\).*The trend is weak \(R² 0\.\d+\): confirm it next week before spending\./);
    expect(byId['aws.capacity-cpu']).toMatchObject({ status: 'error', message: 'no data: too few daily values for bank-api, bank-db (last 14 days)' });
    expect(byId['aws.capacity-cpu']!.details).toContainEqual('bank-db: 2 daily Maximum values for AWS/RDS CPUUtilization DBInstanceIdentifier=bank-db; a trend needs 3 or more');
    for (const id of ['aws.autoscaling-headroom', 'aws.autoscaling-instances']) {
      expect(byId[id]).toMatchObject({ status: 'error', message: expect.stringContaining('access denied to autoscaling:DescribeAutoScalingGroups') });
    }
    expect(r.exitCode).toBe(3);
  });
});
