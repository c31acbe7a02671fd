import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAwsEndpoint, type AwsEndpoint, type RecordedRequest } from './support/aws-endpoint.js';
import { nvcops, writeConfig } from './support/cli.js';

const LB = 'app/bank-api/50dc6c495c0c9188';
const TG = 'targetgroup/bank-api/73e2d6bc24d8a067';
const HC = 'abcdef12-3456-7890-abcd-ef1234567890';
const ALB = 'AWS/ApplicationELB';

/** Fifty response times a minute around 80 ms, so p95 is a real percentile of raw samples. */
const latencies = (baseSec: number) => () => Array.from({ length: 50 }, (_, i) => baseSec + (i % 10) * 0.005);

const aws = { loadBalancer: LB, targetGroup: TG };
const rds = { instances: [{ id: 'bank-db', maxConnections: 500, allocatedStorage: 200 }, { id: 'bank-db-replica1', replica: true, maxConnections: 500, allocatedStorage: 200 }] };
const elasticache = { clusters: ['bank-cache-0001-001'] };

interface Result { id: string; status: string; message: string; observed: { value: number } | null; details?: string[] }

const results = (stdout: string): Record<string, Result> =>
  Object.fromEntries(JSON.parse(stdout).items.flatMap((i: { results: Result[] }) => i.results).map((r: Result) => [r.id, r]));

/** The GetMetricData queries sent for one metric name. */
const queriesFor = (requests: RecordedRequest[], metric: string) =>
  requests.flatMap((r) => (r.body.MetricDataQueries as any[]).filter((q) => q.MetricStat?.Metric.MetricName === metric).map((q) => ({ ...q, window: r.body.EndTime - r.body.StartTime, region: r.region, start: r.body.StartTime, end: r.body.EndTime })));

