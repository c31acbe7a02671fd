import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadConfigs } from '../src/engine/config/index.js';
import { ConfigError, UsageError } from '../src/engine/errors.js';
import { Redactor } from '../src/engine/redact.js';
import { fatal } from '../src/fatal.js';
import { nvcops, writeConfig } from './support/cli.js';

describe('configuration', () => {
  it('reads YAML and JSON, fills ${VAR} and ${VAR:-default} from the environment', async () => {
    const yaml = writeConfig({ postgres: { url: 'postgres://nvcops:${DB_PASS}@db:5432/bank' }, redis: { url: '${REDIS_URL:-redis://cache:6379}' } });
    const c = await loadConfig({ path: yaml, environ: { DB_PASS: 'pw0rd-x' } });
    expect(c.postgres?.url).toBe('postgres://nvcops:pw0rd-x@db:5432/bank');
    expect(c.redis?.url).toBe('redis://cache:6379');
    const json = writeConfig({ services: [{ name: 'api', url: 'http://127.0.0.1:1/health' }] }, 'nvcops.json');
    expect((await loadConfig({ path: json, environ: {} })).services?.[0]?.name).toBe('api');
  });

  it('refuses an unset variable, naming the key', async () => {
    const path = writeConfig({ postgres: { url: 'postgres://u:${MISSING_SECRET}@db/bank' } });
    await expect(loadConfig({ path, environ: {} })).rejects.toThrow(/postgres\.url: \$\{MISSING_SECRET\} is used but MISSING_SECRET is not set/);
  });

  it('merges the chosen environment over the top-level keys', async () => {
    const path = writeConfig({
      environment: 'production',
      postgres: { url: 'postgres://prod/bank', replicas: ['postgres://prod-r1/bank'] },
      thresholds: { 'postgres.connect-time': { warn: '> 1s' } },
      environments: { staging: { environment: 'staging', postgres: { url: 'postgres://staging/bank' } } },
    });
    const staging = await loadConfig({ path, env: 'staging', environ: {} });
    expect(staging.environment).toBe('staging');
    expect(staging.postgres?.url).toBe('postgres://staging/bank');
    expect(staging.postgres?.replicas).toEqual([{ name: 'replica1', url: 'postgres://prod-r1/bank' }]);
    expect(staging.thresholds).toEqual({ 'postgres.connect-time': { warn: '> 1s' } });
    const prod = await loadConfig({ path, env: 'production', environ: {} });
    expect(prod.postgres?.url).toBe('postgres://prod/bank');
    await expect(loadConfig({ path, env: 'qa', environ: {} })).rejects.toThrow(UsageError);
    await expect(loadConfig({ path, env: 'qa', environ: {} })).rejects.toThrow(/--env: no environment "qa" .*defined: production, staging/);
  });

  it('loads a fleet\'s environments as each alone, from one reading, with no object shared between them', async () => {
    const path = writeConfig({
      postgres: { url: 'postgres://nvcops:${TOP_PASSWORD}@top/bank', replicas: ['postgres://r1/bank'] },
      thresholds: { 'postgres.connect-time': { warn: '> 1s' } },
      environments: {
        a: { redis: { url: 'redis://a:6379/1' } },
        b: { postgres: { url: 'postgres://nvcops:${B_PASSWORD}@b/bank' } },
        c: { postgres: { url: 'postgres://nvcops:${C_PASSWORD}@c/bank' } },
      },
    });
    const environ = { TOP_PASSWORD: 'top-secret', B_PASSWORD: 'b-secret' };
    const both = await loadConfigs({ path, environ }, ['a', 'b']);
    expect(both).toEqual([await loadConfig({ path, env: 'a', environ }), await loadConfig({ path, env: 'b', environ })]);
    expect(both[0]!.thresholds).not.toBe(both[1]!.thresholds);
    // c is not named: its unset variable is not asked for; naming it is.
    await expect(loadConfigs({ path, environ }, ['a', 'c'])).rejects.toThrow(/environments\.c\.postgres\.url: \$\{C_PASSWORD\} is used but C_PASSWORD is not set/);
  });

  it('needs the variables of the environment in use only: a production host holds no staging secrets', async () => {
    const path = writeConfig({
      environment: 'production',
      postgres: { url: 'postgres://nvcops:${PROD_PASSWORD}@prod/bank' },
      environments: { staging: { environment: 'staging', postgres: { url: 'postgres://nvcops:${STAGING_PASSWORD}@staging/bank' } } },
    });
    const prod = await loadConfig({ path, env: 'production', environ: { PROD_PASSWORD: 'pr0d-pw' } });
    expect(prod.postgres?.url).toBe('postgres://nvcops:pr0d-pw@prod/bank');
    expect((await loadConfig({ path, environ: { PROD_PASSWORD: 'pr0d-pw' } })).postgres?.url).toBe('postgres://nvcops:pr0d-pw@prod/bank');
    await expect(loadConfig({ path, env: 'staging', environ: { PROD_PASSWORD: 'pr0d-pw' } })).rejects.toThrow(/^environments\.staging\.postgres\.url: \$\{STAGING_PASSWORD\} is used but STAGING_PASSWORD is not set in the environment$/);
  });

  it('lets NVCOPS_POSTGRES_URL and NVCOPS_REDIS_URL override the file', async () => {
    const path = writeConfig({ postgres: { url: 'postgres://file/bank' }, redis: { url: 'redis://file:6379' } });
    const c = await loadConfig({ path, environ: { NVCOPS_POSTGRES_URL: 'postgres://env/bank', NVCOPS_REDIS_URL: 'redis://env:6379' } });
    expect(c.postgres?.url).toBe('postgres://env/bank');
    expect(c.redis?.url).toBe('redis://env:6379');
  });

  it('names the key path and what is allowed for a wrong type, an unknown key and a bad scheme', async () => {
    const wrongType = writeConfig({ postgres: { url: 5432 } });
    await expect(loadConfig({ path: wrongType, environ: {} })).rejects.toThrow(/postgres\.url: Invalid input: expected string, received number/);
    const typo = writeConfig({ postgres: { urll: 'postgres://x/y' } });
    await expect(loadConfig({ path: typo, environ: {} })).rejects.toThrow(/postgres\.urll: unknown key/);
    const scheme = writeConfig({ redis: { url: 'http://cache:6379' } });
    await expect(loadConfig({ path: scheme, environ: {} })).rejects.toThrow(/redis\.url: scheme http: is not allowed; use redis:\/\/ or rediss:\/\//);
    const service = writeConfig({ services: [{ name: 'api', url: 'ftp://x' }] });
    await expect(loadConfig({ path: service, environ: {} })).rejects.toThrow(/services\[0\]\.url/);
    await expect(loadConfig({ path: '/nonexistent/nvcops.yaml', environ: {} })).rejects.toThrow(ConfigError);
  });

  it('refuses a URL whose password, user or database is not valid percent-encoding, never quoting it (exit 78, not a crash)', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ redis: { url: 'redis://:hunter%zz2@127.0.0.1:1' } }, /^nvcops: invalid configuration: redis\.url: the password is not valid percent-encoding; write a % in it as %25$/],
      [{ postgres: { url: 'postgres://ops:hunter%zz2@127.0.0.1:1/bank' } }, /^nvcops: invalid configuration: postgres\.url: the password is not valid percent-encoding; write a % in it as %25$/],
      [{ postgres: { url: 'postgres://op%g@127.0.0.1:1/bank%' } }, /^nvcops: invalid configuration: postgres\.url: the user name is not valid percent-encoding/],
    ];
    for (const [config, message] of cases) {
      const r = await nvcops(['health', 'db', '--config', writeConfig(config)]);
      expect([r.exitCode, r.stdout]).toEqual([78, '']);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/hunter/);
    }
  });

  it('takes a YAML anchor used twice, and refuses an alias inside its own anchor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-yaml-'));
    const shared = join(dir, 'shared.yaml');
    writeFileSync(shared, 'environments:\n  staging: &env\n    postgres: { url: "postgres://nvcops@db/bank" }\n  production: *env\n');
    expect((await loadConfig({ path: shared, env: 'production', environ: {} })).postgres?.url).toBe('postgres://nvcops@db/bank');
    const cycle = join(dir, 'cycle.yaml');
    writeFileSync(cycle, 'postgres: &pg\n  url: postgres://nvcops@db/bank\n  replicas: [*pg]\n');
    await expect(loadConfig({ path: cycle, environ: {} })).rejects.toThrow(new ConfigError(`${cycle}: postgres.replicas[0]: refers to itself (a YAML alias inside its own anchor)`));
  });

  it('a recursive alias, an alias bomb or data nested too deep is one line naming the file and the problem, exit 78, never a stack overflow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-yaml-'));
    const laughs = ['a: &a [1, 2]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)].join('\n');
    for (const [name, text, problem] of [
      ['self.yaml', 'a: &x\n  b: *x\n', 'a.b: refers to itself (a YAML alias inside its own anchor)'],
      ['list.yaml', 'x: &a [*a]\n', 'x[0]: refers to itself (a YAML alias inside its own anchor)'],
      ['laughs.yaml', laughs, 'not valid YAML (aliases expand to more than 100 copies)'],
      ['unresolved.yaml', 'postgres: *nowhere\n', 'not valid YAML (an alias names no anchor defined before it)'],
      ['deep.json', `{"a": ${'['.repeat(5000)}${']'.repeat(5000)}}`, `a${'[0]'.repeat(31)}: nested more than 32 levels deep; no key of the configuration is`],
    ]) {
      const path = join(dir, name!);
      writeFileSync(path, text!);
      for (const command of [['config', 'check'], ['health', 'daily']]) {
        const r = await nvcops([...command, '--config', path]);
        expect([name, r.exitCode, r.stdout, r.stderr]).toEqual([name, 78, '', `nvcops: invalid configuration: ${path}: ${problem}`]);
      }
    }
  });

  it('exits 78 naming the key, with no stack trace, before connecting anywhere', async () => {
    const path = writeConfig({ postgres: { url: 'postgres://nvcops:topsecret-pw@127.0.0.1:1/bank', connectTimeout: 5 } });
    const r = await nvcops(['health', 'db', '--config', path]);
    expect(r.exitCode).toBe(78);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^nvcops: invalid configuration: .*postgres\.connectTimeout: Invalid input: expected string, received number/);
    const badThreshold = writeConfig({ thresholds: { 'postgres.connection-saturation': { warn: '> 200ms' } } });
    const t = await nvcops(['health', 'db', '--config', badThreshold]);
    expect(t.exitCode).toBe(78);
    expect(t.stderr).toMatch(/thresholds\.postgres\.connection-saturation\.warn: "> 200ms" is in ms but this check measures %/);
    const broken = writeConfig({}, 'nvcops.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(broken, 'postgres: [unclosed');
    const y = await nvcops(['config', 'check', '--config', broken]);
    expect(y.exitCode).toBe(78);
    expect(y.stderr).toMatch(/not valid YAML/);
  });

  it('refuses a PGPORT or PGHOST the driver cannot use, up front, naming the variable (exit 78)', async () => {
    for (const PGPORT of ['notaport', '99999', '0']) {
      await expect(loadConfig({ environ: { PGPORT }, path: writeConfig({}) })).rejects.toThrow(new ConfigError('PGPORT: not a port; use a whole number from 1 to 65535'));
    }
    await expect(loadConfig({ environ: { PGHOST: 'db host' }, path: writeConfig({}) })).rejects.toThrow(/^PGHOST: not a host; use a host name, an IP address or a socket directory/);
    expect((await loadConfig({ environ: { PGPORT: '5433', PGHOST: '/var/run/postgresql' }, path: writeConfig({}) })).postgres).toBeDefined();
    const r = await nvcops(['health', 'db'], { env: { PGPORT: 'notaport' } });
    expect(r).toMatchObject({ exitCode: 78, stdout: '', stderr: 'nvcops: invalid configuration: PGPORT: not a port; use a whole number from 1 to 65535' });
  });

  it('says where a JSON or YAML file is broken, never the text there (it may be a secret)', async () => {
    const json = writeConfig({}, 'nvcops.json');
    writeFileSync(json, '{"redis": {"password": TopSecretPw123}}');
    await expect(loadConfig({ path: json, environ: {} })).rejects.toThrow(new ConfigError(`${json}: not valid JSON (line 1, column 24)`));
    writeFileSync(json, '{\n  "redis": {"password": "TopSecretPw123"\n');
    await expect(loadConfig({ path: json, environ: {} })).rejects.toThrow(new ConfigError(`${json}: not valid JSON (unexpected end, line 3, column 1)`));
    const yaml = writeConfig({});
    writeFileSync(yaml, 'redis:\n  password: "TopSecretPw123\n');
    const e = await loadConfig({ path: yaml, environ: {} }).catch((x: Error) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toMatch(/not valid YAML \(.*line \d+, column \d+\)$/);
    expect((e as Error).message).not.toMatch(/TopSecret/);
  });

  it('checks a PostgreSQL URL\'s TLS parameters before connecting: sslmode, and the certificate files it names (exit 78 naming the key)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-tls-'));
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    const load = (url: string) => loadConfig({ path: writeConfig({ postgres: { url } }), environ: {} });
    await expect(load(`postgres://u@db:5432/bank?sslmode=verify-full&sslrootcert=${ca}`)).resolves.toBeDefined();
    await expect(load('postgres://u@db:5432/bank?sslmode=bogus')).rejects.toThrow(new ConfigError('postgres.url: sslmode bogus is not one of disable, allow, prefer, require, verify-ca, verify-full, no-verify'));
    await expect(load('postgres://u@db:5432/bank?sslrootcert=/nonexistent/ca.pem')).rejects.toThrow(new ConfigError('postgres.url: sslrootcert /nonexistent/ca.pem does not exist'));
    await expect(load(`postgres://u@db:5432/bank?sslkey=${dir}`)).rejects.toThrow(new ConfigError(`postgres.url: sslkey ${dir} is not a regular file`));
    const r = await nvcops(['health', 'db', '--config', writeConfig({ postgres: { url: 'postgres://u@127.0.0.1:1/bank?sslcert=/nonexistent/c.pem' } })]);
    expect([r.exitCode, r.stderr]).toEqual([78, 'nvcops: invalid configuration: postgres.url: sslcert /nonexistent/c.pem does not exist']);
  });

  it('refuses a --config that is a directory or a FIFO as not a regular file (exit 78), without reading it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-dir-'));
    await expect(loadConfig({ path: dir, environ: {} })).rejects.toThrow(new ConfigError(`--config: ${dir} is not a regular file; give the path of a YAML or JSON file`));
    const fifo = join(dir, 'nvcops.yaml');
    execFileSync('mkfifo', [fifo]);
    const r = await nvcops(['config', 'check', '--config', fifo], { timeoutMs: 15_000 });
    expect(r).toMatchObject({ exitCode: 78, stderr: `nvcops: invalid configuration: --config: ${fifo} is not a regular file; give the path of a YAML or JSON file` });
    // Found in the working directory rather than named: the same.
    const found = await nvcops(['config', 'check'], { cwd: dir, timeoutMs: 15_000 });
    expect(found).toMatchObject({ exitCode: 78, stderr: expect.stringMatching(/nvcops\.yaml: not a regular file/) });
  });

  it('refuses timer durations a Node timer cannot take, and a connect or request timeout of 0', async () => {
    const huge = writeConfig({ postgres: { connectTimeout: '99999999999999999999999999d' } });
    await expect(loadConfig({ path: huge, environ: {} })).rejects.toThrow(/postgres\.connectTimeout: a duration at most 24d \(a timer cannot exceed 2147483647 ms/);
    const service = writeConfig({ services: [{ name: 'api', url: 'http://127.0.0.1:1/health', timeout: '25d' }] });
    await expect(loadConfig({ path: service, environ: {} })).rejects.toThrow(/services\[0\]\.timeout: a duration at most 24d/);
    const zero = writeConfig({ redis: { connectTimeout: '0s' }, services: [{ name: 'api', url: 'http://127.0.0.1:1/health', timeout: '0s' }] });
    await expect(loadConfig({ path: zero, environ: {} })).rejects.toThrow(/redis\.connectTimeout: a duration above 0/);
    const zeroService = writeConfig({ services: [{ name: 'api', url: 'http://127.0.0.1:1/health', timeout: '0ms' }] });
    await expect(loadConfig({ path: zeroService, environ: {} })).rejects.toThrow(/services\[0\]\.timeout: a duration above 0/);
    // Not a timer: a retention age may be long.
    expect((await loadConfig({ path: writeConfig({ postgres: { connectTimeout: '24d' }, dr: { rpo: '400d' } }), environ: {} })).dr?.rpo).toBe('400d');
  });

  it('refuses an --env that names no environment of the file, inherited names included', async () => {
    const path = writeConfig({ environment: 'production', environments: { staging: {} } });
    for (const env of ['__proto__', 'constructor', 'toString']) {
      await expect(loadConfig({ path, env, environ: {} })).rejects.toThrow(new UsageError(`--env: no environment "${env}" in ${path}; defined: production, staging`));
    }
  });

  it('finds ./nvcops.yaml in the working directory', async () => {
    const path = writeConfig({ environment: 'here', redis: { url: 'redis://127.0.0.1:1' } });
    const r = await nvcops(['config', 'check'], { cwd: path.replace(/\/nvcops\.yaml$/, '') });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/environment: here/);
  });
});

