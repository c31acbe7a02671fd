/**
 * One PostgreSQL connection by libpq's rules, for nvcops' own sessions and for the programs it starts:
 * sslmode against a TLS server and a plain one (psql is the reference), service files, PGHOSTADDR,
 * .pgpass, an admin URL with a password on a scram server, no secret on a child's command line,
 * pg_authid read through postgres.adminUrl, and `config check`'s sources.
 */
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { libpqEnvironment, resolvePostgres } from '../src/engine/postgres-connection.js';
import { PostgresProbe } from '../src/probes/postgres.js';
import { makeCa, type TestCa } from './support/certs.js';
import { CLI, nvcops, writeConfig } from './support/cli.js';
import { postgresBin, startPostgres, type PgOptions, type PgServer } from './support/servers.js';

const PASSWORD = 'App-S3cret-pw';
const MONITOR_PASSWORD = 'Mon-S3cret-pw';

/** A URL for `user` on `pg`'s database bank, taken from the harness and given exactly the TLS parameters a case names. */
function urlOf(pg: PgServer, user: string, password?: string, params: Record<string, string> = {}): string {
  const u = new URL(pg.urlFor(user, 'bank', password));
  u.search = new URLSearchParams(params).toString();
  return u.toString();
}

/** The postgres OS user's ids, when tests run as root (the server's key must belong to it). */
function serverOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Roles (a scram superuser `app`, a pg_monitor role `mon`, `sslonly` refused without TLS), scram for every TCP login but the harness's own, and a table naming the server. */
async function prepare(pg: PgServer, name: string): Promise<void> {
  await pg.sql(`CREATE ROLE app LOGIN SUPERUSER PASSWORD '${PASSWORD}'; CREATE ROLE mon LOGIN PASSWORD '${MONITOR_PASSWORD}' IN ROLE pg_monitor;
                CREATE ROLE sslonly LOGIN SUPERUSER PASSWORD '${PASSWORD}'; CREATE ROLE certuser LOGIN`);
  await pg.sql('CREATE DATABASE bank');
  const [{ hba }] = (await pg.sql<{ hba: string }>("SELECT current_setting('hba_file') AS hba")) as [{ hba: string }];
  writeFileSync(hba, [
    'local all all trust',
    'host all postgres 127.0.0.1/32 trust',
    'hostnossl all sslonly 127.0.0.1/32 reject',
    'hostssl all certuser 127.0.0.1/32 cert',
    'host all all 127.0.0.1/32 scram-sha-256',
    '',
  ].join('\n'));
  await pg.sql('SELECT pg_reload_conf()');
  const bank = await pg.connect('postgres', 'bank');
  await bank.query(`CREATE TABLE only_${name} (id int); INSERT INTO only_${name} VALUES (1)`);
  await bank.end();
}

/** What a session sees: which server answered and whether it is encrypted; `error` when it could not connect. */
const WHO = `SELECT inet_server_port() AS port, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl`;
const seen = (port: number | string, ssl: boolean | string) => `${port} ${ssl === true || ssl === 't' ? 'tls' : 'plain'}`;

async function viaNvcops(url: string | undefined): Promise<string> {
  let probe: PostgresProbe | undefined;
  try {
    probe = new PostgresProbe({ name: 'primary', url, setting: 'postgres.url', connectTimeoutMs: 5000, statementTimeoutMs: 5000 });
    const [r] = await probe.query<{ port: number; ssl: boolean }>(WHO);
    return seen(r!.port, r!.ssl);
  } catch {
    return 'error';
  } finally {
    await probe?.close();
  }
}

/** psql (libpq itself), given either the URL on its command line or the environment nvcops hands its own children. */
async function viaPsql(how: { url: string } | { env: NodeJS.ProcessEnv }): Promise<string> {
  const env = 'env' in how ? how.env : Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^PG[A-Z]+$/.test(k)));
  const r = await execa(join(postgresBin(), 'psql'), ['-AtX', '-F', ' ', ...('url' in how ? [how.url] : []), '-c', WHO], { env, extendEnv: false, reject: false });
  if (r.exitCode !== 0) return 'error';
  const [port, ssl] = r.stdout.trim().split(' ');
  return seen(port!, ssl!);
}

