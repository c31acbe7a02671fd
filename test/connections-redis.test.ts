import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, type TestCa } from './support/certs.js';
import { nvcops, writeConfig } from './support/cli.js';
import { parseReport } from './support/report.js';
import { freePort, randomPassword, startRedis, type RedisServer } from './support/servers.js';
import { until } from './support/until.js';

const PASSWORD = 'Db3-s3cret-pw';

const started: { stop(): Promise<void> | void }[] = [];
const clients: Redis[] = [];
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(started.map((s) => s.stop()));
});

/** A test's own client (ioredis, as production apps use), on the database and TLS it is given. */
function client(url: string, options: RedisOptions = {}): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, ...options });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}

/** The harness's URL with a password (set here if the harness set none) and database 3. */
async function passwordRedis(): Promise<{ server: RedisServer; url: string }> {
  const server = await startRedis();
  started.push(server);
  const u = new URL(server.url);
  if (!u.password) {
    await client(server.url).config('SET', 'requirepass', PASSWORD);
    u.password = PASSWORD;
  }
  u.pathname = '/3';
  return { server, url: u.toString() };
}

const withDb = (url: string, db: number) => Object.assign(new URL(url), { pathname: `/${db}` }).toString();

describe('Redis: the database the URL names', () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await passwordRedis());
  });

  it('maintain cache --flush plans and flushes database 3 of redis://:pw@host/3, and leaves database 0 alone', async () => {
    const db0 = client(withDb(url, 0));
    const db3 = client(url);
    await db0.mset('keep:1', 'a', 'keep:2', 'b');
    await db3.mset('session:1', 'x', 'session:2', 'y', 'session:3', 'z');
    const config = writeConfig({ environment: 'staging', redis: { url } });
    const plan = await nvcops(['maintain', 'cache', '--flush', '--dry-run', '--config', config]);
    expect(plan.stdout).toMatch(/database 3: 3 keys; server memory used/);
    expect(plan.stdout).toMatch(/FLUSHDB ASYNC on database 3/);
    expect(plan.stdout).not.toMatch(/database 0/);
    const r = await nvcops(['maintain', 'cache', '--flush', '--yes', '--confirm-env', 'staging', '--config', config]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/database 3: 3 → 0 keys/);
    expect(await db3.dbsize()).toBe(0);
    expect(await db0.dbsize()).toBe(2);
    expect(r.stdout + r.stderr + plan.stdout + plan.stderr).not.toContain(PASSWORD);
  });

  it('the checks read the database the URL names (largest keys in database 3, none in database 0)', async () => {
    const db0 = client(withDb(url, 0));
    const db3 = client(url);
    await db0.flushdb();
    await db0.set('zero:big', 'x'.repeat(5000));
    await db3.set('three:big', 'y'.repeat(9000));
    const r = await nvcops(['weekly', 'performance', '--config', writeConfig({ redis: { url } }), '--format', 'json']);
    const largest = parseReport(r.stdout).byId['redis.largest-keys'];
    expect(JSON.stringify(largest)).toContain('three:big');
    expect(JSON.stringify(largest)).not.toContain('zero:big');
  });

  it('a database the server does not have is error on every line and a flush that does nothing, never database 0 instead', async () => {
    const db0 = client(withDb(url, 0));
    await db0.set('keep:99', 'a');
    const missing = withDb(url, 99);
    const r = await nvcops(['health', 'db', '--config', writeConfig({ redis: { url: missing } }), '--format', 'json']);
    expect(parseReport(r.stdout).byId['redis.ping']).toMatchObject({ status: 'error', message: expect.stringMatching(/refused nvcops' database 99: ERR DB index is out of range — fix the database in redis\.url/) });
    const flush = await nvcops(['maintain', 'cache', '--flush', '--yes', '--confirm-env', 'staging', '--config', writeConfig({ environment: 'staging', redis: { url: missing } })]);
    expect(flush.exitCode).toBe(3);
    expect(flush.stderr).toMatch(/^nvcops: nothing was done: .*database 99/m);
    expect(await db0.get('keep:99')).toBe('a');
  });

  it('redis.database sets the database when the URL names none; a conflicting one, a bad path, or a cluster database other than 0 is one line, exit 78', async () => {
    const db3 = client(url);
    await db3.flushdb();
    await db3.set('session:db', 'x');
    const bare = withDb(url, 0).replace(/\/0$/, '');
    const plan = await nvcops(['maintain', 'cache', '--flush', '--dry-run', '--config', writeConfig({ environment: 'staging', redis: { url: bare, database: 3 } })]);
    expect(plan.stdout).toMatch(/database 3: 1 keys/);
    const cases: [object, RegExp][] = [
      [{ url, database: 2 }, /^nvcops: invalid configuration: redis\.database: 2, but redis\.url names database 3; keep one$/m],
      [{ url: url.replace(/\/3$/, '/three') }, /^nvcops: invalid configuration: redis\.url: the database three is not a number; end the URL with the database index/m],
      [{ url: `${withDb(url, 0).replace(/\/0$/, '')}/?db=3` }, /^nvcops: invalid configuration: redis\.url: query parameter db is not read; put the database in the path/m],
      [{ cluster: [url] }, /^nvcops: invalid configuration: redis\.cluster\[0\]: a Redis Cluster has only database 0$/m],
      [{ sentinels: [url], name: 'payments' }, /^nvcops: invalid configuration: redis\.sentinels\[0\]: a sentinel has no database; set the master's in redis\.database$/m],
    ];
    for (const [redis, message] of cases) {
      const r = await nvcops(['health', 'db', '--config', writeConfig({ redis })]);
      expect(r.exitCode, JSON.stringify(redis)).toBe(78);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toContain(PASSWORD);
    }
  });

  it('logs in as the ACL user of the URL, or redis.username when the URL names none', async () => {
    const admin = client(url);
    await admin.acl('SETUSER', 'ops', 'on', '>Ops-acl-pw-7', '~*', '+@all');
    // The default user's password is not ops' one: only a login as ops succeeds.
    const asOps = Object.assign(new URL(url), { username: 'ops', password: 'Ops-acl-pw-7' }).toString();
    const fromUrl = await nvcops(['health', 'db', '--config', writeConfig({ redis: { url: asOps } }), '--format', 'json']);
    expect(parseReport(fromUrl.stdout).byId['redis.ping']).toMatchObject({ status: 'pass' });
    const noUser = Object.assign(new URL(url), { username: '', password: '' }).toString();
    const fromConfig = await nvcops(['health', 'db', '--config', writeConfig({ redis: { url: noUser, username: 'ops', password: 'Ops-acl-pw-7' } }), '--format', 'json']);
    expect(parseReport(fromConfig.stdout).byId['redis.ping']).toMatchObject({ status: 'pass' });
    const wrong = await nvcops(['health', 'db', '--config', writeConfig({ redis: { url: noUser, username: 'ops', password: 'not-the-pw' } }), '--format', 'json']);
    expect(parseReport(wrong.stdout).byId['redis.ping']).toMatchObject({ status: 'error', message: expect.stringMatching(/refused nvcops' login as ops: WRONGPASS .+ redis\.username \/ redis\.password/) });
    const clientsSeen = String(await admin.client('LIST'));
    expect(clientsSeen).not.toMatch(/name=nvcops .*user=default/);
  });

  it('config check shows where the Redis settings come from, passwords masked', async () => {
    const r = await nvcops(['config', 'check', '--config', writeConfig({ redis: { url, username: 'ops' } })]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toContain(PASSWORD);
    const section = r.stdout.slice(r.stdout.indexOf('# Redis'));
    expect(section).toMatch(/database\s+3\s+redis\.url/);
    expect(section).toMatch(/user\s+ops\s+redis\.username/);
    expect(section).toMatch(/password\s+\(secret\)\s+redis\.url/);
    expect(section).toMatch(/tls\s+off\s+redis:\/\//);
    const env = await nvcops(['config', 'check', '--config', writeConfig({ redis: { url: withDb(url, 5) } })], { env: { NVCOPS_REDIS_URL: url } });
    expect(env.stdout.slice(env.stdout.indexOf('# Redis'))).toMatch(/database\s+3\s+NVCOPS_REDIS_URL/);
    expect(env.stdout).not.toContain(PASSWORD);
  });
});

/** TLS: redis-server with a throwaway CA; clients must present a certificate signed by it. */
describe('Redis over TLS: standalone, Sentinel and Cluster with a CA and a client certificate', () => {
  let ca: TestCa;
  let server: { cert: string; key: string };
  let clientPair: { cert: string; key: string };
  const tlsArgs = () => ['--tls-cert-file', server.cert, '--tls-key-file', server.key, '--tls-ca-cert-file', ca.ca, '--tls-auth-clients', 'yes'];
  const tlsOptions = () => ({ tls: { ca: ca.ca, cert: clientPair.cert, key: clientPair.key } });
  /** The harness's Redis listening for TLS only, on the port its URL names. */
  async function tlsRedis(extra: string[] = []): Promise<{ server: RedisServer; url: string }> {
    const port = await freePort();
    const s = await startRedis(['--port', '0', '--tls-port', String(port), ...tlsArgs(), ...extra], port);
    started.push(s);
    return { server: s, url: s.url.replace(/^redis:/, 'rediss:') };
  }
  const redisCli = (port: number, ...args: string[]) =>
    execa('redis-cli', ['--tls', '--cacert', ca.ca, '--cert', clientPair.cert, '--key', clientPair.key, '-p', String(port), ...args]).then((r) => r.stdout);

  beforeAll(async () => {
    ca = await makeCa();
    server = await ca.leaf('redis-server');
    clientPair = await ca.leaf('nvcops-client', { hosts: ['nvcops'] });
  });

  it('standalone: redis.tls ca + client certificate pass; without the certificate the reset names it; without the CA the check is error, not down', async () => {
    const { url } = await tlsRedis();
    const ok = await nvcops(['health', 'db', '--config', writeConfig({ redis: { url, ...tlsOptions() } }), '--format', 'json']);
    expect(parseReport(ok.stdout).byId['redis.ping']).toMatchObject({ status: 'pass' });
    const shown = await nvcops(['config', 'check', '--config', writeConfig({ redis: { url, ...tlsOptions() } })]);
    expect(shown.stdout).toMatch(/tls\s+on\s+redis\.tls and rediss:\/\//);
    for (const key of ['ca', 'cert', 'key'] as const) expect(shown.stdout).toMatch(new RegExp(`tls ${key}\\s+${tlsOptions().tls[key].replace(/[.]/g, '\\.')}\\s+redis\\.tls\\.${key}`));
    const noCert = await nvcops(['health', 'db', '--config', writeConfig({ redis: { url, tls: { ca: ca.ca } } }), '--format', 'json']);
    expect(parseReport(noCert.stdout).byId['redis.ping'], noCert.stdout.match(/"message":"[^"]*"/)?.[0]).toMatchObject({ status: 'fail', message: expect.stringMatching(/ — if the server requires client certificates \(tls-auth-clients\), set redis\.tls\.cert and redis\.tls\.key$/) });
    // Without the CA the server's certificate is not trusted.
    const noCa = await nvcops(['health', 'db', '--config', writeConfig({ redis: { url, tls: { cert: clientPair.cert, key: clientPair.key } } }), '--format', 'json']);
    // nvcops' trust settings, not the server: error (cannot see), never fail (down).
    expect(parseReport(noCa.stdout).byId['redis.ping']).toMatchObject({ status: 'error', message: expect.stringMatching(/its certificate is not trusted \(self-signed certificate in certificate chain\) — set redis\.tls\.ca/) });
  });

  it('rejects bad redis.tls values with one line naming the field, before connecting (exit 78)', async () => {
    const { url } = await tlsRedis();
    const plain = url.replace(/^rediss:/, 'redis:');
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-tls-'));
    // A FIFO would block the TLS client's read forever.
    const fifo = join(dir, 'ca.fifo');
    await execa('mkfifo', [fifo]);
    const cases: [object, RegExp][] = [
      [{ url, tls: { ca: join(dir, 'missing.pem') } }, /^nvcops: invalid configuration: redis\.tls\.ca: .*missing\.pem does not exist$/m],
      [{ url, tls: { ca: dir } }, /^nvcops: invalid configuration: redis\.tls\.ca: .* is not a regular file$/m],
      [{ url, tls: { ca: fifo } }, /^nvcops: invalid configuration: redis\.tls\.ca: .*ca\.fifo is not a regular file$/m],
      [{ url, tls: { cert: clientPair.cert } }, /^nvcops: invalid configuration: redis\.tls\.key: required with redis\.tls\.cert/m],
      [{ url, tls: { ca: ca.ca, verify: true } }, /redis\.tls.*verify/],
      [{ url: plain, tls: { ca: ca.ca } }, /^nvcops: invalid configuration: redis\.url: redis\.tls is set, so use rediss:\/\/$/m],
      // Sentinel URLs name no database (that is its own one-line error); only their schemes differ.
      [{ sentinels: [url, plain].map((u) => withDb(u, 0).replace(/\/0$/, '')), name: 'payments' }, /^nvcops: invalid configuration: redis\.sentinels\[1\]: uses redis:\/\/ while redis\.sentinels\[0\] uses rediss:\/\//m],
    ];
    for (const [redis, message] of cases) {
      const r = await nvcops(['health', 'db', '--config', writeConfig({ redis })]);
      expect(r.exitCode, JSON.stringify(redis)).toBe(78);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('Sentinel: the sentinels and the master they name, both over TLS with the client certificate', async () => {
    const master = await tlsRedis(['--tls-replication', 'yes']);
    const masterPassword = new URL(master.url).password;
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'nvcops-sentinel-tls-'));
    writeFileSync(join(dir, 'sentinel.conf'), [
      'port 0', `tls-port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
      `tls-cert-file ${server.cert}`, `tls-key-file ${server.key}`, `tls-ca-cert-file ${ca.ca}`, 'tls-auth-clients yes', 'tls-replication yes',
      `sentinel monitor payments 127.0.0.1 ${master.server.port} 1`,
      ...(masterPassword ? [`sentinel auth-pass payments ${decodeURIComponent(masterPassword)}`] : []), '',
    ].join('\n'));
    const sentinel: ChildProcess = spawn('redis-server', [join(dir, 'sentinel.conf'), '--sentinel'], { stdio: 'ignore' });
    started.push({ stop: () => void sentinel.kill('SIGKILL') });
    // A sentinel still starting refuses the command: not yet, rather than a failure.
    await until('the TLS sentinel', () => redisCli(port, 'SENTINEL', 'get-master-addr-by-name', 'payments').then((r) => r.includes(String(master.server.port)), () => false));
    const masterUrl = new URL(master.url);
    const redis = {
      sentinels: [`rediss://127.0.0.1:${port}`], name: 'payments', ...tlsOptions(),
      ...(masterUrl.password && { password: decodeURIComponent(masterUrl.password) }),
    };
    const r = await nvcops(['health', 'db', '--config', writeConfig({ redis }), '--format', 'json']);
    const ping = parseReport(r.stdout).byId['redis.ping']!;
    expect(ping).toMatchObject({ status: 'pass' });
    expect(ping.message).toContain(`127.0.0.1:${master.server.port}`);
    // The same setup without TLS options cannot reach the sentinels: not a pass.
    const plain = await nvcops(['health', 'db', '--config', writeConfig({ redis: { ...redis, sentinels: [`redis://127.0.0.1:${port}`], tls: undefined } }), '--format', 'json']);
    expect(parseReport(plain.stdout).byId['redis.ping']!.status).not.toBe('pass');
  });

  it('Cluster: every node over TLS (tls-cluster) with the client certificate', async () => {
    // One password for the whole cluster, as redis-cli --cluster and the nodes' replication expect.
    const password = randomPassword();
    const nodes = await Promise.all([0, 1, 2].map(() => tlsRedis(['--cluster-enabled', 'yes', '--cluster-node-timeout', '1000', '--tls-cluster', 'yes', '--tls-replication', 'yes', '--requirepass', password, '--masterauth', password])));
    const clusterCli = (...args: string[]) =>
      execa('redis-cli', ['--tls', '--cacert', ca.ca, '--cert', clientPair.cert, '--key', clientPair.key, ...args], { env: { REDISCLI_AUTH: password } }).then((r) => r.stdout);
    await clusterCli('--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.server.port}`), '--cluster-yes');
    await until('cluster_state ok', () => clusterCli('-p', String(nodes[0]!.server.port), 'CLUSTER', 'INFO').then((r) => /cluster_state:ok/.test(r), () => false));
    const seeds = nodes.map((n) => withDb(n.url, 0).replace(/\/0$/, ''));
    const r = await nvcops(['health', 'db', '--config', writeConfig({ redis: { cluster: seeds.slice(0, 2), ...tlsOptions() } }), '--format', 'json']);
    expect(parseReport(r.stdout).byId['redis.cluster']).toMatchObject({ status: 'pass', message: '3 masters, 0 replicas; 16384 of 16384 slots served' });
    expect(parseReport(r.stdout).byId['redis.ping']).toMatchObject({ status: 'pass' });
  });
});
