import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsEndpoint } from './support/aws-endpoint.js';
import { nvcops, writeConfig } from './support/cli.js';
import { startPostgres, startRedis, type PgServer, type RedisServer } from './support/servers.js';

interface State { kind: string; name: string; up: boolean; latencyMs: number | null; detail: string }

describe('nvcops incident status (system_status.sh)', () => {
  let pg: PgServer;
  let redis: RedisServer;
  let http: Server;
  let base: string;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    http = createServer((req, res) => {
      if (req.url === '/healthz') { res.writeHead(200); res.end('ok'); return; }
      if (req.url === '/broken') { res.writeHead(503); res.end('down'); return; }
      // /hangs never answers: a frozen upstream.
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    http?.closeAllConnections();
    http?.close();
    await Promise.all([pg?.stop(), redis?.stop()]);
  });

  it('shows every system up with its latency, then the dashboards, and exits 0', async () => {
    const config = writeConfig({
      postgres: { url: pg.url }, redis: { url: redis.url },
      services: [{ name: 'payments-api', url: `${base}/healthz` }],
      links: { dashboards: [{ name: 'Grafana — payments', url: 'https://monitoring.nvcfund.com/d/payments' }] },
    });
    const r = await nvcops(['incident', 'status', '--config', config, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const [systems, dashboards] = JSON.parse(r.stdout).sections;
    expect(systems.data.map((s: State) => [s.kind, s.name, s.up])).toEqual(expect.arrayContaining([
      ['service', 'payments-api', true], ['postgres', 'primary', true], ['redis', 'redis', true],
    ]));
    expect(systems.data.find((s: State) => s.name === 'primary').detail).toBe('accepting writes');
    expect(systems.data.every((s: State) => typeof s.latencyMs === 'number')).toBe(true);
    expect(dashboards.lines).toEqual(['Grafana — payments: https://monitoring.nvcfund.com/d/payments']);
    const human = await nvcops(['incident', 'status', '--config', config]);
    expect(human.stdout).toMatch(/✔ Systems — all 3 up/);
    expect(human.stdout).toMatch(/up\s+payments-api\s+service\s+127\.0\.0\.1:\d+\/healthz\s+\d+ ms\s+HTTP 200/);
    expect(human.stdout).toMatch(/✔ Dashboards — 1 configured\n\s+Grafana — payments: https:\/\/monitoring\.nvcfund\.com\/d\/payments/);
  });

  it('puts what is down first — refused, HTTP 503, no answer — and exits 2', async () => {
    const config = writeConfig({
      postgres: { url: pg.url, replicas: [{ name: 'replica1', url: 'postgres://postgres:Pw-in-url-9@127.0.0.1:1/postgres' }] },
      redis: { url: 'redis://127.0.0.1:1' },
      services: [
        { name: 'payments-api', url: `${base}/healthz` },
        { name: 'ledger', url: `${base}/broken` },
        { name: 'cards', url: `${base}/hangs`, timeout: '1s' },
      ],
    });
    const r = await nvcops(['incident', 'status', '--config', config, '--format', 'json']);
    expect(r.exitCode).toBe(2);
    const states: State[] = JSON.parse(r.stdout).sections[0].data;
    const down = states.filter((s) => !s.up);
    expect(states.slice(0, down.length)).toEqual(down);
    expect(Object.fromEntries(down.map((s) => [s.name, s.detail]))).toEqual({
      ledger: 'HTTP 503',
      cards: 'no answer within 1000 ms',
      replica1: expect.stringMatching(/connection refused/),
      redis: expect.stringMatching(/connection refused/),
    });
    expect(states.filter((s) => s.up).map((s) => s.name).sort()).toEqual(['payments-api', 'primary']);
    expect(r.stdout).not.toContain('Pw-in-url-9');
    const human = await nvcops(['incident', 'status', '--config', config]);
    expect(human.stdout).toMatch(/▲ Systems — 4 of 6 DOWN/);
    expect(human.stdout).toMatch(/– Dashboards — none configured: list them in links.dashboards\[\]/);
  });

  it('reads the load balancer\'s healthy targets from CloudWatch when AWS is configured', async () => {
    const aws = await startAwsEndpoint();
    try {
      const lb = 'app/bank-api/50dc6c495c0c9188';
      const tg = 'targetgroup/bank-api/73e2d6bc24d8a067';
      const config = writeConfig({ aws: { region: 'eu-west-1', loadBalancer: lb, targetGroup: tg } });
      let healthy = 2;
      aws.metric('AWS/ApplicationELB', 'HealthyHostCount', { LoadBalancer: lb, TargetGroup: tg }, () => healthy);
      const up = await nvcops(['incident', 'status', '--config', config, '--format', 'json'], { env: aws.env() });
      expect(up.exitCode).toBe(0);
      expect(JSON.parse(up.stdout).sections[0].data).toEqual([expect.objectContaining({ kind: 'aws', name: 'load balancer targets', up: true, detail: '2 healthy host(s)' })]);
      expect(aws.calls('GetMetricStatistics')[0]!.body).toMatchObject({ Namespace: 'AWS/ApplicationELB', MetricName: 'HealthyHostCount', Statistics: ['Minimum'] });
      healthy = 0;
      const down = await nvcops(['incident', 'status', '--config', config, '--format', 'json'], { env: aws.env() });
      expect(down.exitCode).toBe(2);
      expect(JSON.parse(down.stdout).sections[0].data[0]).toMatchObject({ up: false, detail: 'no healthy target behind the load balancer' });
      aws.fail('GetMetricStatistics', 'AccessDenied', Infinity);
      const denied = await nvcops(['incident', 'status', '--config', config, '--format', 'json'], { env: aws.env() });
      expect(JSON.parse(denied.stdout).sections[0].data[0]).toMatchObject({ up: false, detail: expect.stringMatching(/cloudwatch:GetMetricStatistics/) });
    } finally {
      await aws.stop();
    }
  });

  it('exits 3 when nothing is configured to probe, and 78 for a dashboard without a URL', async () => {
    const r = await nvcops(['incident', 'status']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toMatch(/nothing configured to probe/);
    const bad = await nvcops(['incident', 'status', '--config', writeConfig({ links: { dashboards: [{ name: 'x', url: 'not a url' }] } })]);
    expect(bad.exitCode).toBe(78);
    expect(bad.stderr).toMatch(/links\.dashboards\[0\]\.url/);
  });
});
