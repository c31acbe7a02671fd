/**
 * Throwaway PostgreSQL and Redis servers on free loopback ports, for tests, the demo and the
 * benchmark, set up as production is: scram passwords for every role, TLS with a throwaway CA, a
 * monitoring role, Redis with a password on a non-zero database. Nothing touches the machine's own
 * servers on 5432/6379. initdb refuses root, so as root the cluster is created and run as the
 * unprivileged `postgres` (or `nobody`) user.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { makeCa, type TestCa } from './certs.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function which(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, bin))) return join(dir, bin);
  return undefined;
}

/** The newest PostgreSQL server binaries: $PG_BIN, /usr/lib/postgresql/<newest>/bin, or initdb on PATH. */
export function postgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions[0]) return join(root, versions[0], 'bin');
  const initdb = which('initdb');
  if (initdb) return initdb.replace(/\/initdb$/, '');
  throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found: install them with `apt-get install postgresql` (or set PG_BIN)');
}

function redisBin(): string {
  const bin = which('redis-server');
  if (!bin) throw new Error('redis-server not found: install it with `apt-get install redis-server`');
  return bin;
}

const isRoot = () => process.getuid?.() === 0;
const runAsUser = (): string => {
  if (!isRoot()) return userInfo().username;
  try {
    readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))!.toString();
    return 'postgres';
  } catch {
    return 'nobody';
  }
};

