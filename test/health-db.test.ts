import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { startPostgres, startRedis, type PgServer, type RedisServer } from './support/servers.js';
import { nvcops, writeConfig } from './support/cli.js';

const PASSWORD = 'S3cret-hunter2-pw';

describe('nvcops health db against real servers', () => {
  let pg: PgServer;
  let redis: RedisServer;
  let config: string;
  let redisUrl: string;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres({ settings: { max_connections: 20 } }), startRedis(['--requirepass', PASSWORD])]);
    // A least-privilege monitoring role, as the README recommends; the password sits in the URL so every format is checked for it.
    await pg.sql(`CREATE ROLE nvcops_monitor LOGIN PASSWORD '${PASSWORD}' IN ROLE pg_monitor`);
    redisUrl = `redis://:${PASSWORD}@127.0.0.1:${redis.port}`;
    config = writeConfig({
      environment: 'staging',
      postgres: { url: pg.urlFor('nvcops_monitor', 'postgres', PASSWORD), replicas: [{ name: 'gone', url: `postgres://nvcops_monitor:${PASSWORD}@127.0.0.1:1/postgres` }] },
      redis: { url: redisUrl },
    });
  });
  afterAll(async () => {
    await Promise.all([pg?.stop(), redis?.stop()]);
  });

  it('passes a healthy PostgreSQL and Redis and exits 0 (json)', async () => {
    const plain = writeConfig({ environment: 'staging', postgres: { url: pg.urlFor('nvcops_monitor', 'postgres', PASSWORD) }, redis: { url: redisUrl } });
    const r = await nvcops(['health', 'db', '--config', plain, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ schemaVersion: 1, command: 'health db', environment: 'staging', status: 'pass', exitCode: 0 });
    const results = report.items.flatMap((i: { results: unknown[] }) => i.results);
    const byId = Object.fromEntries(results.map((x: { id: string }) => [x.id, x]));
    expect(byId['postgres.connect-time']).toMatchObject({ status: 'pass', observed: { unit: 'ms' }, threshold: { warn: '> 2s', fail: '> 8s' } });
    expect(byId['postgres.connection-saturation'].observed.value).toBeGreaterThan(0);
    expect(byId['postgres.connection-saturation'].message).toMatch(/of 17 usable connections \(max_connections 20, 3 reserved\)/);
    expect(byId['redis.ping']).toMatchObject({ status: 'pass', message: expect.stringContaining('PONG') });
  });

  it('fails connection saturation when the slots are nearly used up, and names the threshold', async () => {
    const held = await Promise.all(Array.from({ length: 15 }, () => pg.connect()));
    try {
      const plain = writeConfig({ postgres: { url: pg.urlFor('nvcops_monitor') } });
      const r = await nvcops(['health', 'db', '--config', plain, '--format', 'json']);
      expect(r.exitCode).toBe(2);
      const sat = JSON.parse(r.stdout).items[0].results.find((x: { id: string }) => x.id === 'postgres.connection-saturation');
      expect(sat.status).toBe('fail');
      expect(sat.observed.value).toBeGreaterThanOrEqual(90);
      // Redis is not configured here: skipped with the reason, not passed.
      const ping = JSON.parse(r.stdout).items[1].results[0];
      expect(ping).toMatchObject({ status: 'skip', message: expect.stringContaining('redis.url') });
    } finally {
      await Promise.all(held.map((c) => c.end()));
    }
  });

  it('warns at 80% and a config override moves the threshold', async () => {
    const held = await Promise.all(Array.from({ length: 13 }, () => pg.connect()));
    try {
      const plain = writeConfig({ postgres: { url: pg.urlFor('nvcops_monitor') } });
      const warned = await nvcops(['health', 'db', '--config', plain, '--format', 'json']);
      expect(warned.exitCode).toBe(1);
      const relaxed = writeConfig({ postgres: { url: pg.urlFor('nvcops_monitor') }, thresholds: { 'postgres.connection-saturation': { warn: '>= 95%', fail: '>= 99%' } } });
      const passed = await nvcops(['health', 'db', '--config', relaxed, '--format', 'json']);
      expect(passed.exitCode).toBe(0);
      expect(JSON.parse(passed.stdout).items[0].results[1].threshold).toEqual({ warn: '>= 95%', fail: '>= 99%' });
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
    const results = JSON.parse(r.stdout).items.flatMap((i: { results: unknown[] }) => i.results);
    expect(results.map((x: { id: string; status: string }) => [x.id, x.status])).toEqual([
      ['postgres.connect-time', 'fail'],
      ['postgres.connection-saturation', 'error'],
      ['redis.ping', 'fail'],
    ]);
    expect(results[0].message).toMatch(/connection refused/);
    expect(results[2].message).toBe('Redis (127.0.0.1:1): connection refused');
    expect(r.stdout).not.toContain(PASSWORD);
  });

  it('reports a frozen PostgreSQL (SIGSTOP) as error within the check timeout, and the run still finishes', async () => {
    const frozen = await startPostgres();
    const cfg = writeConfig({ postgres: { url: frozen.url, connectTimeout: '2s' }, redis: { url: redisUrl } });
    process.kill(frozen.pid(), 'SIGSTOP');
    try {
      const t0 = Date.now();
      const r = await nvcops(['health', 'db', '--config', cfg, '--format', 'json']);
      expect(Date.now() - t0).toBeLessThan(15_000);
      const results = JSON.parse(r.stdout).items.flatMap((i: { results: unknown[] }) => i.results);
      expect(results[0]).toMatchObject({ id: 'postgres.connect-time', status: 'fail' });
      expect(results[1]).toMatchObject({ id: 'postgres.connection-saturation', status: 'error' });
      expect(results[2]).toMatchObject({ id: 'redis.ping', status: 'pass' });
      expect(r.exitCode).toBe(2);
    } finally {
      process.kill(frozen.pid(), 'SIGCONT');
      await frozen.stop();
    }
  });

  it('renders every format, and the password in the URLs appears in none of them', async () => {
    for (const format of ['human', 'json', 'junit', 'nagios', 'markdown']) {
      const r = await nvcops(['health', 'db', '--config', config, '--format', format]);
      // The replica is down: a failure path whose messages must not carry the secret either.
      expect(r.exitCode, format).toBe(2);
      expect(r.stdout + r.stderr, format).not.toContain(PASSWORD);
      expect(r.stdout.length, format).toBeGreaterThan(50);
    }
    const nag = await nvcops(['health', 'db', '--config', config, '--format', 'nagios']);
    expect(nag.stdout.split('\n')[0]).toMatch(/^NVCOPS CRITICAL - health db: postgres\.connect-time FAIL \| 'postgres\.connection-saturation'=[\d.]+%;80;90;0;100 'redis\.ping'=[\d.]+ms;100;1000$/);
    expect(nag.exitCode).toBe(2);
    const junit = new XMLParser({ ignoreAttributes: false }).parse((await nvcops(['health', 'db', '--config', config, '--format', 'junit'])).stdout);
    expect(junit.testsuites['@_tests']).toBe('3');
    expect(junit.testsuites['@_failures']).toBe('1');
    const human = await nvcops(['health', 'db', '--config', config]);
    expect(human.stdout).toMatch(/✖ Database connections healthy/);
    expect(human.stdout).toMatch(/gone \(127\.0\.0\.1:1\/postgres\): DOWN — PostgreSQL gone .*connection refused/);
    expect(human.stdout).toMatch(/✔ Cache answering/);
    expect(human.stdout).not.toMatch(/\u001b\[/);
    const conf = await nvcops(['config', 'check', '--config', config]);
    expect(conf.exitCode).toBe(0);
    expect(conf.stdout).toContain('nvcops_monitor:***@');
    expect(conf.stdout).not.toContain(PASSWORD);
  });

  it('writes --report files for CI artifacts beside the stdout format', async () => {
    const dir = writeConfig({}).replace(/nvcops\.yaml$/, '');
    const plain = writeConfig({ postgres: { url: pg.urlFor('nvcops_monitor', 'postgres', PASSWORD) }, redis: { url: redisUrl } });
    const r = await nvcops(['health', 'db', '--config', plain, '--format', 'nagios', '--report', `junit=${dir}out/report.xml`, '--report', `json=${dir}out/report.json`]);
    expect(r.exitCode).toBe(0);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`${dir}out/report.xml`, 'utf8')).toContain('<testsuites');
    const json = readFileSync(`${dir}out/report.json`, 'utf8');
    expect(JSON.parse(json).status).toBe('pass');
    expect(json).not.toContain(PASSWORD);
  });

  it('takes its target from NVCOPS_POSTGRES_URL and the environment, not only the file', async () => {
    const r = await nvcops(['health', 'db', '--format', 'json'], { env: { NVCOPS_POSTGRES_URL: pg.urlFor('nvcops_monitor', 'postgres', PASSWORD) } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toContain(PASSWORD);
    const libpq = await nvcops(['health', 'db', '--format', 'json'], { env: { PGHOST: '127.0.0.1', PGPORT: String(pg.port), PGUSER: 'nvcops_monitor', PGDATABASE: 'postgres', PGPASSWORD: PASSWORD } });
    expect(JSON.parse(libpq.stdout).items[0].results[0].status).toBe('pass');
  });
});
