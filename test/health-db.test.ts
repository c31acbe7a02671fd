import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { secretsIn, startPostgres, startRedis, type PgServer, type RedisServer } from './support/servers.js';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { procedures } from '../src/runbook/procedures.js';

const PASSWORD = 'S3cret-hunter2-pw';

describe('nvcops health db against real servers', () => {
  let pg: PgServer;
  let redis: RedisServer;
  let config: string;
  let redisUrl: string;

  beforeAll(async () => {
    // The slow log records only commands over 1 s here: on a loaded machine an ordinary command can pass 10 ms and
    // turn these healthy-path verdicts into a warning (test/redis-checks.test.ts covers the slow log).
    [pg, redis] = await Promise.all([startPostgres({ settings: { max_connections: 20 } }), startRedis(['--slowlog-log-slower-than', '1000000'])]);
    // The harness's least-privilege monitoring role, as the README recommends; the passwords sit in the URLs so every format is checked for them.
    redisUrl = redis.url;
    config = writeConfig({
      environment: 'staging',
      postgres: { url: pg.monitorUrl, replicas: [{ name: 'gone', url: `postgres://nvcops_monitor:${PASSWORD}@127.0.0.1:1/postgres` }] },
      redis: { url: redisUrl },
    });
  });
  afterAll(async () => {
    await Promise.all([pg?.stop(), redis?.stop()]);
  });

  it('passes a healthy PostgreSQL and Redis and exits 0 (json)', async () => {
    const plain = writeConfig({ environment: 'staging', postgres: { url: pg.monitorUrl }, redis: { url: redisUrl } });
    const r = await nvcops(['health', 'db', '--config', plain, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ schemaVersion: 2, command: 'health db', environment: 'staging', status: 'pass', exitCode: 0 });
    const { byId } = parseReport(r.stdout);
    // A fresh server: nothing to judge for the cache hit ratio or pg_stat_statements, and Redis persists nothing.
    for (const id of ['postgres.cache-hit-ratio', 'postgres.slow-statements', 'redis.persistence', 'redis.hit-ratio', 'redis.cluster']) expect(byId[id]!.status, id).toBe('skip');
    expect(Object.values(byId).filter((x) => x.status !== 'skip').map((x) => [x.id, x.status]).filter(([, s]) => s !== 'pass')).toEqual([]);
    expect(byId['postgres.connect-time']).toMatchObject({ status: 'pass', observed: { unit: 'ms' }, threshold: { warn: '> 2s', fail: '> 8s' } });
    expect(byId['postgres.connection-saturation']!.observed!.value).toBeGreaterThan(0);
    expect(byId['postgres.connection-saturation']!.message).toMatch(/of 17 usable connections \(max_connections 20, 3 reserved\)/);
    expect(byId['redis.ping']).toMatchObject({ status: 'pass', message: expect.stringContaining('PONG') });
  });

  it('fails connection saturation when the slots are nearly used up, and names the threshold', async () => {
    const held = await Promise.all(Array.from({ length: 15 }, () => pg.connect()));
    try {
      const plain = writeConfig({ postgres: { url: pg.monitorUrl } });
      const r = await nvcops(['health', 'db', '--config', plain, '--format', 'json']);
      expect(r.exitCode).toBe(2);
      const { byId } = parseReport(r.stdout);
      const sat = byId['postgres.connection-saturation']!;
      expect(sat.status).toBe('fail');
      expect(sat.observed!.value).toBeGreaterThanOrEqual(90);
      // Redis is not configured here: skipped with the reason, not passed.
      const ping = byId['redis.ping'];
      expect(ping).toMatchObject({ status: 'skip', message: expect.stringContaining('redis.url') });
    } finally {
      await Promise.all(held.map((c) => c.end()));
    }
  });

  it('warns at 80% and a config override moves the threshold', async () => {
    const held = await Promise.all(Array.from({ length: 13 }, () => pg.connect()));
    try {
      const plain = writeConfig({ postgres: { url: pg.monitorUrl } });
      const warned = await nvcops(['health', 'db', '--config', plain, '--format', 'json']);
      expect(warned.exitCode).toBe(1);
      const relaxed = writeConfig({ postgres: { url: pg.monitorUrl }, thresholds: { 'postgres.connection-saturation': { warn: '>= 95%', fail: '>= 99%' } } });
      const passed = await nvcops(['health', 'db', '--config', relaxed, '--format', 'json']);
      expect(passed.exitCode).toBe(0);
      expect(parseReport(passed.stdout).byId['postgres.connection-saturation']!.threshold).toEqual({ warn: '>= 95%', fail: '>= 99%' });
      const gate = await nvcops(['health', 'db', '--config', plain, '--fail-on', 'fail']);
      expect(gate.exitCode).toBe(0);
    } finally {
      await Promise.all(held.map((c) => c.end()));
    }
  });

  it('fails when Redis is down and when PostgreSQL refuses connections', async () => {
    const down = writeConfig({ postgres: { url: `postgres://nvcops_monitor:${PASSWORD}@127.0.0.1:1/postgres` }, redis: { url: 'redis://127.0.0.1:1' } });
    const r = await nvcops(['health', 'db', '--config', down, '--format', 'json']);
    expect(r.exitCode).toBe(2);
    const { byId } = parseReport(r.stdout);
    expect(byId['postgres.connect-time']!.status).toBe('fail');
    expect(byId['redis.ping']!.status).toBe('fail');
    // Every other check of a server that refuses connections could not be evaluated.
    for (const x of Object.values(byId).filter((x) => !['postgres.connect-time', 'redis.ping', 'postgres.replication-lag', 'redis.cluster'].includes(x.id))) {
      expect(x.status, x.id).toBe('error');
    }
    expect(byId['postgres.connect-time']!.message).toMatch(/connection refused/);
    expect(byId['redis.ping']!.message).toBe('Redis (127.0.0.1:1): connection refused');
    expect(secretsIn(r.stdout, PASSWORD, pg, redis)).toEqual([]);
  });

  it('reports a frozen PostgreSQL (SIGSTOP) as error within the check timeout, and the run still finishes', async () => {
    const frozen = await startPostgres();
    const cfg = writeConfig({ postgres: { url: frozen.url, connectTimeout: '2s' }, redis: { url: redisUrl } });
    process.kill(frozen.pid(), 'SIGSTOP');
    try {
      const t0 = Date.now();
      const r = await nvcops(['health', 'db', '--config', cfg, '--format', 'json']);
      expect(Date.now() - t0).toBeLessThan(15_000);
      const { byId } = parseReport(r.stdout);
      expect(byId['postgres.connect-time']).toMatchObject({ status: 'fail' });
      expect(byId['postgres.connection-saturation']).toMatchObject({ status: 'error' });
      expect(byId['postgres.cache-hit-ratio']).toMatchObject({ status: 'error' });
      expect(byId['redis.ping']).toMatchObject({ status: 'pass' });
      expect(r.exitCode).toBe(2);
    } finally {
      process.kill(frozen.pid(), 'SIGCONT');
      await frozen.stop();
    }
  });

  it('writes perfdata ranges that alert where the verdict does: at a ">=" level itself, not only above it', async () => {
    // No dead rows (0%) and no invalid index (0): with "<= 0%" and ">= 0" both are warnings, and Nagios must read the perfdata the same way.
    const thresholds = { 'postgres.dead-tuples': { warn: '<= 0%' }, 'postgres.invalid-indexes': { warn: '>= 0' } };
    const plain = writeConfig({ postgres: { url: pg.monitorUrl }, thresholds });
    const r = await nvcops(['health', 'db', '--config', plain, '--format', 'nagios']);
    expect(r.stdout.split('\n')[0]).toMatch(/^NVCOPS WARNING - health db: postgres\.dead-tuples WARN 0%, postgres\.invalid-indexes WARN 0 \| /);
    const perf = r.stdout.split('\n')[0]!.split(' | ')[1]!.split(' ');
    // monitoring-plugins ranges alert outside start:end, ends included; "@" alerts inside: ">= 0" is "@0:", "<= 0" is "@~:0".
    expect(perf).toContain("'postgres.dead-tuples'=0%;@~:0;;0;100");
    expect(perf).toContain("'postgres.invalid-indexes'=0;@0:");
    expect(perf.find((p) => p.startsWith("'postgres.connection-saturation'="))).toMatch(/=[\d.]+%;@80:;@90:;0;100$/);
    expect(perf).toContain("'postgres.idle-in-transaction'=0s;~:300;~:900");
    expect(r.exitCode).toBe(1);
  });

  it('renders every format, and the password in the URLs appears in none of them', async () => {
    for (const format of ['human', 'json', 'junit', 'nagios', 'markdown']) {
      const r = await nvcops(['health', 'db', '--config', config, '--format', format]);
      // The replica is down: a failure path whose messages must not carry the secret either.
      expect(r.exitCode, format).toBe(2);
      expect(secretsIn(r.stdout + r.stderr, PASSWORD, pg, redis), format).toEqual([]);
      expect(r.stdout.length, format).toBeGreaterThan(50);
    }
    const nag = await nvcops(['health', 'db', '--config', config, '--format', 'nagios']);
    expect(nag.stdout.split('\n')[0]).toMatch(/^NVCOPS CRITICAL - health db: postgres\.connect-time FAIL, postgres\.replication-lag ERROR, postgres\.data-checksums ERROR, postgres\.oldest-transaction ERROR \| 'postgres\.connection-saturation'=[\d.]+%;@80:;@90:;0;100 .*'redis\.ping'=[\d.]+ms;~:100;~:1000/);
    expect(nag.exitCode).toBe(2);
    const junit = new XMLParser({ ignoreAttributes: false }).parse((await nvcops(['health', 'db', '--config', config, '--format', 'junit'])).stdout);
    // One testcase per check of the procedure, however many checks it has.
    expect(junit.testsuites['@_tests']).toBe(String(procedures['health db'].items.flatMap((i) => i.checks).length));
    expect(junit.testsuites['@_failures']).toBe('1');
    // Wide enough that no message wraps: the line is read whole (test/screen.test.ts tests the wrapping).
    const human = await nvcops(['health', 'db', '--config', config], { env: { COLUMNS: '1000' } });
    expect(human.stdout).toMatch(/✖ Database connections healthy/);
    expect(human.stdout).toMatch(/gone \(127\.0\.0\.1:1\/postgres\): DOWN — PostgreSQL gone .*connection refused/);
    expect(human.stdout).toMatch(/✔ Cache performance review/);
    expect(human.stdout).not.toMatch(/\u001b\[/);
    const conf = await nvcops(['config', 'check', '--config', config]);
    expect(conf.exitCode).toBe(0);
    expect(conf.stdout).toContain('nvcops_monitor:***@');
    expect(secretsIn(conf.stdout, PASSWORD, pg, redis)).toEqual([]);
  });

  it('writes --report files for CI artifacts beside the stdout format', async () => {
    const dir = writeConfig({}).replace(/nvcops\.yaml$/, '');
    const plain = writeConfig({ postgres: { url: pg.monitorUrl }, redis: { url: redisUrl } });
    const r = await nvcops(['health', 'db', '--config', plain, '--format', 'nagios', '--report', `junit=${dir}out/report.xml`, '--report', `json=${dir}out/report.json`]);
    expect(r.exitCode).toBe(0);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`${dir}out/report.xml`, 'utf8')).toContain('<testsuites');
    const json = readFileSync(`${dir}out/report.json`, 'utf8');
    expect(JSON.parse(json).status).toBe('pass');
    expect(secretsIn(json, PASSWORD, pg, redis)).toEqual([]);
  });

  it('takes its target from NVCOPS_POSTGRES_URL and the environment, not only the file', async () => {
    const r = await nvcops(['health', 'db', '--format', 'json'], { env: { NVCOPS_POSTGRES_URL: pg.monitorUrl } });
    expect(r.exitCode).toBe(0);
    expect(secretsIn(r.stdout, PASSWORD, pg, redis)).toEqual([]);
    const libpq = await nvcops(['health', 'db', '--format', 'json'], { env: { PGHOST: '127.0.0.1', PGPORT: String(pg.port), PGUSER: 'nvcops_monitor', PGDATABASE: 'postgres', PGPASSWORD: pg.monitorPassword, PGSSLMODE: 'verify-full', PGSSLROOTCERT: pg.ca! } });
    expect(parseReport(libpq.stdout).byId['postgres.connect-time']!.status).toBe('pass');
  });
});
