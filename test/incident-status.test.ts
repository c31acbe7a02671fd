import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsEndpoint } from './support/aws-endpoint.js';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
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
      postgres: { url: pg.monitorUrl }, redis: { url: redis.url },
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
      postgres: { url: pg.monitorUrl, replicas: [{ name: 'replica1', url: 'postgres://postgres:Pw-in-url-9@127.0.0.1:1/postgres' }] },
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
      // AWS answered and refused the credentials: the targets were not seen, which is not an outage (exit 3, not 2).
      expect(denied.exitCode).toBe(3);
      expect(JSON.parse(denied.stdout).sections[0].data[0]).toMatchObject({ up: null, detail: expect.stringMatching(/cloudwatch:GetMetricStatistics/) });
    } finally {
      await aws.stop();
    }
  });

  it('exits 78 naming the keys when nothing is configured to probe, and 78 for a dashboard without a URL', async () => {
    const r = await nvcops(['incident', 'status', '--config', writeConfig({ environment: 'staging' })]);
    expect([r.exitCode, r.stdout, r.stderr]).toEqual([78, '', 'nvcops: invalid configuration: incident status: nothing configured to probe: set services[], postgres.url, redis.url or aws.loadBalancer with aws.targetGroup']);
    const bad = await nvcops(['incident', 'status', '--config', writeConfig({ links: { dashboards: [{ name: 'x', url: 'not a url' }] } })]);
    expect(bad.exitCode).toBe(78);
    expect(bad.stderr).toMatch(/links\.dashboards\[0\]\.url/);
  });
});