describe('PostgreSQL connections by libpq rules', { timeout: 180_000 }, () => {
  let tls: PgServer;
  let plain: PgServer;
  let ca: TestCa;
  let otherCa: TestCa;
  /** The CA that signed the TLS server's certificate. */
  let serverCa: string;
  let home: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    [ca, otherCa] = await Promise.all([makeCa(), makeCa()]);
    const leaf = await ca.leaf('server', { hosts: ['localhost', '127.0.0.1'] });
    const certDir = mkdtempSync(join(tmpdir(), 'nvcops-pg-tls-'));
    const [cert, key] = [join(certDir, 'server.crt'), join(certDir, 'server.key')];
    const caFile = join(certDir, 'ca.crt');
    copyFileSync(leaf.cert, cert);
    copyFileSync(leaf.key, key);
    copyFileSync(ca.ca, caFile);
    chmodSync(caFile, 0o644);
    chmodSync(certDir, 0o755);
    chmodSync(cert, 0o644);
    chmodSync(key, 0o600);
    const owner = serverOwner();
    if (owner) chownSync(key, owner.uid, owner.gid);
    [tls, plain] = await Promise.all([startPostgres(), startPostgres({ tls: false } as PgOptions)]);
    // A harness that already serves TLS keeps its certificate (its own sessions verify it); else this CA's. ssl reloads without a restart.
    const harnessCa = (tls as PgServer & { ca?: string }).ca;
    serverCa = harnessCa ?? ca.ca;
    const settings: Record<string, string> = harnessCa ? { ssl_ca_file: caFile } : { ssl_ca_file: caFile, ssl_cert_file: cert, ssl_key_file: key, ssl: 'on' };
    for (const [k, v] of Object.entries(settings)) await tls.sql(`ALTER SYSTEM SET ${k} = '${v}'`);
    await tls.sql('SELECT pg_reload_conf()');
    await Promise.all([prepare(tls, 'tls'), prepare(plain, 'plain')]);
    // No PG* variable or ~/.postgresql of this machine may steer a case.
    for (const k of Object.keys(process.env)) if (/^PG[A-Z]+$/.test(k)) delete process.env[k];
    home = mkdtempSync(join(tmpdir(), 'nvcops-home-'));
    process.env.HOME = home;
  });
  afterAll(async () => {
    process.env = saved;
    await Promise.all([tls?.stop(), plain?.stop()]);
  });

  describe('sslmode means what it means to libpq (psql gives the same answer)', () => {
    // [server, sslmode, expected]: prefer and allow fall back to plain; require encrypts without verifying; verify-* need the CA.
    const cases: [() => PgServer, string, Record<string, string>, 'tls' | 'plain' | 'error'][] = [
      [() => tls, 'disable', {}, 'plain'],
      [() => tls, 'allow', {}, 'plain'],
      [() => tls, 'prefer', {}, 'tls'],
      [() => tls, 'require', {}, 'tls'],
      [() => tls, 'verify-ca', { sslrootcert: 'CA' }, 'tls'],
      [() => tls, 'verify-full', { sslrootcert: 'CA' }, 'tls'],
      [() => tls, 'verify-ca', { sslrootcert: 'OTHER' }, 'error'],
      [() => tls, 'require', { sslrootcert: 'OTHER' }, 'error'],
      [() => tls, 'verify-full', { sslrootcert: 'system' }, 'error'],
      // No root certificate file anywhere (sslrootcert, PGSSLROOTCERT, ~/.postgresql/root.crt): nothing to verify with.
      [() => tls, 'verify-ca', {}, 'error'],
      [() => plain, 'disable', {}, 'plain'],
      [() => plain, 'allow', {}, 'plain'],
      [() => plain, 'prefer', {}, 'plain'],
      [() => plain, 'require', {}, 'error'],
      [() => plain, 'verify-full', { sslrootcert: 'CA' }, 'error'],
    ];
    for (const [server, sslmode, extra, expected] of cases) {
      it(`${sslmode}${extra.sslrootcert ? ` (sslrootcert ${extra.sslrootcert})` : ''} → ${expected}`, async () => {
        const pg = server();
        const params: Record<string, string> = { sslmode };
        if (extra.sslrootcert) params.sslrootcert = extra.sslrootcert === 'CA' ? serverCa : extra.sslrootcert === 'OTHER' ? otherCa.ca : extra.sslrootcert;
        const url = urlOf(pg, 'app', PASSWORD, params);
        const want = expected === 'error' ? 'error' : `${pg.port} ${expected}`;
        expect(await viaNvcops(url)).toBe(want);
        expect(await viaPsql({ url })).toBe(want);
        // The children nvcops starts get the same answer from the environment it hands them.
        expect(await viaPsql({ env: libpqEnvironment(resolvePostgres(url, { setting: 'postgres.url' })) })).toBe(want);
      });
    }

    it('allow retries with TLS when the server refuses a plain login (hostnossl … reject)', async () => {
      const url = urlOf(tls, 'sslonly', PASSWORD, { sslmode: 'allow' });
      expect(await viaNvcops(url)).toBe(`${tls.port} tls`);
      expect(await viaPsql({ url })).toBe(`${tls.port} tls`);
    });

    it('a client certificate (sslcert/sslkey, PGSSLCERT/PGSSLKEY, ~/.postgresql/postgresql.crt) logs in a cert-authenticated role', async () => {
      const client = await ca.leaf('certuser', { hosts: ['certuser'] });
      const url = urlOf(tls, 'certuser', undefined, { sslmode: 'verify-full', sslrootcert: serverCa, sslcert: client.cert, sslkey: client.key });
      expect(await viaNvcops(url)).toBe(`${tls.port} tls`);
      expect(await viaPsql({ url })).toBe(`${tls.port} tls`);
      expect(await viaPsql({ env: libpqEnvironment(resolvePostgres(url, { setting: 'postgres.url' })) })).toBe(`${tls.port} tls`);
      const bare = urlOf(tls, 'certuser', undefined, { sslmode: 'verify-full', sslrootcert: serverCa });
      expect(await viaNvcops(bare)).toBe('error');
      Object.assign(process.env, { PGSSLCERT: client.cert, PGSSLKEY: client.key });
      try {
        expect(await viaNvcops(bare)).toBe(`${tls.port} tls`);
      } finally {
        delete process.env.PGSSLCERT;
        delete process.env.PGSSLKEY;
      }
      mkdirSync(join(home, '.postgresql'), { recursive: true });
      copyFileSync(client.cert, join(home, '.postgresql', 'postgresql.crt'));
      copyFileSync(client.key, join(home, '.postgresql', 'postgresql.key'));
      try {
        expect(await viaNvcops(bare)).toBe(`${tls.port} tls`);
      } finally {
        await execa('rm', ['-rf', join(home, '.postgresql')]);
      }
    });

    it('PGSSLMODE and PGSSLROOTCERT apply when the URL says nothing; ~/.postgresql/root.crt makes require check the chain', async () => {
      const url = urlOf(tls, 'app', PASSWORD);
      process.env.PGSSLMODE = 'verify-full';
      process.env.PGSSLROOTCERT = serverCa;
      try {
        expect(await viaNvcops(url)).toBe(`${tls.port} tls`);
        process.env.PGSSLROOTCERT = otherCa.ca;
        expect(await viaNvcops(url)).toBe('error');
        delete process.env.PGSSLROOTCERT;
        process.env.PGSSLMODE = 'require';
        expect(await viaNvcops(url)).toBe(`${tls.port} tls`);
        mkdirSync(join(home, '.postgresql'), { recursive: true });
        copyFileSync(otherCa.ca, join(home, '.postgresql', 'root.crt'));
        expect(await viaNvcops(url)).toBe('error');
        copyFileSync(serverCa, join(home, '.postgresql', 'root.crt'));
        expect(await viaNvcops(url)).toBe(`${tls.port} tls`);
      } finally {
        delete process.env.PGSSLMODE;
        delete process.env.PGSSLROOTCERT;
        await execa('rm', ['-rf', join(home, '.postgresql')]);
      }
    });
  });

  describe('where the server is: service file, PGHOSTADDR', () => {
    /** A service file whose [bank] section names `pg`. */
    const serviceFile = (pg: PgServer, name = 'pg_service.conf', dir = mkdtempSync(join(tmpdir(), 'nvcops-svc-'))) => {
      const u = new URL(pg.urlFor('app', 'bank'));
      const file = join(dir, name);
      writeFileSync(file, `# the bank's database\n[other]\nhost=nowhere.invalid\n\n[bank]\nhost=${u.hostname}\nport=${u.port}\ndbname=bank\nuser=app\nsslmode=disable\n`);
      return file;
    };

    it('backup db with PGSERVICE and no postgres.url dumps the service\'s server (not PGHOST/PGPORT, not localhost:5432); pg and pg_dump agree', async () => {
      const repo = mkdtempSync(join(tmpdir(), 'nvcops-repo-'));
      const t = new URL(tls.urlFor('app', 'bank'));
      const r = await nvcops(['backup', 'db', '--config', writeConfig({ environment: 'staging', backups: { directory: repo } }), '--format', 'json'], {
        env: { PGSERVICE: 'bank', PGSERVICEFILE: serviceFile(plain), PGPASSWORD: PASSWORD, PGHOST: t.hostname, PGPORT: t.port, HOME: home },
      });
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      const { manifest } = JSON.parse(r.stdout);
      expect(manifest.source).toBe(`${new URL(plain.url).hostname}:${plain.port}/bank`);
      expect(Object.keys(manifest.postgres.rowCounts)).toEqual(['public.only_plain']);
    });

    it('service= in the URL, the own service file before the system one (PGSYSCONFDIR), and a service that is not defined', async () => {
      const sys = mkdtempSync(join(tmpdir(), 'nvcops-sysconf-'));
      serviceFile(tls, 'pg_service.conf', sys);
      const own = serviceFile(plain);
      const base = { PGSYSCONFDIR: sys, PGPASSWORD: PASSWORD, HOME: home };
      const check = async (env: Record<string, string>) => (await nvcops(['config', 'check', '--config', writeConfig({ postgres: { url: 'postgresql:///?service=bank' } })], { env: { ...base, ...env } }));
      const both = await check({ PGSERVICEFILE: own });
      expect(both.exitCode).toBe(0);
      expect(both.stdout).toMatch(new RegExp(`postgres\\.url port +${plain.port} +service bank \\(${own}\\)\n`));
      const systemOnly = await check({});
      expect(systemOnly.stdout).toMatch(new RegExp(`postgres\\.url port +${tls.port} +service bank \\(${join(sys, 'pg_service\\.conf')}\\)\n`));
      const missing = await nvcops(['config', 'check', '--config', writeConfig({ postgres: { url: 'postgresql:///?service=payments' } })], { env: { ...base, PGSERVICEFILE: own } });
      expect(missing.exitCode).toBe(78);
      expect(missing.stderr).toContain(`postgres.url service=: service payments is not defined in ${own} or ${join(sys, 'pg_service.conf')}`);
      // A FIFO for a service file would hold the run: refused, naming the variable.
      const fifoDir = mkdtempSync(join(tmpdir(), 'nvcops-fifo-'));
      await execa('mkfifo', [join(fifoDir, 'svc')]);
      const fifo = await nvcops(['config', 'check'], { env: { ...base, PGSERVICE: 'bank', PGSERVICEFILE: join(fifoDir, 'svc') }, timeoutMs: 10_000 });
      expect(fifo.exitCode).toBe(78);
      expect(fifo.stderr).toContain(`PGSERVICEFILE: service file ${join(fifoDir, 'svc')} is not a regular file`);
    });

    it('PGHOSTADDR: connects to the address, checks the certificate against PGHOST', async () => {
      const addr = new URL(tls.url).hostname;
      Object.assign(process.env, { PGHOST: 'localhost', PGHOSTADDR: addr, PGPORT: String(tls.port), PGUSER: 'app', PGPASSWORD: PASSWORD, PGDATABASE: 'bank', PGSSLMODE: 'verify-full', PGSSLROOTCERT: serverCa });
      try {
        expect(await viaNvcops(undefined)).toBe(`${tls.port} tls`);
        expect(await viaPsql({ env: process.env })).toBe(`${tls.port} tls`);
        // The certificate names localhost and 127.0.0.1, not this host: libpq refuses, and so does nvcops.
        process.env.PGHOST = 'bank-db.invalid';
        expect(await viaNvcops(undefined)).toBe('error');
        process.env.PGSSLMODE = 'verify-ca';
        expect(await viaNvcops(undefined)).toBe(`${tls.port} tls`);
        // .pgpass is matched with the host name, not the address.
        const passfile = join(home, 'pgpass-hostaddr');
        writeFileSync(passfile, `${addr}:*:*:app:wrong\nbank-db.invalid:${tls.port}:bank:app:${PASSWORD}\n`, { mode: 0o600 });
        delete process.env.PGPASSWORD;
        process.env.PGPASSFILE = passfile;
        expect(await viaNvcops(undefined)).toBe(`${tls.port} tls`);
        expect(await viaPsql({ env: process.env })).toBe(`${tls.port} tls`);
        expect(libpqEnvironment(resolvePostgres(undefined, { setting: 'the PG* variables' }))).toMatchObject({ PGHOST: 'bank-db.invalid', PGHOSTADDR: addr });
      } finally {
        for (const k of ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGPASSFILE', 'PGDATABASE', 'PGSSLMODE', 'PGSSLROOTCERT']) delete process.env[k];
      }
    });
  });

  describe('credentials', () => {
    const repoConfig = (postgres: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      writeConfig({ environment: 'staging', postgres, backups: { directory: mkdtempSync(join(tmpdir(), 'nvcops-repo-')) }, ...extra });

    it('.pgpass (PGPASSFILE) gives the password to pg and to pg_dump, with no deprecation warning', async () => {
      const u = new URL(plain.urlFor('app', 'bank'));
      const passfile = join(home, 'pgpass');
      writeFileSync(passfile, `# host:port:db:user:password\n${u.hostname}:${u.port}:*:app:${PASSWORD}\n`, { mode: 0o600 });
      const r = await nvcops(['backup', 'db', '--config', repoConfig({ url: urlOf(plain, 'app') }), '--format', 'json'], { env: { PGPASSFILE: passfile, HOME: home } });
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(Object.keys(JSON.parse(r.stdout).manifest.postgres.rowCounts)).toEqual(['public.only_plain']);
      // No password anywhere: the server's refusal names where to put one.
      const none = await nvcops(['backup', 'db', '--config', repoConfig({ url: urlOf(plain, 'app') })], { env: { HOME: home } });
      expect(none.exitCode).toBe(69);
      expect(none.stderr).toContain(`none is set for role app (PGPASSWORD, ${join(home, '.pgpass')})`);
      // A FIFO for a password file is not read (it would hold the run); libpq warns the same way.
      const fifo = join(mkdtempSync(join(tmpdir(), 'nvcops-fifo-')), 'pgpass');
      await execa('mkfifo', ['-m', '600', fifo]);
      const held = await nvcops(['backup', 'db', '--config', repoConfig({ url: urlOf(plain, 'app') })], { env: { HOME: home, PGPASSFILE: fifo }, timeoutMs: 20_000 });
      expect(held.exitCode).toBe(69);
      expect(held.stderr).toContain(`password file "${fifo}" is not a plain file`);
    });

    it('postgres.adminUrl with a password on a scram server: backup db, restore-db --dry-run, dr-test and maintain db', async () => {
      const adminUrl = urlOf(tls, 'app', PASSWORD, { sslmode: 'verify-full', sslrootcert: serverCa });
      const config = repoConfig({ url: urlOf(tls, 'mon', MONITOR_PASSWORD, { sslmode: 'require' }), adminUrl });
      const backup = await nvcops(['backup', 'db', '--config', config, '--format', 'json']);
      expect(backup.stderr).toBe('');
      expect(backup.exitCode).toBe(0);
      const { manifest } = JSON.parse(backup.stdout);
      expect(Object.keys(manifest.postgres.rowCounts)).toEqual(['public.only_tls']);
      const restore = await nvcops(['backup', 'restore-db', '--config', config, '--backup-id', manifest.id, '--dry-run']);
      expect(restore.stderr).toBe('');
      expect(restore.exitCode).toBe(0);
      const drill = await nvcops(['monthly', 'dr-test', '--only', 'restore', '--config', config, '--yes', '--format', 'json']);
      expect(drill.stderr).not.toMatch(/SASL|password/);
      expect(drill.exitCode).toBe(0);
      const maintain = await nvcops(['maintain', 'db', '--analyze', '--dry-run', '--config', config]);
      expect(maintain.stderr).toBe('');
      expect(maintain.exitCode).toBe(0);
    });

    it('a password in adminUrl\'s query string never reaches pg_dump\'s command line (/proc/<pid>/cmdline)', async () => {
      const bank = await plain.connect('postgres', 'bank');
      await bank.query('CREATE TABLE IF NOT EXISTS bulk AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 400000) g');
      await bank.end();
      const secret = 'Query-Str1ng-Secret';
      await plain.sql(`ALTER ROLE app PASSWORD '${secret}'`);
      try {
        const config = repoConfig({ url: urlOf(plain, 'mon', MONITOR_PASSWORD), adminUrl: urlOf(plain, 'app', undefined, { password: secret, sslmode: 'disable' }) });
        const run = execa('node', [CLI, 'backup', 'db', '--config', config], {
          reject: false, extendEnv: false, env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: '/nonexistent', XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'nvcops-state-')) },
        });
        const seenArgv: string[] = [];
        let seenEnv = '';
        let done = false;
        void run.finally(() => { done = true; });
        while (!done) {
          for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
            try {
              const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
              if (!argv.includes('pg_dump')) continue;
              const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
              if (!environ.includes(`PGPORT=${plain.port}`)) continue;
              seenArgv.push(argv.split('\0').join(' '));
              seenEnv = environ;
            } catch {
              // the process ended between listing and reading
            }
          }
          if (seenArgv.length) break;
          await new Promise((r) => setTimeout(r, 5));
        }
        const result = await run;
        expect(result.stderr).toBe('');
        expect(result.exitCode).toBe(0);
        expect(seenArgv.length).toBeGreaterThan(0);
        for (const argv of seenArgv) expect(argv).not.toContain(secret);
        expect(seenEnv.split('\0')).toContain(`PGPASSWORD=${secret}`);
      } finally {
        await plain.sql(`ALTER ROLE app PASSWORD '${PASSWORD}'`);
      }
    });
  });

  it('maintain access reads pg_authid through postgres.adminUrl, and says as whom; the pg_monitor role alone cannot', async () => {
    const url = urlOf(plain, 'mon', MONITOR_PASSWORD, { sslmode: 'disable' });
    const roles = async (postgres: Record<string, unknown>) => {
      const r = await nvcops(['maintain', 'access', '--config', writeConfig({ environment: 'staging', postgres }), '--format', 'json']);
      return JSON.parse(r.stdout).items.flatMap((i: { results: { id: string; status: string; message: string }[] }) => i.results).find((x: { id: string }) => x.id === 'access.postgres-roles');
    };
    const alone = await roles({ url });
    expect(alone.status).not.toBe('pass');
    expect(alone.message).toContain('passwords not checked: reading pg_authid needs a superuser and mon (postgres.url) is not one; set postgres.adminUrl to a superuser');
    const withAdmin = await roles({ url, adminUrl: urlOf(plain, 'app', PASSWORD, { sslmode: 'disable' }) });
    expect(withAdmin.status).not.toBe('error');
    expect(withAdmin.message).toContain('passwords read as app (postgres.adminUrl)');
    // A login role without a password is seen only through pg_authid: the admin's read finds it.
    await plain.sql('CREATE ROLE nopass LOGIN');
    try {
      const found = await roles({ url, adminUrl: urlOf(plain, 'app', PASSWORD, { sslmode: 'disable' }) });
      expect(found.status).toBe('fail');
    } finally {
      await plain.sql('DROP ROLE nopass');
    }
  });

  it('config check shows where each PostgreSQL setting comes from, secrets as (secret)', async () => {
    const u = new URL(plain.urlFor('app', 'bank'));
    const passfile = join(home, 'pgpass-check');
    writeFileSync(passfile, `${u.hostname}:${u.port}:bank:mon:${MONITOR_PASSWORD}\n`, { mode: 0o600 });
    const config = writeConfig({
      postgres: { url: urlOf(plain, 'mon', undefined, { sslmode: 'require' }), adminUrl: urlOf(plain, 'app', PASSWORD), replicas: [{ name: 'r1', url: urlOf(tls, 'mon'), adminUrl: urlOf(tls, 'app', undefined, { password: 'Query-Str1ng-Secret' }) }] },
    });
    const r = await nvcops(['config', 'check', '--config', config], { env: { PGPASSFILE: passfile, PGSSLROOTCERT: ca.ca, PGCONNECT_TIMEOUT: '3', HOME: home } });
    expect(r.exitCode).toBe(0);
    // The table's lines: `#   <setting>  <value>  <source>`, columns padded apart by two spaces or more.
    const table = r.stdout.slice(r.stdout.indexOf('# PostgreSQL: where each setting comes from'));
    const rows = [...table.matchAll(/^# {3}(\S.*?) {2,}(\S.*?) {2,}(\S.*)$/gm)].map(([, setting, value, source]) => ({ setting: setting!, value: value!, source: source! }));
    const row = (setting: string) => rows.find((x: { setting: string }) => x.setting === setting);
    expect(row('postgres.url host')).toEqual({ setting: 'postgres.url host', value: u.hostname, source: 'postgres.url' });
    expect(row('postgres.url password')).toEqual({ setting: 'postgres.url password', value: '(secret)', source: `.pgpass (${passfile})` });
    expect(row('postgres.url sslmode')).toEqual({ setting: 'postgres.url sslmode', value: 'require', source: 'postgres.url' });
    expect(row('postgres.url sslrootcert')).toEqual({ setting: 'postgres.url sslrootcert', value: ca.ca, source: 'PGSSLROOTCERT' });
    expect(row('postgres.adminUrl password')).toEqual({ setting: 'postgres.adminUrl password', value: '(secret)', source: 'postgres.adminUrl' });
    expect(row('postgres.adminUrl sslmode')).toEqual({ setting: 'postgres.adminUrl sslmode', value: 'prefer', source: 'default' });
    expect(row('postgres.replicas[0].url port')).toEqual({ setting: 'postgres.replicas[0].url port', value: String(tls.port), source: 'postgres.replicas[0].url' });
    expect(row("postgres.replicas[0].url password")?.value).toBe('none');
    expect(r.stdout).not.toContain(PASSWORD);
    expect(r.stdout).not.toContain(MONITOR_PASSWORD);
    expect(r.stdout).not.toContain('Query-Str1ng-Secret');
    expect(row('postgres.replicas[0].adminUrl password')).toEqual({ setting: 'postgres.replicas[0].adminUrl password', value: '(secret)', source: 'postgres.replicas[0].adminUrl' });
  });
});

describe('one session, one statement at a time', () => {
  let server: PgServer;
  beforeAll(async () => { server = await startPostgres(); });
  afterAll(async () => { await server?.stop(); });

  it('sends queryNext() before the statements already waiting, and a failed statement does not hold up the rest', async () => {
    const probe = new PostgresProbe({ name: 'primary', url: server.monitorUrl, setting: 'postgres.url', connectTimeoutMs: 5000, statementTimeoutMs: 5000 });
    try {
      const order: string[] = [];
      const sent = (name: string, p: Promise<unknown>) => p.then(() => order.push(name), () => order.push(`${name} failed`));
      await probe.connect();
      const all = [
        sent('first', probe.query('SELECT pg_sleep(0.2)')),
        sent('second', probe.query('SELECT 2')),
        sent('third', probe.query('SELECT 3')),
        sent('broken', probe.queryNext('SELECT * FROM no_such_table')),
        sent('next', probe.queryNext('SELECT 4')),
      ];
      await Promise.all(all);
      // The one in flight finishes first; then the later queryNext() (each goes to the front), then the broken one, then the rest in order.
      expect(order).toEqual(['first', 'next', 'broken failed', 'second', 'third']);
    } finally {
      await probe.close();
    }
  });
});