/** Gives a file or directory to the user the servers run as (a no-op unless root). */
export function giveToRunAsUser(path: string): void {
  if (!isRoot()) return;
  const user = runAsUser();
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`))!;
  const [, , uid, gid] = line.split(':');
  chownSync(path, Number(uid), Number(gid));
}

export function ownedTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  giveToRunAsUser(dir);
  return dir;
}

/** Runs a program as the servers' OS user (pgBackRest, like initdb, refuses root); secrets go in `env`, never in argv. */
export function asServerUser(exe: string, args: string[], cwd: string, env?: Record<string, string>) {
  return isRoot() ? execa('runuser', ['-u', runAsUser(), '--', exe, ...args], { cwd, env }) : execa(exe, args, { cwd, env });
}

/** The OS user the test servers run as (what a pgBackRest `user` setting names). */
export const serverUser = (): string => runAsUser();

/** Runs a PostgreSQL binary as the cluster's owner. */
const pgExec = (bin: string, args: string[], cwd: string, env?: Record<string, string>) => asServerUser(join(postgresBin(), bin), args, cwd, env);
/**
 * The environment that runs a process under libfaketime (Debian package `faketime`) with its clock
 * `offset` away from the host's (FAKETIME syntax: `+10s`, `-1m`), monotonic clocks left true.
 * redis-server cannot run under it (jemalloc calls clock_gettime before libfaketime is ready).
 */
export function fakeClock(offset: string): Record<string, string> {
  const lib = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'].find(existsSync);
  if (!lib) throw new Error('libfaketime not found: install it with `apt-get install faketime`');
  return { LD_PRELOAD: lib, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}

/** A random password, safe in a URL without escaping. */
export const randomPassword = (): string => randomBytes(12).toString('hex');

/**
 * The test file's throwaway CA and the one server certificate (SAN localhost, 127.0.0.1) every
 * server of the file copies: made once per file, since openssl is the slow part of a TLS server.
 */
let serverTls: Promise<{ ca: TestCa; pair: { cert: string; key: string } }> | undefined;
function tlsMaterial() {
  serverTls ??= (async () => {
    const ca = await makeCa();
    // The server's OS user reads the CA (a replica's primary_conninfo names it) but not the CA's key.
    chmodSync(ca.dir, 0o755);
    chmodSync(ca.ca, 0o644);
    return { ca, pair: await ca.leaf('harness-server') };
  })();
  return serverTls;
}
/** The CA of this test file's servers (made on first use), for a test's own certificates to share. */
export const testCa = async (): Promise<TestCa> => (await tlsMaterial()).ca;

/** Copies the server certificate into a server's own directory, the key private to the server's OS user. */
async function serverCert(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const { ca, pair } = await tlsMaterial();
  const cert = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  copyFileSync(pair.cert, cert);
  copyFileSync(pair.key, key);
  chmodSync(cert, 0o644);
  chmodSync(key, 0o600);
  giveToRunAsUser(cert);
  giveToRunAsUser(key);
  return { ca: ca.ca, cert, key };
}

export interface PgServer {
  port: number;
  dir: string;
  dataDir: string;
  /** The superuser `postgres`'s URL, with its password and (TLS on) `sslmode=verify-full&sslrootcert=<ca>`. */
  url: string;
  /** A role's URL, TLS parameters as in `url`; the password defaults to the superuser's for `postgres`, the monitor's for `nvcops_monitor`. */
  urlFor(user: string, database?: string, password?: string): string;
  /** The monitoring role `nvcops_monitor` (LOGIN, only pg_monitor)'s URL: what checks run as. */
  monitorUrl: string;
  /** The superuser `postgres`'s password. */
  password: string;
  /** The monitoring role's password. */
  monitorPassword: string;
  /** The CA file that signed the server's certificate (undefined with `tls: false`). */
  ca: string | undefined;
  /** The postmaster's process id (for SIGSTOP tests). */
  pid(): number;
  /** Stops the server cleanly (a shutdown checkpoint), runs `whileStopped` on its files, starts it again: shared buffers start empty. */
  restart(whileStopped?: () => void | Promise<void>): Promise<void>;
  /** Runs SQL as the superuser on a fresh connection. */
  sql<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** A connection held open by the test (to hold locks, sit idle in a transaction, fill slots). */
  connect(user?: string, database?: string, password?: string): Promise<pg.Client>;
  stop(): Promise<void>;
  /** Where the server log is written. */
  logFile: string;
}

export interface PgOptions {
  /** postgresql.conf settings, e.g. { max_connections: 10 }. */
  settings?: Record<string, string | number | boolean>;
  /** false: a plain server without TLS (passwords still scram); URLs then carry no TLS parameters. */
  tls?: boolean;
  /** TLS required: pg_hba.conf's TCP lines become `hostssl`, so a plain connection is refused. */
  requireTls?: boolean;
  /** The port (default: a free one), e.g. a new cluster where a stopped one listened. */
  port?: number;
  /** false: initdb without data checksums (on by default, as initdb's default since PostgreSQL 18 and production's). */
  checksums?: boolean;
  /**
   * Called after initdb, before the first start, with the server's directories: more settings (an
   * archive_command naming a file in `dir`) and the environment the server runs with (a secret its
   * archive_command needs, never in a file or argv). test/support/pgbackrest.ts uses it.
   */
  prepare?: (dirs: { dir: string; dataDir: string }) => { settings?: Record<string, string | number | boolean>; env?: Record<string, string> };
  /** The server's clock this far from the host's (libfaketime, FAKETIME syntax: `+10s`): a server whose clock drifted. */
  clockOffset?: string;
  /** initdb --waldir: the WAL in this (empty or missing) directory, e.g. on a filesystem of its own. */
  walDir?: string;
}

/** How a server is reached: its passwords and the CA its certificate is checked against. */
interface PgAccess {
  password: string;
  monitorPassword: string;
  ca: string | undefined;
}

/**
 * The servers this test file started and has not stopped. test/support/setup.ts stops them when the
 * file ends, so that a beforeAll failing after its first server (a missing extension) leaves none behind.
 */
const running = new Set<{ stop(): Promise<void> }>();
/** Starts still under way: a Promise.all that rejected early leaves its other starts running. */
const starting = new Set<Promise<unknown>>();
function tracked<T>(start: Promise<T>): Promise<T> {
  starting.add(start);
  start.then(() => starting.delete(start), () => starting.delete(start));
  return start;
}
export const stopLeftovers = async (): Promise<void> => {
  await Promise.allSettled([...starting]);
  await Promise.all([...running].map((s) => s.stop()));
  const tls = serverTls;
  serverTls = undefined;
  if (tls) rmSync((await tls).ca.dir, { recursive: true, force: true });
};

export const MONITOR_ROLE = 'nvcops_monitor';

function makeServer(port: number, dir: string, dataDir: string, logFile: string, access: PgAccess): PgServer {
  const known: Record<string, string> = { postgres: access.password, [MONITOR_ROLE]: access.monitorPassword };
  const tlsParams = access.ca ? `?sslmode=verify-full&sslrootcert=${access.ca}` : '';
  // encodeURI, not encodeURIComponent: pg reads the path with decodeURI, which would leave %2C (a comma) encoded.
  const urlFor = (user: string, database = 'postgres', password = known[user]) =>
    `postgres://${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@127.0.0.1:${port}/${encodeURI(database)}${tlsParams}`;
  const clients: pg.Client[] = [];
  const server: PgServer = {
    port, dir, dataDir, logFile,
    url: urlFor('postgres'),
    urlFor,
    monitorUrl: urlFor(MONITOR_ROLE),
    password: access.password,
    monitorPassword: access.monitorPassword,
    ca: access.ca,
    pid: () => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]),
    async restart(whileStopped) {
      await pgExec('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop'], dir);
      await whileStopped?.();
      await pgStart(dataDir, dir, port, logFile);
    },
    async connect(user = 'postgres', database = 'postgres', password?: string) {
      const c = new pg.Client({ connectionString: urlFor(user, database, password) });
      c.on('error', () => undefined);
      await c.connect();
      clients.push(c);
      return c;
    },
    async sql(text, params) {
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      try {
        return (await c.query(text, params)).rows;
      } finally {
        await c.end();
      }
    },
    async stop() {
      for (const c of clients.splice(0)) {
        (c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      }
      try {
        process.kill(server.pid(), 'SIGCONT');
      } catch {
        // already gone
      }
      await pgExec('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], dir).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      running.delete(server);
    },
  };
  running.add(server);
  return server;
}

