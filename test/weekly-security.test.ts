import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startPostgres, startRedis, testCa, type PgServer, type RedisServer } from './support/servers.js';
import { type TestCa } from './support/certs.js';
import { nvcops, writeConfig } from './support/cli.js';
import { fakeApt } from './support/fake-apt.js';

type Result = { id: string; status: string; observed: { value: number } | null; message: string; details?: string[] };
const results = (stdout: string): Record<string, Result> =>
  Object.fromEntries(JSON.parse(stdout).items.flatMap((i: { results: Result[] }) => i.results).map((r: Result) => [r.id, r]));

const PASSWORD = 'Aud1t-only-S3cret';

describe('weekly security and maintain access against hardened and careless servers', () => {
  let ca: TestCa;
  let hardPg: PgServer;
  let softPg: PgServer;
  let hardRedis: RedisServer;
  let softRedis: RedisServer;
  let tlsPort: number;
  let hardConfig: string;
  let softConfig: string;

  beforeAll(async () => {
    // The CA the harness signs its PostgreSQL servers' certificates with signs Redis's too.
    ca = await testCa();
    const pair = await ca.leaf('server');
    tlsPort = await freePort();
    [hardPg, softPg, hardRedis, softRedis] = await Promise.all([
      startPostgres({
        settings: {
          password_encryption: 'scram-sha-256',
          log_connections: 'on', log_disconnections: 'on', shared_preload_libraries: 'pgaudit', 'pgaudit.log': 'ddl,role',
        },
      }),
      // Careless: no TLS, MD5 passwords.
      startPostgres({ tls: false, settings: { password_encryption: 'md5' } }),
      // TLS only; the default user off; the auditing user may read configuration and ACLs but run nothing dangerous.
      startRedis([
        '--port', '0', '--tls-port', String(tlsPort), '--tls-cert-file', pair.cert, '--tls-key-file', pair.key, '--tls-ca-cert-file', ca.ca, '--tls-auth-clients', 'no',
        '--user', 'default', 'off', '--user', 'nvcops', 'on', `>${PASSWORD}`, '~*', '&*', '+@all', '-@dangerous', '+info', '+config|get', '+acl|list', '+acl|dryrun', '+slowlog|get',
      ]),
      // Careless: no password at all, which is what this server is here to be found out for.
      startRedis({ args: ['--protected-mode', 'no'], password: false }),
    ]);
    await hardPg.sql(`CREATE ROLE app LOGIN PASSWORD 'app-pw' VALID UNTIL '2099-01-01'`);
    await hardPg.sql(`CREATE TABLE accounts (id int); GRANT SELECT, INSERT ON accounts TO app`);
    // Careless all the way: md5 in pg_hba.conf too, so that its MD5-hashed roles can log in.
    const hba = join(softPg.dataDir, 'pg_hba.conf');
    writeFileSync(hba, readFileSync(hba, 'utf8').replaceAll('scram-sha-256', 'md5'));
    await softPg.sql('SELECT pg_reload_conf()');
    await softPg.sql(`CREATE ROLE dba LOGIN SUPERUSER PASSWORD 'dba-pw'`);
    await softPg.sql(`CREATE ROLE batch LOGIN`);
    await softPg.sql(`CREATE ROLE legacy LOGIN PASSWORD 'legacy-pw' IN ROLE pg_read_server_files`);
    await softPg.sql(`CREATE TABLE cards (number text); GRANT SELECT, UPDATE ON cards TO PUBLIC; GRANT CREATE ON SCHEMA public TO PUBLIC`);
    const certificates = { ca: ca.ca, endpoints: [{ name: 'db', url: `postgres://127.0.0.1:${hardPg.port}` }, { name: 'cache', url: `rediss://127.0.0.1:${tlsPort}` }] };
    hardConfig = writeConfig({
      environment: 'staging',
      postgres: { url: hardPg.url },
      redis: { url: `rediss://nvcops:${PASSWORD}@127.0.0.1:${tlsPort}` },
      certificates,
    });
    softConfig = writeConfig({ environment: 'staging', postgres: { url: softPg.url }, redis: { url: softRedis.url }, certificates: { files: [pair.cert] } });
  });
  afterAll(async () => {
    await Promise.all([hardPg?.stop(), softPg?.stop(), hardRedis?.stop(), softRedis?.stop()]);
  });

  // Node trusts the test CA for the TLS connections to PostgreSQL and Redis. apt is a fake on PATH with nothing pending:
  // the real simulation takes this host 20-30 s a run under load, and OS updates are the last test's (and their own file's) point.
  const apt = fakeApt([], { ageDays: 0.1 });
  const env = () => ({ NODE_EXTRA_CA_CERTS: ca.ca, ...apt });

  it('passes a hardened PostgreSQL and Redis: SSL, SCRAM, connection logging, pgAudit, protected mode, ACL, no dangerous commands, TLS, certificates, access', async () => {
    const r = await nvcops(['weekly', 'security', '--config', hardConfig, '--format', 'json'], { env: env() });
    expect(r.stderr).toBe('');
    const byId = results(r.stdout);
    for (const id of [
      'postgres.ssl', 'postgres.password-encryption', 'postgres.connection-logging', 'postgres.pgaudit',
      'redis.protected-mode', 'redis.authentication', 'redis.dangerous-commands', 'redis.tls',
      'certs.days-left', 'certs.validity', 'certs.strength', 'access.postgres-roles', 'access.postgres-privileges', 'access.redis-users',
    ]) expect(byId[id]!.status, `${id}: ${byId[id]!.message}`).toBe('pass');
    expect(byId['postgres.ssl']!.message).toMatch(/ssl = on; \d+ network sessions, all encrypted/);
    expect(byId['postgres.pgaudit']!.message).toMatch(/pgaudit\.log = ddl,role/);
    expect(byId['redis.dangerous-commands']!.message).toBe('none of 1 enabled users may run FLUSHALL, FLUSHDB, CONFIG, SHUTDOWN, DEBUG, KEYS, MODULE');
    expect(byId['access.postgres-roles']!.details).toContain('[low] postgres: superuser (the bootstrap role that owns the cluster) — use it only for administration, never from applications');
    expect(byId['security.npm-audit']).toMatchObject({ status: 'skip', message: expect.stringMatching(/security\.applications/) });
    expect(r.stdout).not.toContain(PASSWORD);
  });

  it('finds every weakness of a careless setup, each with a severity and a fix', async () => {
    const r = await nvcops(['weekly', 'security', '--config', softConfig, '--format', 'json']);
    expect(r.exitCode).toBe(2);
    const byId = results(r.stdout);
    expect(byId['postgres.ssl']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^ssl = off/) });
    expect(byId['postgres.password-encryption']).toMatchObject({ status: 'fail', message: expect.stringMatching(/password_encryption = md5/) });
    expect(byId['postgres.connection-logging']).toMatchObject({ status: 'warn', message: expect.stringMatching(/log_connections and log_disconnections off/) });
    expect(byId['postgres.pgaudit']).toMatchObject({ status: 'warn', message: expect.stringMatching(/pgAudit is not loaded/) });
    expect(byId['redis.protected-mode']!.status).toBe('warn');
    expect(byId['redis.authentication']).toMatchObject({ status: 'fail', message: 'default is enabled without a password: anyone who reaches the port is in' });
    expect(byId['redis.dangerous-commands']!.details![0]).toMatch(/^default may run FLUSHALL, FLUSHDB, CONFIG SET dir \/tmp, SHUTDOWN, DEBUG SLEEP 0, KEYS \*, MODULE LIST — ACL SETUSER default -@dangerous/);
    expect(byId['redis.tls']).toMatchObject({ status: 'fail', message: expect.stringMatching(/^no TLS: tls-port 0/) });
    const roles = byId['access.postgres-roles']!;
    expect(roles.status).toBe('fail');
    expect(roles.details).toEqual(expect.arrayContaining([
      '[high] dba: superuser that can log in — ALTER ROLE dba NOSUPERUSER; grant only what it needs',
      expect.stringMatching(/^\[high\] batch: login role without a password/),
      '[high] legacy: member of pg_read_server_files — REVOKE pg_read_server_files FROM legacy unless its job needs it',
      expect.stringMatching(/^\[medium\] legacy: password stored as MD5/),
      expect.stringMatching(/^\[low\] batch: login role whose password never expires/),
    ]));
    expect(roles.details![0]).toMatch(/^\[high\]/);
    expect(byId['access.postgres-privileges']!.details).toEqual([
      '[high] schema public: PUBLIC may CREATE objects in it — REVOKE CREATE ON SCHEMA public FROM PUBLIC',
      '[high] table public.cards: PUBLIC has SELECT, UPDATE — REVOKE ALL ON public.cards FROM PUBLIC; grant to the roles that need it',
    ]);
    expect(byId['access.redis-users']!.details).toEqual([
      '[high] user default: enabled without a password — ACL SETUSER default resetpass >… (or off)',
      '[medium] user default: may run every command (+@all) — ACL SETUSER default -@all +@read +@write … (only what the application uses)',
    ]);
  });

  it('maintain access: says error, not pass, when it cannot read the passwords (a pg_monitor role)', async () => {
    await softPg.sql(`CREATE ROLE monitor LOGIN PASSWORD 'mon-pw' IN ROLE pg_monitor`);
    const config = writeConfig({ postgres: { url: softPg.urlFor('monitor', 'postgres', 'mon-pw') } });
    const r = await nvcops(['maintain', 'access', '--config', config, '--format', 'json']);
    const roles = results(r.stdout)['access.postgres-roles']!;
    // The superuser finding is already a failure; the unread passwords are named in the message either way.
    expect(roles.status).toBe('fail');
    expect(roles.message).toMatch(/passwords not checked: reading pg_authid needs a superuser/);
    await hardPg.sql(`CREATE ROLE monitor LOGIN PASSWORD 'mon-pw' IN ROLE pg_monitor VALID UNTIL '2099-01-01'`);
    const hard = await nvcops(['maintain', 'access', '--config', writeConfig({ postgres: { url: hardPg.urlFor('monitor', 'postgres', 'mon-pw') } }), '--format', 'json'], { env: env() });
    expect(results(hard.stdout)['access.postgres-roles']!.status).toBe('error');
    expect(hard.exitCode).toBe(3);
  });

  it('postgres.ssl: says error, not pass, when the role cannot see other roles\' sessions; a pg_monitor role sees the unencrypted one', async () => {
    await hardPg.sql(`CREATE ROLE watcher LOGIN PASSWORD 'watch-pw'; CREATE ROLE auditor LOGIN PASSWORD 'watch-pw' IN ROLE pg_monitor`);
    // An application session over the network without TLS (host, not hostssl).
    const plain = new pg.Client({ host: '127.0.0.1', port: hardPg.port, user: 'postgres', password: hardPg.password, database: 'postgres' });
    await plain.connect();
    try {
      const as = async (role: string) => {
        const config = writeConfig({ postgres: { url: hardPg.urlFor(role, 'postgres', 'watch-pw') } });
        return results((await nvcops(['weekly', 'security', '--config', config, '--format', 'json'], { env: env() })).stdout)['postgres.ssl']!;
      };
      expect(await as('watcher')).toMatchObject({ status: 'error', message: expect.stringMatching(/missing privilege: \d+ sessions? of other roles (is|are) hidden .*GRANT pg_monitor \(or pg_read_all_stats\) TO watcher/) });
      expect(await as('auditor')).toMatchObject({ status: 'warn', message: 'ssl = on, but 1 of 2 network sessions are not encrypted — use hostssl (not host) lines in pg_hba.conf' });
    } finally {
      await plain.end();
      // Roles of this test only: the access audit of the runs below must not find them.
      await hardPg.sql(`DROP ROLE watcher; DROP ROLE auditor`);
    }
  });

  it('says what changed since last week\'s run, from the run history', async () => {
    const state = mkdtempSync(join(tmpdir(), 'nvcops-state-'));
    const first = await nvcops(['weekly', 'security', '--config', hardConfig, '--format', 'json'], { env: { ...env(), XDG_STATE_HOME: state } });
    expect(JSON.parse(first.stdout).changes).toEqual({ since: null, lines: [] });
    await hardPg.sql(`CREATE ROLE intruder LOGIN SUPERUSER PASSWORD 'x-pw'`);
    try {
      const second = await nvcops(['weekly', 'security', '--config', hardConfig], { env: { ...env(), XDG_STATE_HOME: state } });
      expect(second.stdout).toMatch(/What changed since the run of \d{4}-\d\d-\d\dT[\d:.]+Z:/);
      expect(second.stdout).toMatch(/access\.postgres-roles: pass → fail/);
      expect(second.stdout).toMatch(/access\.postgres-roles: new: \[high\] intruder: superuser that can log in/);
      expect(second.stdout).not.toMatch(/certs\.days-left: new/);
    } finally {
      await hardPg.sql(`DROP ROLE intruder`);
    }
  });

  it('counts pending OS security updates as apt itself simulates them', async () => {
    const r = await nvcops(['maintain', 'security-updates', '--config', writeConfig({}), '--format', 'json']);
    const os = results(r.stdout)['security.os-updates']!;
    // Every pending upgrade of an installed package, those apt-get upgrade keeps back included: dist-upgrade with holds ignored.
    const apt = await execa('apt-get', ['-s', '-o', 'Debug::NoLocking=1', '--ignore-hold', 'dist-upgrade'], { env: { LC_ALL: 'C' }, reject: false });
    const expected = apt.stdout.split('\n').filter((l) => /^Inst \S+ \[/.test(l) && /security/i.test(l)).length;
    // This host's own lists: none or older than 7 days is error, older than 1 day warns (the fake-apt tests pin each case).
    if (os.status === 'error') {
      expect(os.message).toMatch(/^(apt has no package lists|package lists from .* ago \(> 7 days\))/);
      return;
    }
    expect(os.observed!.value).toBe(expected);
    expect(os.message).toMatch(/security updates pending \(\d+ upgrades in all(, \d+ held back by apt-get upgrade)?\); package lists from .* ago/);
    expect(os.status).toBe(expected > 0 || /> 1 day/.test(os.message) ? 'warn' : 'pass');
  });
});