describe('health daily: CloudWatch SLO lines through the real SDK against a loopback endpoint', () => {
  let cw: AwsEndpoint;
  beforeAll(async () => {
    cw = await startAwsEndpoint();
  });
  afterAll(async () => {
    await cw?.stop();
  });
  beforeEach(() => cw.reset());

  function healthyAlb() {
    cw.metric(ALB, 'RequestCount', { LoadBalancer: LB }, () => 1000);
    cw.metric(ALB, 'TargetResponseTime', { LoadBalancer: LB }, latencies(0.06));
    // One 5XX every ten minutes: 0.01% of requests, well inside the budget; absent minutes mean zero, as on AWS.
    cw.metric(ALB, 'HTTPCode_Target_5XX_Count', { LoadBalancer: LB }, (m) => (m % 600 === 0 ? 1 : undefined));
    cw.metric(ALB, 'HealthyHostCount', { TargetGroup: TG, LoadBalancer: LB }, () => 3);
  }

  function healthyDatabases() {
    for (const id of ['bank-db', 'bank-db-replica1']) {
      const d = { DBInstanceIdentifier: id };
      cw.metric('AWS/RDS', 'CPUUtilization', d, () => 35);
      cw.metric('AWS/RDS', 'DatabaseConnections', d, () => 120);
      cw.metric('AWS/RDS', 'FreeStorageSpace', d, () => 120 * 1024 ** 3);
    }
    cw.metric('AWS/RDS', 'ReplicaLag', { DBInstanceIdentifier: 'bank-db-replica1' }, () => 0.4);
    const c = { CacheClusterId: 'bank-cache-0001-001' };
    cw.metric('AWS/ElastiCache', 'EngineCPUUtilization', c, () => 22);
    cw.metric('AWS/ElastiCache', 'CPUUtilization', c, () => 9);
    cw.metric('AWS/ElastiCache', 'DatabaseMemoryUsagePercentage', c, () => 41);
    cw.metric('AWS/ElastiCache', 'Evictions', c, () => 0);
    cw.metric('AWS/ElastiCache', 'CacheHitRate', c, () => 97.5);
  }

  const run = (config: object, extra: string[] = [], env: Record<string, string> = {}) =>
    nvcops(['health', 'daily', '--config', writeConfig(config), '--format', 'json', ...extra], { env: { ...cw.env(), ...env } });

  it('passes healthy SLOs and resources, asking CloudWatch for the right metrics, dimensions, stats, periods and windows', async () => {
    healthyAlb();
    healthyDatabases();
    const r = await run({ environment: 'production', aws: { ...aws, rds, elasticache } });
    // No SDK notice (its Node-version warning) reaches nvcops output.
    expect(r.stderr).toBe('');
    const byId = results(r.stdout);
    for (const id of ['aws.uptime-24h', 'aws.uptime-30d', 'aws.api-latency-p95', 'aws.error-rate', 'aws.burn-rate', 'aws.error-budget',
      'aws.rds-connections', 'aws.rds-cpu', 'aws.rds-free-storage', 'aws.rds-replica-lag',
      'aws.elasticache-cpu', 'aws.elasticache-memory', 'aws.elasticache-evictions', 'aws.elasticache-hit-rate']) {
      expect(byId[id], id).toMatchObject({ status: 'pass' });
    }
    expect(byId['aws.uptime-24h']!.observed!.value).toBe(100);
    expect(byId['aws.api-latency-p95']!.observed!.value).toBe(105);
    expect(byId['aws.error-rate']!.observed!.value).toBe(0.01);
    expect(byId['aws.error-rate']!.message).toMatch(/144 5XX of 1440000 requests/);
    expect(byId['aws.error-budget']!.observed!.value).toBe(90);
    expect(byId['aws.error-budget']!.message).toMatch(/38\.9 of 43\.2 min left/);
    expect(byId['aws.rds-connections']!.observed!.value).toBe(24);
    expect(byId['aws.rds-free-storage']!.observed!.value).toBe(60);

    const gmd = cw.calls();
    expect(gmd.every((c) => c.service === 'cloudwatch' && c.region === 'eu-west-1')).toBe(true);
    const p95 = queriesFor(gmd, 'TargetResponseTime');
    expect(p95).toContainEqual(expect.objectContaining({ MetricStat: { Metric: { Namespace: ALB, MetricName: 'TargetResponseTime', Dimensions: [{ Name: 'LoadBalancer', Value: LB }] }, Period: 86_400, Stat: 'p95' }, window: 86_400 }));
    const healthy = queriesFor(gmd, 'HealthyHostCount');
    expect(healthy.map((q) => [q.MetricStat.Stat, q.MetricStat.Period, q.window])).toEqual(expect.arrayContaining([['Minimum', 60, 86_400], ['Minimum', 300, 30 * 86_400]]));
    expect(healthy[0]!.MetricStat.Metric.Dimensions).toEqual([{ Name: 'TargetGroup', Value: TG }, { Name: 'LoadBalancer', Value: LB }]);
    // Error rate by metric math over both 5XX sources, with their gaps filled with zero.
    const rateCall = gmd.find((c) => c.body.MetricDataQueries.some((q: any) => q.Id === 'error_rate') && c.body.EndTime - c.body.StartTime === 86_400)!;
    expect(rateCall.body.MetricDataQueries).toContainEqual({ Id: 'error_rate', Expression: '100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests', Label: '5XX % of requests' });
    expect(rateCall.body.MetricDataQueries.filter((q: any) => q.MetricStat).map((q: any) => [q.MetricStat.Metric.MetricName, q.MetricStat.Stat])).toEqual([
      ['RequestCount', 'Sum'], ['HTTPCode_Target_5XX_Count', 'Sum'], ['HTTPCode_ELB_5XX_Count', 'Sum'],
    ]);
    const burnWindow = gmd.find((c) => c.body.EndTime - c.body.StartTime === 3 * 86_400)!;
    expect(burnWindow.body.MetricDataQueries[0].MetricStat.Period).toBe(300);
    expect(queriesFor(gmd, 'FreeStorageSpace').map((q) => [q.MetricStat.Stat, q.MetricStat.Metric.Dimensions[0].Value, q.window])).toEqual([
      ['Minimum', 'bank-db', 3600], ['Minimum', 'bank-db-replica1', 3600],
    ]);
    expect(queriesFor(gmd, 'ReplicaLag').map((q) => q.MetricStat.Metric.Dimensions[0].Value)).toEqual(['bank-db-replica1']);
    expect(queriesFor(gmd, 'CacheHitRate')[0]).toMatchObject({ MetricStat: { Stat: 'Average', Period: 3600, Metric: { Dimensions: [{ Name: 'CacheClusterId', Value: 'bank-cache-0001-001' }] } }, window: 86_400 });
    // Windows end on whole periods.
    for (const q of [...p95, ...healthy]) expect(q.end % q.MetricStat.Period === 0 || q.end % 3600 === 0).toBe(true);
  });

  it('fails breached SLOs: slow p95, 5XX over 0.1% burning the budget fast, minutes without a healthy host', async () => {
    cw.metric(ALB, 'RequestCount', { LoadBalancer: LB }, () => 1000);
    cw.metric(ALB, 'TargetResponseTime', { LoadBalancer: LB }, latencies(0.2));
    // 2% of requests fail from the targets and the load balancer alike over the last 3 hours, nothing before.
    const since = Math.floor(Date.now() / 1000) - 3 * 3600;
    cw.metric(ALB, 'HTTPCode_Target_5XX_Count', { LoadBalancer: LB }, (m) => (m >= since ? 12 : undefined));
    cw.metric(ALB, 'HTTPCode_ELB_5XX_Count', { LoadBalancer: LB }, (m) => (m >= since ? 8 : undefined));
    // No healthy host for 10 minutes two hours ago.
    cw.metric(ALB, 'HealthyHostCount', { TargetGroup: TG, LoadBalancer: LB }, (m) => (m >= since + 3600 && m < since + 4200 ? 0 : 2));
    const r = await run({ aws });
    expect(r.exitCode).toBe(2);
    const byId = results(r.stdout);
    expect(byId['aws.api-latency-p95']).toMatchObject({ status: 'fail', observed: { value: 245 } });
    // The 24 h window ends on the last whole hour, so it holds two to three of the failing hours.
    expect(byId['aws.error-rate']!.status).toBe('fail');
    expect(byId['aws.error-rate']!.observed!.value).toBeGreaterThan(0.16);
    expect(byId['aws.burn-rate']).toMatchObject({ status: 'fail', observed: { value: 20 } });
    expect(byId['aws.burn-rate']!.message).toMatch(/^page: 1 h and 5 min windows burn ≥ 14\.4x; at this rate a 30-day budget lasts 1\.5 days/);
    expect(byId['aws.burn-rate']!.details).toContainEqual(expect.stringMatching(/^page 6 h (9\.\d+|10)x & 30 min 20x \(fires at 6x\): FIRING/));
    // Three hours at 2% over three days is about 0.83x: the ticket window stays quiet.
    expect(byId['aws.burn-rate']!.details).toContainEqual(expect.stringMatching(/^ticket 3 d 0\.8\d?x .*quiet/));
    // At most 3600 failed of 43.2M requests is under 8.4% of the 30-day budget: most of it is left, and said so.
    expect(byId['aws.error-budget']!.status).toBe('pass');
    expect(byId['aws.error-budget']!.observed!.value).toBeGreaterThan(91.6);
    expect(byId['aws.uptime-24h']).toMatchObject({ status: 'fail' });
    expect(byId['aws.uptime-24h']!.observed!.value).toBeCloseTo(99.3056, 3);
    expect(byId['aws.uptime-24h']!.message).toMatch(/10 min in unhealthy 1-min periods/);
    // 30 days in 5-minute periods: the same 10 minutes is two or three periods out of 8640, within 99.9%.
    expect(byId['aws.uptime-30d']!.status).toBe('pass');
    expect(byId['aws.uptime-30d']!.observed!.value).toBeGreaterThan(99.96);
    expect(byId['aws.uptime-30d']!.observed!.value).toBeLessThan(99.98);
    // Not configured: skipped with the reason, never passed.
    expect(byId['aws.rds-cpu']).toMatchObject({ status: 'skip', message: expect.stringContaining('aws.rds.instances') });
  });

  it('warns on a ticket-level burn and fails a spent error budget', async () => {
    cw.metric(ALB, 'RequestCount', { LoadBalancer: LB }, () => 1000);
    cw.metric(ALB, 'TargetResponseTime', { LoadBalancer: LB }, latencies(0.05));
    // A steady 0.15% of requests fail: 1.5x burn, a ticket, not a page.
    cw.metric(ALB, 'HTTPCode_Target_5XX_Count', { LoadBalancer: LB }, (m) => (m % 60 === 0 ? 1.5 : undefined));
    cw.metric(ALB, 'HealthyHostCount', { TargetGroup: TG, LoadBalancer: LB }, () => 2);
    const r = await run({ aws });
    const byId = results(r.stdout);
    expect(byId['aws.burn-rate']).toMatchObject({ status: 'warn', message: expect.stringMatching(/^ticket: 3 d and 6 h windows burn ≥ 1x/) });
    expect(byId['aws.error-budget']).toMatchObject({ status: 'fail', observed: { value: -50 } });
    expect(byId['aws.error-budget']!.message).toMatch(/0 of 43\.2 min left/);
  });

  it('reads uptime from the Route 53 health check in us-east-1, whatever the main region', async () => {
    cw.metric('AWS/Route53', 'HealthCheckStatus', { HealthCheckId: HC }, () => 1);
    const r = await run({ aws: { route53HealthCheckId: HC, region: 'eu-central-1' } });
    const byId = results(r.stdout);
    expect(byId['aws.uptime-24h']).toMatchObject({ status: 'pass', observed: { value: 100 }, message: expect.stringContaining(`Route 53 health check ${HC}`) });
    const q = queriesFor(cw.calls(), 'HealthCheckStatus');
    expect(q.map((x) => [x.region, x.MetricStat.Stat, x.MetricStat.Period, x.window]).sort((x, y) => x[2] - y[2])).toEqual([
      ['us-east-1', 'Average', 60, 86_400], ['us-east-1', 'Average', 300, 30 * 86_400],
    ]);
    // ALB lines need the load balancer: skipped with the key to set.
    expect(byId['aws.api-latency-p95']).toMatchObject({ status: 'skip', message: expect.stringContaining('aws.loadBalancer') });
  });

  it('fails RDS and ElastiCache resources in trouble, each named in the details', async () => {
    healthyDatabases();
    cw.metric('AWS/RDS', 'CPUUtilization', { DBInstanceIdentifier: 'bank-db' }, (m) => (m % 600 < 300 ? 97 : 60));
    cw.metric('AWS/RDS', 'DatabaseConnections', { DBInstanceIdentifier: 'bank-db-replica1' }, () => 470);
    cw.metric('AWS/RDS', 'FreeStorageSpace', { DBInstanceIdentifier: 'bank-db' }, () => 15 * 1024 ** 3);
    cw.metric('AWS/RDS', 'ReplicaLag', { DBInstanceIdentifier: 'bank-db-replica1' }, (m) => (m % 3600 === 0 ? 300 : 1));
    const c = { CacheClusterId: 'bank-cache-0001-001' };
    // A 4-vCPU node: the host looks calm while the single Redis thread is saturated.
    cw.metric('AWS/ElastiCache', 'EngineCPUUtilization', c, () => 96);
    cw.metric('AWS/ElastiCache', 'CPUUtilization', c, () => 24);
    cw.metric('AWS/ElastiCache', 'DatabaseMemoryUsagePercentage', c, () => 93);
    cw.metric('AWS/ElastiCache', 'Evictions', c, (m) => (m % 3600 === 0 ? 250 : 0));
    cw.metric('AWS/ElastiCache', 'CacheHitRate', c, () => 71);
    const r = await run({ aws: { rds, elasticache } });
    const byId = results(r.stdout);
    expect(byId['aws.rds-cpu']).toMatchObject({ status: 'fail', observed: { value: 97 }, message: expect.stringMatching(/^worst bank-db /) });
    expect(byId['aws.rds-connections']).toMatchObject({ status: 'fail', observed: { value: 94 } });
    expect(byId['aws.rds-connections']!.details).toEqual(['bank-db: 24%', 'bank-db-replica1: 94%']);
    expect(byId['aws.rds-free-storage']).toMatchObject({ status: 'fail', observed: { value: 7.5 } });
    expect(byId['aws.rds-replica-lag']).toMatchObject({ status: 'fail', observed: { value: 300 } });
    expect(byId['aws.elasticache-cpu']).toMatchObject({ status: 'fail', observed: { value: 96 } });
    expect(byId['aws.elasticache-memory']).toMatchObject({ status: 'fail', observed: { value: 93 } });
    expect(byId['aws.elasticache-evictions']).toMatchObject({ status: 'warn', observed: { value: 6000 } });
    expect(byId['aws.elasticache-hit-rate']).toMatchObject({ status: 'fail', observed: { value: 71 } });
    expect(r.exitCode).toBe(2);
  });

  it('skips RDS lines it cannot judge without max_connections or allocated storage, and says what to set', async () => {
    healthyDatabases();
    const r = await run({ aws: { rds: { instances: ['bank-db'] } } });
    const byId = results(r.stdout);
    expect(byId['aws.rds-connections']).toMatchObject({ status: 'skip', message: 'bank-db: cannot be judged' });
    expect(byId['aws.rds-connections']!.details![0]).toMatch(/120 connections at peak; set maxConnections for bank-db/);
    expect(byId['aws.rds-free-storage']!.details![0]).toMatch(/120\.0 GB free; set allocatedStorage \(GiB\)/);
    expect(byId['aws.rds-cpu']!.status).toBe('pass');
  });

  it('says "no data" (error, never pass) when CloudWatch returns no datapoints, and too few requests is no verdict', async () => {
    cw.metric(ALB, 'RequestCount', { LoadBalancer: LB }, (m) => (m % 3600 === 0 ? 10 : undefined));
    const r = await run({ aws: { ...aws, rds: { instances: [{ id: 'bank-db', maxConnections: 100 }] } } });
    const byId = results(r.stdout);
    expect(byId['aws.api-latency-p95']).toMatchObject({ status: 'error', message: expect.stringMatching(/^no data: .*TargetResponseTime/) });
    expect(byId['aws.uptime-24h']).toMatchObject({ status: 'error', message: expect.stringMatching(/^no data: .*HealthyHostCount TargetGroup=/) });
    expect(byId['aws.rds-cpu']).toMatchObject({ status: 'error', message: expect.stringMatching(/^no data for bank-db/) });
    // 240 requests a day: one error would be 0.4%, so no verdict on noise.
    expect(byId['aws.error-rate']).toMatchObject({ status: 'skip', message: expect.stringMatching(/only 240 requests in 24 h: too few to judge/) });
    expect(byId['aws.burn-rate']!.status).toBe('skip');
    expect(r.exitCode).toBe(3);
  });

  it('fails a replica whose ReplicaLag is -1 (replication not active), naming it and when, though -1 is below every threshold', async () => {
    healthyDatabases();
    const now = Date.UTC(2026, 0, 15, 12, 30) / 1000;
    // Replication stopped 20 minutes ago: RDS reports -1 from then on.
    cw.metric('AWS/RDS', 'ReplicaLag', { DBInstanceIdentifier: 'bank-db-replica1' }, (m) => (m >= now - 1200 ? -1 : 0.4));
    const r = await run({ aws: { rds } }, [], { NVCOPS_NOW: new Date(now * 1000).toISOString() });
    const lag = results(r.stdout)['aws.rds-replica-lag']!;
    expect(lag).toMatchObject({ status: 'fail', message: expect.stringMatching(/^replication not active: bank-db-replica1 \(ReplicaLag -1 from 2026-01-15 12:10 UTC to 2026-01-15 12:29 UTC, 20 of 60 datapoints\)/) });
    expect(lag.details).toEqual(['bank-db-replica1: replication not active — ReplicaLag -1 from 2026-01-15 12:10 UTC to 2026-01-15 12:29 UTC']);
    expect(r.exitCode).toBe(2);
  });

  it('says "error", never pass, when data stopped arriving or covers too little of the window', async () => {
    healthyDatabases();
    const now = Date.UTC(2026, 0, 15, 12, 30) / 1000;
    // bank-db stopped reporting 50 minutes ago; its last values looked healthy.
    const d = { DBInstanceIdentifier: 'bank-db' };
    const until = (v: number) => (m: number) => (m < now - 3000 ? v : undefined);
    cw.metric('AWS/RDS', 'CPUUtilization', d, until(35));
    cw.metric('AWS/RDS', 'DatabaseConnections', d, until(120));
    cw.metric('AWS/RDS', 'FreeStorageSpace', d, until(120 * 1024 ** 3));
    // Evictions reached CloudWatch for the last full hour only.
    const c = { CacheClusterId: 'bank-cache-0001-001' };
    cw.metric('AWS/ElastiCache', 'Evictions', c, (m) => (m >= now - 5400 && m < now - 1800 ? 0 : undefined));
    const r = await run({ aws: { rds: { instances: [{ id: 'bank-db', maxConnections: 500, allocatedStorage: 200 }] }, elasticache } }, [], { NVCOPS_NOW: new Date(now * 1000).toISOString() });
    const byId = results(r.stdout);
    for (const id of ['aws.rds-cpu', 'aws.rds-connections', 'aws.rds-free-storage']) {
      expect(byId[id], id).toMatchObject({ status: 'error', message: expect.stringMatching(/^too little recent data for bank-db \(last datapoint 50 min ago, \d+ of \d+ (minutes|5-min periods) reported\)/) });
    }
    expect(byId['aws.rds-cpu']!.details).toEqual([
      'bank-db: last datapoint 50 min ago (2026-01-15 11:35 UTC) for AWS/RDS CPUUtilization DBInstanceIdentifier=bank-db',
      'bank-db: 2 of 12 5-min periods reported for AWS/RDS CPUUtilization DBInstanceIdentifier=bank-db',
    ]);
    expect(byId['aws.elasticache-evictions']).toMatchObject({ status: 'error', message: 'too little recent data for bank-cache-0001-001 (1 of 24 hours reported) (Sum, Evictions summed over the last 24 h)' });
    // The healthy resources still pass.
    expect(byId['aws.elasticache-memory']!.status).toBe('pass');
    expect(r.exitCode).toBe(3);
  });

  it('retries throttling with backoff and passes; still throttled after the retries is an error', async () => {
    healthyDatabases();
    cw.fail('GetMetricData', 'Throttling', 1);
    const once = await run({ aws: { rds: { instances: ['bank-db'] } } }, ['--concurrency', '1']);
    expect(results(once.stdout)['aws.rds-cpu']!.status).toBe('pass');
    cw.reset();
    healthyDatabases();
    cw.fail('GetMetricData', 'Throttling');
    const always = await run({ aws: { rds: { instances: ['bank-db'] } } });
    const cpu = results(always.stdout)['aws.rds-cpu']!;
    expect(cpu).toMatchObject({ status: 'error', message: expect.stringMatching(/GetMetricData still throttled after 3 attempts with backoff \(Throttling\)/) });
    expect(always.exitCode).toBe(3);
  });

  it('names the IAM action on AccessDenied, and never prints the secret key', async () => {
    cw.fail('GetMetricData', 'AccessDenied');
    // Wide enough that the message is one line (the wrapping is test/screen.test.ts's).
    const r = await run({ aws: { rds: { instances: ['bank-db'] } } }, ['--format', 'human'], { COLUMNS: '1000' });
    expect(r.stdout).toMatch(/access denied to cloudwatch:GetMetricData; allow cloudwatch:GetMetricData/);
    expect(r.stdout + r.stderr).not.toContain(cw.env().AWS_SECRET_ACCESS_KEY);
    // One call per RDS check: AccessDenied is not retried.
    expect(cw.calls()).toHaveLength(3);
  });

  it('says what is missing when AWS is configured without a region or credentials', async () => {
    const noRegion = await run({ aws: { rds: { instances: ['bank-db'] } } }, [], { AWS_REGION: '' });
    expect(results(noRegion.stdout)['aws.rds-cpu']).toMatchObject({ status: 'error', message: expect.stringContaining('AWS region missing: set aws.region or AWS_REGION') });
    const noCredentials = await run({ aws: { rds: { instances: ['bank-db'] } } }, [], { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
    expect(results(noCredentials.stdout)['aws.rds-cpu']).toMatchObject({ status: 'error', message: expect.stringContaining('AWS credentials not found') });
    expect(cw.calls()).toHaveLength(0);
  });

  it('skips every AWS line when AWS is not configured, and never loads the SDK', async () => {
    // The SDK is its own bundle (dist/aws.cjs); a preloaded script lists every CommonJS file Node loaded.
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-hook-'));
    const log = join(dir, 'loaded.txt');
    writeFileSync(join(dir, 'hook.cjs'), `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(log)}, Object.keys(require.cache).join('\\n')));\n`);
    const withHook = { NODE_OPTIONS: `--require=${join(dir, 'hook.cjs')}` };
    const r = await nvcops(['health', 'daily', '--config', writeConfig({ environment: 'staging' }), '--format', 'json'], { env: { ...cw.env(), ...withHook } });
    const report = JSON.parse(r.stdout);
    const aws = report.items.flatMap((i: { results: Result[] }) => i.results).filter((x: Result) => x.id.startsWith('aws.'));
    expect(aws.length).toBe(14);
    for (const x of aws) expect(x).toMatchObject({ status: 'skip', message: expect.stringContaining('AWS not configured') });
    const loaded = readFileSync(log, 'utf8');
    expect(loaded).toContain('/dist/cli.cjs');
    expect(loaded).not.toContain('/dist/aws.cjs');
    expect(cw.requests).toHaveLength(0);
    // The same hook sees the SDK load once AWS is configured, so the assertion above can fail.
    await nvcops(['health', 'daily', '--config', writeConfig({ aws: { rds: { instances: ['bank-db'] } } }), '--format', 'json'], { env: { ...cw.env(), ...withHook } });
    expect(readFileSync(log, 'utf8')).toContain('/dist/aws.cjs');
  });
});