describe('PostgreSQL that answers but refuses nvcops\' login', () => {
  const PASSWORD = 'Wr0ng-hunter2-pw';
  let pg: PgServer;
  let refused: { postgres: unknown };

  beforeAll(async () => {
    pg = await startPostgres();
    // A role pg_hba.conf turns away before any password, above the harness's scram lines.
    const hba = join(pg.dataDir, 'pg_hba.conf');
    writeFileSync(hba, `host all blocked 127.0.0.1/32 reject\n${readFileSync(hba, 'utf8')}`);
    await pg.sql('SELECT pg_reload_conf()');
    refused = {
      postgres: {
        url: pg.urlFor('nvcops_monitor', 'postgres', PASSWORD),
        replicas: [
          { name: 'no-role', url: pg.urlFor('nobody', 'postgres', PASSWORD) },
          { name: 'no-db', url: pg.urlFor('nvcops_monitor', 'ledgr') },
        ],
      },
    };
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('postgres.connect-time is error naming what to fix (28P01, 28000, 3D000), never fail; a refused connection stays fail', async () => {
    const r = await nvcops(['health', 'db', '--config', writeConfig(refused), '--format', 'json']);
    const { byId } = parseReport(r.stdout);
    expect(byId['postgres.connect-time']).toMatchObject({
      status: 'error',
      message: '3 servers refused nvcops\' login: PostgreSQL primary (127.0.0.1:' + pg.port + '/postgres) refused nvcops\' login as nvcops_monitor: password authentication failed for user "nvcops_monitor" — fix the password in postgres.url',
    });
    expect(byId['postgres.connect-time']!.details).toEqual([
      expect.stringMatching(/^PostgreSQL primary \(.+\) refused nvcops' login as nvcops_monitor: .+ — fix the password in postgres\.url$/),
      expect.stringMatching(/^PostgreSQL no-role \(.+\) refused nvcops' login as nobody: password authentication failed for user "nobody" — fix the password in postgres\.replicas\[0\]\.url$/),
      expect.stringMatching(/^PostgreSQL no-db \(.+\) refused nvcops' login as nvcops_monitor: database "ledgr" does not exist — fix the database in postgres\.replicas\[1\]\.url$/),
    ]);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).not.toContain(PASSWORD);
    const rejected = writeConfig({ postgres: { url: pg.urlFor('blocked', 'postgres', PASSWORD) } });
    const hba = parseReport((await nvcops(['health', 'db', '--config', rejected, '--format', 'json'])).stdout).byId['postgres.connect-time']!;
    expect(hba).toMatchObject({ status: 'error', message: expect.stringMatching(/refused nvcops' login as blocked: pg_hba\.conf rejects connection for host .+ — fix the user in postgres\.url, or let the role log in/) });
    const withGone = writeConfig({ postgres: { ...(refused.postgres as object), replicas: [{ name: 'gone', url: 'postgres://nvcops_monitor:x@127.0.0.1:1/postgres' }] } });
    expect(parseReport((await nvcops(['health', 'db', '--config', withGone, '--format', 'json'])).stdout).byId['postgres.connect-time']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^gone not accepting connections: .+connection refused/) });
  });

  it('incident status shows it NOT SEEN (exit 3, not down) and classify proposes no P0 outage from it', async () => {
    const config = writeConfig(refused);
    const r = await nvcops(['incident', 'status', '--config', config, '--format', 'json']);
    expect(r.exitCode).toBe(3);
    const states: State[] = JSON.parse(r.stdout).sections[0].data;
    expect(states.map((s) => [s.name, s.up])).toEqual([['primary', null], ['no-role', null], ['no-db', null]]);
    expect(r.stdout).not.toContain(PASSWORD);
    const human = await nvcops(['incident', 'status', '--config', config]);
    expect(human.stdout).toMatch(/! Systems — 3 of 3 could not be seen: primary, no-role, no-db\n/);
    expect(human.stdout).toMatch(/NOT SEEN\s+primary\s+postgres/);
    const c = JSON.parse((await nvcops(['incident', 'classify', '--config', config, '--format', 'json'], { env: { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'nvcops-classify-state-')) } })).stdout);
    expect(c.proposed).not.toBe('P0');
    expect(c.reasons.map((x: { kind: string }) => x.kind)).not.toContain('Complete system outage');
    expect(c.unseen).toContain(`primary: PostgreSQL primary (127.0.0.1:${pg.port}/postgres) refused nvcops' login as nvcops_monitor: password authentication failed for user "nvcops_monitor" — fix the password in postgres.url`);
  });
});

describe('Redis that answers but refuses nvcops\' login or PING', () => {
  const PASSWORD = 'Wr0ng-hunter2-pw';
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedis(['--requirepass', 'right-pw']);
    const admin = new Redis({ port: redis.port, host: '127.0.0.1', password: 'right-pw', maxRetriesPerRequest: 0 });
    await admin.call('ACL', 'SETUSER', 'monitor', 'on', '>monitor-pw', '+info');
    admin.disconnect();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const at = () => `127.0.0.1:${redis.port}`;
  const status = async (url: string) => {
    const r = await nvcops(['incident', 'status', '--config', writeConfig({ redis: { url } }), '--format', 'json']);
    expect(r.stdout).not.toContain(PASSWORD);
    return { exitCode: r.exitCode, state: (JSON.parse(r.stdout).sections[0].data as State[])[0]! };
  };

  it('incident status shows it NOT SEEN (exit 3) for WRONGPASS, NOAUTH and NOPERM on PING; up with the right password, down on a refused port', async () => {
    expect(await status(`redis://:right-pw@${at()}`)).toMatchObject({ exitCode: 0, state: { up: true, detail: 'PONG' } });
    expect(await status(`redis://:${PASSWORD}@${at()}`)).toEqual({ exitCode: 3, state: expect.objectContaining({
      up: null, detail: `Redis (${at()}) refused nvcops' login as default: WRONGPASS invalid username-password pair or user is disabled. — fix the user or password in redis.url, or enable the user (ACL SETUSER default on)`,
    }) });
    expect(await status(`redis://${at()}`)).toMatchObject({ exitCode: 3, state: { up: null, detail: expect.stringMatching(/NOAUTH .+ — set the password in redis\.url$/) } });
    expect(await status(`redis://monitor:monitor-pw@${at()}`)).toMatchObject({ exitCode: 3, state: { up: null, detail: expect.stringMatching(/missing privilege \(NOPERM .*'ping'/) } });
    expect(await status(`redis://:right-pw@127.0.0.1:1`)).toMatchObject({ exitCode: 2, state: { up: false, detail: expect.stringMatching(/connection refused/) } });
    const human = await nvcops(['incident', 'status', '--config', writeConfig({ redis: { url: `redis://:${PASSWORD}@${at()}` } })]);
    expect(human.stdout).toMatch(/! Systems — 1 of 1 could not be seen: redis\n/);
    expect(human.stdout).toMatch(/NOT SEEN\s+redis\s+redis/);
    expect(human.stdout).not.toContain(PASSWORD);
  });

  it('incident classify counts neither as an outage nor as an authentication issue, and lists it as could not be seen', async () => {
    // Wrong password: no check sees anything, so nothing can be proposed; NOPERM on PING: the INFO checks pass, so P3 at most.
    for (const [url, unseen, proposed] of [
      [`redis://:${PASSWORD}@${at()}`, `redis: Redis (${at()}) refused nvcops' login as default: WRONGPASS`, null],
      [`redis://monitor:monitor-pw@${at()}`, `redis: Redis (${at()}): missing privilege (NOPERM`, 'P3'],
    ] as const) {
      const r = await nvcops(['incident', 'classify', '--config', writeConfig({ redis: { url } }), '--format', 'json'], { env: { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'nvcops-classify-state-')) } });
      expect(r.stdout).not.toContain(PASSWORD);
      const c = JSON.parse(r.stdout);
      expect(c.proposed).toBe(proposed);
      expect(c.reasons.map((x: { kind: string }) => x.kind)).toEqual(proposed ? ['Minor bugs'] : []);
      expect(c.unseen).toContainEqual(expect.stringContaining(unseen));
      expect(c.unseen).toContainEqual(expect.stringMatching(/^redis\.ping: /));
      expect(r.exitCode).toBe(3);
    }
  });
});