describe('redaction', () => {
  it('masks URL passwords and values of secret-looking keys, learnt or not', () => {
    const r = new Redactor();
    r.learn({ postgres: { url: 'postgres://u:p%40ss-word@h/db' }, incident: { pagerduty: { routingKey: 'R0UTINGKEY123' } } });
    r.learnEnvironment({ PGPASSWORD: 'envsecret-1' });
    expect(r.apply('postgres://u:p%40ss-word@h/db failed')).toBe('postgres://u:***@h/db failed');
    expect(r.apply('password p@ss-word in a message')).toBe('password *** in a message');
    expect(r.apply('key R0UTINGKEY123 and envsecret-1')).toBe('key *** and ***');
    expect(r.apply('redis://:unknown-pw@cache:6379')).toBe('redis://:***@cache:6379');
    expect(r.applyDeep({ token: 'abc', url: 'https://u:pw12@x' })).toEqual({ token: '***', url: 'https://u:***@x' });
  });

  it('masks a password up to the last @, with spaces or a raw /, and in ?password= / sslpassword= / conninfo', () => {
    const r = new Redactor();
    r.learn({
      postgres: { url: 'postgres://u:hunter@2024secret@127.0.0.1:1/db', replicas: ['postgres://u@h/db?sslpassword=SslKeyPass&password=QueryParamSecret'] },
      redis: { url: 'redis://:my pass word@127.0.0.1:1' },
      state: { url: 'postgres://u:ab/cd+ef==@h:5432/db' },
      dr: { conninfo: "host=h password='conn info pw' dbname=x" },
    });
    expect(r.apply('postgres://u:hunter@2024secret@127.0.0.1:1/db')).toBe('postgres://u:***@127.0.0.1:1/db');
    expect(r.apply('pw hunter%402024secret and hunter@2024secretX')).toBe('pw *** and ***X');
    expect(r.apply('AUTH my pass word / my%20pass%20word / my+pass+word')).toBe('AUTH *** / *** / ***');
    expect(r.apply('QueryParamSecret SslKeyPass, conn info pw')).toBe('*** ***, ***');
    expect(r.apply('ab/cd+ef== ab%2Fcd%2Bef%3D%3D')).toBe('*** ***');
    // Not learnt: the structure alone says where the secret is.
    const fresh = new Redactor();
    expect(fresh.apply('http://admin:Pw@Secret1@host/p?q=a@b')).toBe('http://admin:***@host/p?q=a@b');
    expect(fresh.apply("PGPASSWORD=abcd host=h password='x y' postgres://h/db?sslpassword=zz&x=1")).toBe('PGPASSWORD=*** host=h password=*** postgres://h/db?sslpassword=***&x=1');
    expect(fresh.apply("passed=3 'aws.token'=3d;5")).toBe("passed=3 'aws.token'=3d;5");
    expect(fresh.applyDeep({ a: 'redis://:a b@h:1', b: 'postgres://u:p/q@h/db', c: 'http://h:8080/users/@me', d: 'postgres://[::1]:5432/db' }))
      .toEqual({ a: 'redis://:***@h:1', b: 'postgres://u:***@h/db', c: 'http://h:8080/users/@me', d: 'postgres://[::1]:5432/db' });
  });

  it('masks a secret shorter than 4 characters only where it stands as a secret, not as free text', () => {
    const r = new Redactor();
    r.learn({ redis: { url: 'redis://:pw1@h:1' }, incident: { token: 'ab' } });
    expect(r.apply('redis://:pw1@h:1 pw1 and ab in a sentence')).toBe('redis://:***@h:1 pw1 and ab in a sentence');
    expect(r.applyDeep({ token: 'ab', url: 'redis://:p w@h:1' })).toEqual({ token: '***', url: 'redis://:***@h:1' });
  });

  it('masks passwords with @, spaces and in the query in config check and health db through the CLI', async () => {
    const path = writeConfig({
      postgres: { url: 'postgres://u:hunter@2024secret@127.0.0.1:1/db', replicas: ['postgres://u@127.0.0.1:1/db?password=QueryParamSecret'] },
      redis: { url: 'redis://:my pass word@127.0.0.1:1' },
      services: [{ name: 'api', url: 'http://admin:Pw@Secret1@127.0.0.1:1/health' }],
    });
    const check = await nvcops(['config', 'check', '--config', path]);
    expect(check.exitCode).toBe(0);
    expect(check.stdout).toMatch(/url: postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db$/m);
    expect(check.stdout).toMatch(/url: redis:\/\/:\*\*\*@127\.0\.0\.1:1$/m);
    expect(check.stdout).toMatch(/url: http:\/\/admin:\*\*\*@127\.0\.0\.1:1\/health$/m);
    expect(check.stdout).toMatch(/\?password=\*\*\*$/m);
    const health = await nvcops(['health', 'db', '--format', 'json', '--config', path]);
    expect(JSON.parse(health.stdout).command).toBe('health db');
    for (const r of [check, health]) {
      for (const secret of ['2024secret', 'Secret1', 'pass word', 'pass%20word', 'QueryParamSecret']) expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
    }
  });

  it('the last-resort error message masks the secrets of the config the command line names', async () => {
    const path = writeConfig({ postgres: { url: 'postgres://u:Unexpected-Secret1@127.0.0.1:1/db' }, incident: { pagerduty: { routingKey: 'R0UTINGKEY123' } } });
    let said = '';
    const stderr = { write: (t: string) => { said += t; } };
    const code = await fatal(new Error('boom near Unexpected-Secret1 and R0UTINGKEY123'), { config: path }, stderr, {});
    expect(code).toBe(70);
    expect(said).toBe('nvcops: internal error: boom near *** and *** — a bug in nvcops: report it to its maintainers with the command line and this message (NVCOPS_DEBUG=1 shows the stack)\n');
    // One line, whatever the error holds.
    said = '';
    expect(await fatal(new RangeError('Maximum call stack size exceeded\n    at walk (dist/cli.cjs:709:1)'), { config: path }, stderr, {})).toBe(70);
    expect(said).toBe('nvcops: internal error: Maximum call stack size exceeded — a bug in nvcops: report it to its maintainers with the command line and this message (NVCOPS_DEBUG=1 shows the stack)\n');
    // A config that fails validation is still read for its secrets.
    const invalid = writeConfig({ postgres: { url: 'postgres://u:Unexpected-Secret1@127.0.0.1:1/db' }, bogusKey: 1 });
    said = '';
    await fatal(new Error('Unexpected-Secret1'), { config: invalid }, stderr, {});
    expect(said).not.toContain('Unexpected-Secret1');
  });
});
