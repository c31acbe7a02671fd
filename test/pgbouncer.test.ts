import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { startPgbouncer, startPostgres, type PgbouncerServer, type PgServer } from './support/servers.js';
import { until } from './support/until.js';

/** weekly performance's connection pooler line against a real PgBouncer in front of a real PostgreSQL. */
describe('PgBouncer: clients waiting, longest wait, pools near their limit', () => {
  let server: PgServer;
  const clients: pg.Client[] = [];

  const connect = async (url: string) => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => undefined);
    await c.connect();
    clients.push(c);
    return c;
  };
  const review = async (bouncer: PgbouncerServer, thresholds: Record<string, unknown> = {}) => {
    const config = writeConfig({ pgbouncer: { url: bouncer.consoleUrl }, thresholds });
    const r = await nvcops(['weekly', 'performance', '--config', config, '--format', 'json']);
    expect(r.stderr).toBe('');
    return { ...parseReport(r.stdout), exitCode: r.exitCode, stdout: r.stdout };
  };

  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    for (const c of clients.splice(0)) await c.end().catch(() => undefined);
    await server?.stop();
  });

  it('passes a pooler with traffic and no queue, reading the console as a stats user; the other lines skip', async () => {
    const bouncer = await startPgbouncer(server);
    try {
      const app = await connect(bouncer.urlFor());
      await app.query('SELECT 1');
      const { byId, line, exitCode, stdout } = await review(bouncer);
      expect(byId['pgbouncer.clients-waiting']).toMatchObject({ status: 'pass', message: 'no client waiting in 1 pool' });
      expect(byId['pgbouncer.max-wait']).toMatchObject({ status: 'pass', observed: { value: 0 } });
      expect(byId['pgbouncer.pool-saturation']).toMatchObject({ status: 'pass', message: expect.stringMatching(/^postgres\/postgres: \d of pool_size 20 server connections in use \(\d+%\)$/) });
      expect(line('Connection pooler review').status).toBe('pass');
      expect(line('Database optimization').status).toBe('skip');
      expect(exitCode).toBe(0);
      expect(stdout).not.toContain(server.monitorPassword);
    } finally {
      await bouncer.stop();
    }
  });

  it('pool_size 1 held by an open transaction: more than 20 clients queue behind it, waiting long, the pool at its limit', async () => {
    const bouncer = await startPgbouncer(server, { poolSize: 1 });
    try {
      const holder = await connect(bouncer.urlFor());
      await holder.query('BEGIN; SELECT 1');
      const waiting = await Promise.all(Array.from({ length: 22 }, () => connect(bouncer.urlFor())));
      const queued = waiting.map((c) => c.query('SELECT 1').catch(() => undefined));
      const console = await connect(bouncer.consoleUrl);
      await until('22 clients waiting', async () => (await console.query('SHOW POOLS')).rows.some((r) => Number(r.cl_waiting) === 22));
      await new Promise((r) => setTimeout(r, 3000));
      // The longest wait is judged at 2 s here (default 15 s) so the test need not wait 15 s; the queue is real either way.
      const { byId, line, exitCode } = await review(bouncer, { 'pgbouncer.max-wait': { fail: '> 2s' } });
      expect(byId['pgbouncer.clients-waiting']).toMatchObject({ status: 'warn', observed: { value: 22 }, message: expect.stringMatching(/^22 clients waiting for a server connection: postgres\/postgres 22 — raise pool_size/) });
      expect(byId['pgbouncer.max-wait']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^postgres\/postgres: its oldest waiting client has waited \d+(\.\d)? s for a server connection \(22 waiting\)$/) });
      expect(byId['pgbouncer.max-wait']!.observed!.value).toBeGreaterThan(2);
      expect(byId['pgbouncer.pool-saturation']).toMatchObject({ status: 'fail', observed: { value: 100 }, message: 'postgres/postgres: 1 of pool_size 1 server connections in use (100%), 22 clients waiting' });
      expect(line('Connection pooler review').status).toBe('fail');
      expect(exitCode).toBe(2);
      await holder.query('COMMIT');
      await Promise.all(queued);
      expect((await review(bouncer)).byId['pgbouncer.clients-waiting']!.status).toBe('pass');
    } finally {
      for (const c of clients.splice(0)) await c.end().catch(() => undefined);
      await bouncer.stop();
    }
  });

  it('says error, naming the setting to fix, for a user that may not open the admin console', async () => {
    const bouncer = await startPgbouncer(server);
    try {
      const config = writeConfig({ pgbouncer: { url: bouncer.urlFor('pgbouncer') } });
      const { byId } = parseReport((await nvcops(['weekly', 'performance', '--config', config, '--format', 'json'])).stdout);
      expect(byId['pgbouncer.clients-waiting']).toMatchObject({ status: 'error', message: expect.stringContaining('stats_users') });
    } finally {
      await bouncer.stop();
    }
  });

  it('refuses a pgbouncer.url that is not a postgres:// URL, naming the key', async () => {
    const r = await nvcops(['weekly', 'performance', '--config', writeConfig({ pgbouncer: { url: 'http://127.0.0.1:6432/pgbouncer' } })]);
    expect(r.stderr).toMatch(/^nvcops: .*pgbouncer\.url: scheme http: is not allowed/);
    expect(r.exitCode).toBe(78);
  });
});
