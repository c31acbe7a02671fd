import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresBin, startPostgres, startRedis, startReplica, type PgServer, type RedisServer } from './support/servers.js';

/** The test servers meet tests as production does: no trust, TLS verified, a monitoring role, Redis with a password on a non-zero database. */
const psql = (url: string, sql: string) => execa(join(postgresBin(), 'psql'), ['-XAtc', sql, url], { reject: false, env: { PGCONNECT_TIMEOUT: '5' } });
const login = async (config: pg.ClientConfig): Promise<string> => {
  const c = new pg.Client(config);
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.query<{ r: string }>('select current_user || coalesce(\' ssl=\' || ssl::text, \'\') as r from pg_stat_ssl where pid = pg_backend_pid()')).rows[0]!.r;
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  } finally {
    await c.end().catch(() => undefined);
  }
};

describe('PostgreSQL as production runs it', () => {
  let server: PgServer;
  let strict: PgServer;
  let plain: PgServer;
  beforeAll(async () => {
    [server, strict, plain] = await Promise.all([startPostgres(), startPostgres({ requireTls: true }), startPostgres({ tls: false })]);
  });

  it('asks every role for its scram password (no trust), superuser included', async () => {
    expect(await login({ host: '127.0.0.1', port: server.port, user: 'postgres', database: 'postgres', password: 'wrong' })).toMatch(/password authentication failed for user "postgres"/);
    expect(await login({ connectionString: server.url })).toBe('postgres ssl=true');
    expect((await server.sql<{ v: string }>("select rolpassword like 'SCRAM-SHA-256$%' as v from pg_authid where rolname = 'postgres'"))[0]!.v).toBe(true);
    expect(server.url).toContain(`:${server.password}@`);
  });

  it('verifies the server certificate (verify-full against the throwaway CA) in the URLs it gives', async () => {
    expect(server.url).toMatch(new RegExp(`\\?sslmode=verify-full&sslrootcert=${server.ca}$`));
    expect((await psql(server.url, 'select ssl from pg_stat_ssl where pid = pg_backend_pid()')).stdout).toBe('t');
    // The certificate names localhost and 127.0.0.1, and nothing else.
    const other = server.url.replace('127.0.0.1', 'nvcops.invalid').replace('?', '?hostaddr=127.0.0.1&');
    expect((await psql(other, 'select 1')).stderr).toMatch(/server certificate for "localhost" \(and 1 other name\) does not match host name "nvcops\.invalid"/);
  });

  it('has a monitoring role with pg_monitor only', async () => {
    expect((await psql(server.monitorUrl, 'select current_user, pg_has_role(current_user, \'pg_monitor\', \'member\'), rolsuper from pg_roles where rolname = current_user')).stdout).toBe('nvcops_monitor|t|f');
    expect((await psql(server.monitorUrl, 'create table t(x int)')).stderr).toMatch(/permission denied/);
  });

  it('refuses a plain connection where TLS is required, and serves plain where TLS is off', async () => {
    expect(await login({ host: '127.0.0.1', port: strict.port, user: 'postgres', database: 'postgres', password: strict.password })).toMatch(/no pg_hba\.conf entry .* no encryption/);
    expect(await login({ connectionString: strict.url })).toBe('postgres ssl=true');
    expect(plain.ca).toBeUndefined();
    expect(plain.url).not.toContain('sslmode');
    expect(await login({ connectionString: plain.url })).toBe('postgres ssl=false');
    expect(await login({ host: '127.0.0.1', port: plain.port, user: 'postgres', database: 'postgres' })).toMatch(/refused: .*(password|SASL)/);
  });

  it('streams a replica over verified TLS', async () => {
    const replica = await startReplica(strict);
    try {
      expect((await replica.sql<{ r: boolean }>('select pg_is_in_recovery() as r'))[0]!.r).toBe(true);
      const conninfo = (await strict.sql<{ ssl: boolean }>("select s.ssl from pg_stat_replication r join pg_stat_ssl s using (pid)"));
      expect(conninfo).toEqual([{ ssl: true }]);
      expect(await login({ connectionString: replica.monitorUrl })).toBe('nvcops_monitor ssl=true');
    } finally {
      await replica.stop();
    }
  });
});

describe('Redis as production runs it', () => {
  let redis: RedisServer;
  beforeAll(async () => { redis = await startRedis(); });
  const clients: Redis[] = [];
  afterAll(() => clients.forEach((c) => c.disconnect()));
  const client = (opts: string | { port: number; host: string; password?: string; db?: number }) => {
    const common = { maxRetriesPerRequest: 0, retryStrategy: () => null };
    const c = typeof opts === 'string' ? new Redis(opts, common) : new Redis({ ...common, ...opts });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };

  it('asks for a password and names a non-zero database', async () => {
    expect(redis.url).toBe(`redis://:${redis.password}@127.0.0.1:${redis.port}/3`);
    expect(redis.db).toBe(3);
    await expect(client({ port: redis.port, host: '127.0.0.1' }).ping()).rejects.toThrow(/NOAUTH/);
    const c = client(redis.url);
    await c.set('k', 'v');
    expect(await client({ port: redis.port, host: '127.0.0.1', password: redis.password, db: 3 }).get('k')).toBe('v');
    expect(await client({ port: redis.port, host: '127.0.0.1', password: redis.password }).dbsize()).toBe(0);
    // The password went in as configuration, not on the server's command line.
    expect(readFileSync(`/proc/${redis.process.pid}/cmdline`, 'utf8')).not.toContain(redis.password);
  });

  it('takes a password given in the arguments as its own', async () => {
    const own = await startRedis(['--requirepass', 'given-pw']);
    expect(own.password).toBe('given-pw');
    expect(await client({ port: own.port, host: '127.0.0.1', password: 'given-pw' }).ping()).toBe('PONG');
    await own.stop();
  });
});