async function pgStart(dataDir: string, dir: string, port: number, logFile: string, env?: Record<string, string>): Promise<void> {
  await pgExec('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}`, 'start'], dir, env);
}

/** initdb + pg_ctl start on a free loopback port; wal_level replica so a streaming replica can follow. */
export function startPostgres(opts: PgOptions = {}): Promise<PgServer> {
  return tracked(launchPostgres(opts));
}

const confLines = (settings: Record<string, string | number | boolean>): string =>
  Object.entries(settings).map(([k, v]) => `${k} = ${typeof v === 'string' && !v.startsWith("'") ? `'${v}'` : v}\n`).join('');

async function launchPostgres(opts: PgOptions): Promise<PgServer> {
  const dir = ownedTempDir('nvcops-pg-');
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const access: PgAccess = { password: randomPassword(), monitorPassword: randomPassword(), ca: undefined };
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${access.password}\n`, { mode: 0o600 });
  giveToRunAsUser(pwfile);
  await pgExec('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '--no-sync', '-E', 'UTF8', '--locale=C', ...(opts.checksums === false ? [] : ['--data-checksums']), ...(opts.walDir ? [`--waldir=${opts.walDir}`] : [])], dir);
  rmSync(pwfile);
  const settings: Record<string, string | number | boolean> = {
    fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', wal_level: 'replica', max_wal_senders: 5,
    logging_collector: 'off', log_line_prefix: "'%m [%p] %q%u@%d '",
  };
  if (opts.tls !== false) {
    const tls = await serverCert(dir);
    Object.assign(settings, { ssl: 'on', ssl_cert_file: tls.cert, ssl_key_file: tls.key });
    access.ca = tls.ca;
  }
  const prepared = opts.prepare?.({ dir, dataDir });
  writeFileSync(join(dataDir, 'postgresql.auto.conf'), confLines({ ...settings, ...prepared?.settings, ...opts.settings }));
  if (opts.requireTls) {
    const hba = join(dataDir, 'pg_hba.conf');
    writeFileSync(hba, readFileSync(hba, 'utf8').replace(/^host(\s)/gm, 'hostssl$1'));
  }
  const port = opts.port ?? await freePort();
  await pgStart(dataDir, dir, port, logFile, prepared?.env || opts.clockOffset ? { ...prepared?.env, ...(opts.clockOffset && fakeClock(opts.clockOffset)) } : undefined);
  const server = makeServer(port, dir, dataDir, logFile, access);
  // scram whatever password_encryption a test sets (pg_hba.conf asks for scram); kept out of the server log and
  // pgAudit's, which hold the test's own events only (and no password): the SETs go first, as their own
  // statement, since log_statement judges a query string when it arrives.
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  try {
    await c.query("SET log_statement = 'none'; SET pgaudit.log = 'none'; SET password_encryption = 'scram-sha-256'");
    await c.query(`CREATE ROLE ${MONITOR_ROLE} LOGIN PASSWORD '${access.monitorPassword}' IN ROLE pg_monitor`);
  } finally {
    await c.end();
  }
  return server;
}

/** A streaming replica of `primary` (pg_basebackup -R), started on its own port. */
export function startReplica(primary: PgServer): Promise<PgServer> {
  return tracked(launchReplica(primary));
}

async function launchReplica(primary: PgServer): Promise<PgServer> {
  const dir = ownedTempDir('nvcops-pg-replica-');
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  // -R writes these into the replica's primary_conninfo, so it streams over verified TLS too.
  const env: Record<string, string> = { PGPASSWORD: primary.password, ...(primary.ca ? { PGSSLMODE: 'verify-full', PGSSLROOTCERT: primary.ca } : {}) };
  await pgExec('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', dataDir, '-R', '-X', 'stream', '--checkpoint=fast'], dir, env);
  // Its own copy of the certificate: the primary's directory goes when the primary stops.
  if (primary.ca) {
    const tls = await serverCert(dir);
    appendFileSync(join(dataDir, 'postgresql.auto.conf'), confLines({ ssl_cert_file: tls.cert, ssl_key_file: tls.key }));
  }
  const port = await freePort();
  await pgStart(dataDir, dir, port, logFile);
  return makeServer(port, dir, dataDir, logFile, { password: primary.password, monitorPassword: primary.monitorPassword, ca: primary.ca });
}

/** Whether something accepts a TCP connection on this loopback port. */
const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });

export interface PgbouncerServer {
  port: number;
  /** The admin console as the monitoring role (in stats_users): what nvcops' pgbouncer.url names. */
  consoleUrl: string;
  /** A URL through the pooler to `database` as the superuser, for a test's application traffic. */
  urlFor(database?: string): string;
  stop(): Promise<void>;
}

export interface PgbouncerOptions {
  /** default_pool_size (default 20, PgBouncer's own). */
  poolSize?: number;
}

/**
 * PgBouncer in front of `pg` on a free loopback port, run as the cluster's OS user (it refuses root):
 * transaction pooling, scram for every client from an auth_file holding the roles' SCRAM secrets
 * (read from pg_authid), which PgBouncer also uses to log in to the server; the monitoring role is
 * in stats_users, so it may open the admin console and nothing more.
 */
export function startPgbouncer(pg: PgServer, opts: PgbouncerOptions = {}): Promise<PgbouncerServer> {
  return tracked(launchPgbouncer(pg, opts));
}

async function launchPgbouncer(server: PgServer, opts: PgbouncerOptions): Promise<PgbouncerServer> {
  const bin = ['/usr/sbin/pgbouncer', which('pgbouncer')].find((b): b is string => Boolean(b && existsSync(b)));
  if (!bin) throw new Error('pgbouncer not found: install it with `apt-get install pgbouncer`');
  const dir = ownedTempDir('nvcops-pgbouncer-');
  const port = await freePort();
  const secrets = await server.sql<{ rolname: string; rolpassword: string }>('SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY($1)', [['postgres', MONITOR_ROLE]]);
  const userlist = join(dir, 'userlist.txt');
  writeFileSync(userlist, secrets.map((r) => `"${r.rolname}" "${r.rolpassword}"\n`).join(''), { mode: 0o600 });
  giveToRunAsUser(userlist);
  const ini = join(dir, 'pgbouncer.ini');
  writeFileSync(ini, [
    '[databases]',
    `postgres = host=127.0.0.1 port=${server.port} dbname=postgres`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1', `listen_port = ${port}`, 'unix_socket_dir =',
    'auth_type = scram-sha-256', `auth_file = ${userlist}`, `stats_users = ${MONITOR_ROLE}`,
    'pool_mode = transaction', `default_pool_size = ${opts.poolSize ?? 20}`,
    `logfile = ${join(dir, 'pgbouncer.log')}`, `pidfile = ${join(dir, 'pgbouncer.pid')}`,
    'ignore_startup_parameters = extra_float_digits',
    '',
  ].join('\n'));
  await (isRoot() ? execa('runuser', ['-u', runAsUser(), '--', bin, '-d', ini], { cwd: dir }) : execa(bin, ['-d', ini], { cwd: dir }));
  const pid = () => Number(readFileSync(join(dir, 'pgbouncer.pid'), 'utf8').trim());
  // -d returns once the daemon forked: ready when it has written its pid and accepts a connection.
  const ready = Date.now() + 10_000;
  while (!(existsSync(join(dir, 'pgbouncer.pid')) && await accepts(port))) {
    if (Date.now() > ready) throw new Error(`pgbouncer did not start: ${existsSync(join(dir, 'pgbouncer.log')) ? readFileSync(join(dir, 'pgbouncer.log'), 'utf8') : 'no log'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = (user: string, password: string, database: string) => `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  const bouncer: PgbouncerServer = {
    port,
    consoleUrl: url(MONITOR_ROLE, server.monitorPassword, 'pgbouncer'),
    urlFor: (database = 'postgres') => url('postgres', server.password, database),
    async stop() {
      try {
        const p = pid();
        process.kill(p, 'SIGINT');
        const end = Date.now() + 5000;
        while (Date.now() < end) {
          try { process.kill(p, 0); } catch { break; }
          await new Promise((r) => setTimeout(r, 50));
        }
      } catch {
        // not running
      }
      rmSync(dir, { recursive: true, force: true });
      running.delete(bouncer);
    },
  };
  running.add(bouncer);
  return bouncer;
}

export interface RedisServer {
  port: number;
  /** `redis://:<password>@127.0.0.1:<port>/<db>`. */
  url: string;
  /** The default user's password (`--requirepass`). */
  password: string;
  /** The database `url` names: 3, so that anything talking to database 0 shows; 0 in cluster mode (its only one). */
  db: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface RedisOptions {
  /** More redis-server arguments; a `--requirepass` among them replaces the random password. */
  args?: string[];
  /** The port (default: a free one). */
  port?: number;
  /** false: no password at all, for a test about a careless server. */
  password?: false;
}

/**
 * redis-server on a free loopback port (or the one given), nothing persisted, with a random
 * password. A replica (`--replicaof`) needs `--masterauth <its master's password>` in args.
 */
export function startRedis(opts: RedisOptions | string[] = {}, port?: number): Promise<RedisServer> {
  return tracked(launchRedis(Array.isArray(opts) ? { args: opts, port } : opts));
}

async function launchRedis(opts: RedisOptions): Promise<RedisServer> {
  const port = opts.port ?? await freePort();
  const extraArgs = opts.args ?? [];
  const given = extraArgs.indexOf('--requirepass');
  const password = given >= 0 ? extraArgs[given + 1]! : opts.password === false ? '' : randomPassword();
  const clusterMode = extraArgs.some((a, i) => a === '--cluster-enabled' && extraArgs[i + 1] === 'yes');
  const db = clusterMode ? 0 : 3;
  const dir = mkdtempSync(join(tmpdir(), 'nvcops-redis-'));
  // The random password reaches the server as configuration on stdin ("-"), not in its argv.
  const child = spawn(redisBin(), ['-', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end(given < 0 && password ? `requirepass ${password}\n` : '');
  let output = '';
  child.stdout?.on('data', (d) => { output += d; });
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
    const poll = setInterval(() => {
      if (/Ready to accept connections/.test(output)) { clearInterval(poll); clearTimeout(deadline); resolve(); }
    }, 20);
    child.once('exit', (code) => { clearInterval(poll); clearTimeout(deadline); reject(new Error(`redis-server exited with ${code}: ${output}`)); });
  });
  const server: RedisServer = {
    port,
    url: `redis://${password ? `:${encodeURIComponent(password)}@` : ''}127.0.0.1:${port}/${db}`,
    password,
    db,
    process: child,
    async stop() {
      // Stopping twice is harmless: a process killed by a signal has signalCode set and exitCode still null.
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
      running.delete(server);
    },
  };
  running.add(server);
  return server;
}

/** redis-cli against a test server, in the database its URL names; the password through REDISCLI_AUTH, not argv. */
export const redisCli = (server: RedisServer, args: string[], input?: string) =>
  execa('redis-cli', ['-p', String(server.port), '-n', String(server.db), ...args], { env: server.password ? { REDISCLI_AUTH: server.password } : {}, input });

/** Which of these passwords (given, or a server's own) a text shows: a test expects none. */
export function secretsIn(text: string, ...secrets: Array<string | PgServer | RedisServer>): string[] {
  const all = secrets.flatMap((x) => (typeof x === 'string' ? [x] : 'monitorPassword' in x ? [x.password, x.monitorPassword] : [x.password]));
  return all.filter((x) => x && text.includes(x));
}
