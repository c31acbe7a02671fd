/**
 * Throwaway PostgreSQL and Redis servers on free loopback ports, for tests, the demo and the
 * benchmark. Nothing touches the machine's own servers on 5432/6379. initdb refuses root, so as
 * root the cluster is created and run as the unprivileged `postgres` (or `nobody`) user.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';

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

function ownedTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  if (isRoot()) {
    const user = runAsUser();
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`))!;
    const [, , uid, gid] = line.split(':');
    chownSync(dir, Number(uid), Number(gid));
  }
  return dir;
}

/** Runs a PostgreSQL binary as the cluster's owner. */
function pgExec(bin: string, args: string[], cwd: string) {
  const exe = join(postgresBin(), bin);
  return isRoot() ? execa('runuser', ['-u', runAsUser(), '--', exe, ...args], { cwd }) : execa(exe, args, { cwd });
}

export interface PgServer {
  port: number;
  dir: string;
  dataDir: string;
  /** Superuser URL (trust auth on loopback). */
  url: string;
  urlFor(user: string, database?: string, password?: string): string;
  /** The postmaster's process id (for SIGSTOP tests). */
  pid(): number;
  /** Runs SQL as the superuser on a fresh connection. */
  sql<T extends pg.QueryResultRow = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** A connection held open by the test (to hold locks, sit idle in a transaction, fill slots). */
  connect(user?: string, database?: string): Promise<pg.Client>;
  stop(): Promise<void>;
  /** Where the server log is written. */
  logFile: string;
}

export interface PgOptions {
  /** postgresql.conf settings, e.g. { max_connections: 10 }. */
  settings?: Record<string, string | number | boolean>;
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
};

function makeServer(port: number, dir: string, dataDir: string, logFile: string): PgServer {
  const urlFor = (user: string, database = 'postgres', password?: string) =>
    `postgres://${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@127.0.0.1:${port}/${database}`;
  const clients: pg.Client[] = [];
  const server: PgServer = {
    port, dir, dataDir, logFile,
    url: urlFor('postgres'),
    urlFor,
    pid: () => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]),
    async connect(user = 'postgres', database = 'postgres') {
      const c = new pg.Client({ connectionString: urlFor(user, database) });
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

async function pgStart(dataDir: string, dir: string, port: number, logFile: string): Promise<void> {
  await pgExec('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}`, 'start'], dir);
}

/** initdb + pg_ctl start on a free loopback port; wal_level replica so a streaming replica can follow. */
export function startPostgres(opts: PgOptions = {}): Promise<PgServer> {
  return tracked(launchPostgres(opts));
}

async function launchPostgres(opts: PgOptions): Promise<PgServer> {
  const dir = ownedTempDir('nvcops-pg-');
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  await pgExec('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], dir);
  const settings: Record<string, string | number | boolean> = {
    fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', wal_level: 'replica', max_wal_senders: 5,
    logging_collector: 'off', log_line_prefix: "'%m [%p] %q%u@%d '", ...opts.settings,
  };
  const conf = Object.entries(settings).map(([k, v]) => `${k} = ${typeof v === 'string' && !v.startsWith("'") ? `'${v}'` : v}`).join('\n');
  writeFileSync(join(dataDir, 'postgresql.auto.conf'), `${conf}\n`);
  const port = await freePort();
  await pgStart(dataDir, dir, port, logFile);
  return makeServer(port, dir, dataDir, logFile);
}

/** A streaming replica of `primary` (pg_basebackup -R), started on its own port. */
export function startReplica(primary: PgServer): Promise<PgServer> {
  return tracked(launchReplica(primary));
}

async function launchReplica(primary: PgServer): Promise<PgServer> {
  const dir = ownedTempDir('nvcops-pg-replica-');
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  await pgExec('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', dataDir, '-R', '-X', 'stream', '--checkpoint=fast'], dir);
  const port = await freePort();
  await pgStart(dataDir, dir, port, logFile);
  return makeServer(port, dir, dataDir, logFile);
}

export interface RedisServer {
  port: number;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** redis-server on a free loopback port (or the one given), nothing persisted. */
export function startRedis(extraArgs: string[] = [], port?: number): Promise<RedisServer> {
  return tracked(launchRedis(extraArgs, port));
}

async function launchRedis(extraArgs: string[], port?: number): Promise<RedisServer> {
  port ??= await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'nvcops-redis-'));
  const child = spawn(redisBin(), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    url: `redis://127.0.0.1:${port}`,
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
