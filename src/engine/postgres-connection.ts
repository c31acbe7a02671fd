/**
 * One PostgreSQL connection resolved by libpq's rules, for nvcops' own sessions (node-postgres) and for
 * the programs it starts (pg_dump, pg_restore), so that both reach the same server as the same role:
 * the URL's keywords, then the service file's section (service= or PGSERVICE), then the PG* variables,
 * then the defaults. The password file (.pgpass) is read only when the server asks for a password.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions, SecureContext } from 'node:tls';
import type { Client, ClientConfig } from 'pg';
import { ConfigError } from './errors.js';
import { SECRET_SHOWN, type SettingSource } from './setting-source.js';

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** The libpq keywords nvcops honours, and the variable each falls back to. */
const VARIABLES = {
  host: 'PGHOST', hostaddr: 'PGHOSTADDR', port: 'PGPORT', dbname: 'PGDATABASE', user: 'PGUSER', password: 'PGPASSWORD', passfile: 'PGPASSFILE',
  sslmode: 'PGSSLMODE', sslrootcert: 'PGSSLROOTCERT', sslcert: 'PGSSLCERT', sslkey: 'PGSSLKEY',
} as const;
type Keyword = keyof typeof VARIABLES;
const KEYWORDS = Object.keys(VARIABLES) as Keyword[];

/** Debian's libpq is built with this sysconfdir (pg_config --sysconfdir); PGSYSCONFDIR moves it. */
const SYSCONFDIR = '/etc/postgresql-common';

export interface PgConnection {
  host: string;
  /** Connect to this address; host still names the server for the certificate and .pgpass. */
  hostaddr?: string;
  port: number;
  database: string;
  user: string;
  /** Undefined: the password file is read when the server asks for one. */
  password?: string;
  passfile: string;
  sslmode: SslMode;
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
  /** host:port, for messages (no credentials). */
  server: string;
  /** host:port/db, for messages and manifests. */
  address: string;
  /** Where each keyword's value came from (`postgres.url`, `PGHOST`, `service bank (<file>)`). */
  from: Partial<Record<Keyword, string>>;
  /** The setting the operator edits to change this connection (named in errors). */
  setting: string;
}

interface ResolveOptions {
  /** The config key the URL came from (postgres.url, postgres.adminUrl, …). */
  setting: string;
  /** Another database on the same server (restores create and swap databases next to the original). */
  database?: string;
  environ?: NodeJS.ProcessEnv;
}

/** Resolves a URL (undefined: the PG* variables alone) into one connection; a bad value is a ConfigError naming where it came from. */
export function resolvePostgres(url: string | undefined, opts: ResolveOptions): PgConnection {
  const environ = opts.environ ?? process.env;
  const values = new Map<Keyword, string>();
  const from: PgConnection['from'] = {};
  const put = (k: Keyword, v: string | undefined, source: string) => {
    if (v && !values.has(k)) {
      values.set(k, v);
      from[k] = source;
    }
  };
  const fromUrl = url ? urlKeywords(url, opts.setting) : new Map<string, string>();
  for (const k of KEYWORDS) put(k, fromUrl.get(k), opts.setting);
  const service = fromUrl.get('service') ?? environ.PGSERVICE;
  if (service) {
    const { file, keywords } = serviceSection(service, environ, fromUrl.has('service') ? `${opts.setting} service=` : 'PGSERVICE');
    for (const k of KEYWORDS) put(k, keywords.get(k), `service ${service} (${file})`);
  }
  for (const k of KEYWORDS) put(k, environ[VARIABLES[k]], VARIABLES[k]);
  if (opts.database) {
    values.set('dbname', opts.database);
    from.dbname = 'chosen by the command';
  }

  const port = values.get('port') ?? '5432';
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw new ConfigError(`${from.port}: port ${port} is not a port; use a whole number from 1 to 65535`);
  const hostaddr = values.get('hostaddr');
  if (hostaddr && !isIP(hostaddr)) throw new ConfigError(`${from.hostaddr}: hostaddr ${hostaddr} is not an IP address`);
  const sslrootcert = values.get('sslrootcert');
  // libpq: sslrootcert=system means the system's trusted roots, and then nothing weaker than verify-full.
  const sslmode = values.get('sslmode') ?? (sslrootcert === 'system' ? 'verify-full' : 'prefer');
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) throw new ConfigError(`${from.sslmode}: sslmode ${sslmode} is not one of ${SSL_MODES.join(', ')}`);
  if (sslrootcert === 'system' && sslmode !== 'verify-full') throw new ConfigError(`${from.sslmode}: sslmode ${sslmode} may not be used with sslrootcert=system (use verify-full)`);
  // hostaddr alone names the server by its address (libpq); else node-postgres' default host, which nvcops
  // hands to the programs it starts too, so both use TCP to localhost.
  const host = values.get('host') ?? hostaddr ?? 'localhost';
  const user = values.get('user') ?? osUser(environ);
  const database = values.get('dbname') ?? user;
  return {
    host, ...(hostaddr && { hostaddr }), port: Number(port), database, user,
    password: values.get('password'),
    passfile: values.get('passfile') ?? join(environ.HOME ?? homedir(), '.pgpass'),
    sslmode: sslmode as SslMode,
    sslrootcert, sslcert: values.get('sslcert'), sslkey: values.get('sslkey'),
    ...placeOf(host, hostaddr, port, database),
    from,
    setting: opts.setting,
  };
}

/** libpq's default user: the operating-system user (a container user without a passwd entry: $USER). */
function osUser(environ: NodeJS.ProcessEnv): string {
  try {
    return userInfo().username;
  } catch {
    return environ.USER ?? environ.LOGNAME ?? '';
  }
}

/** The same server, another database. */
export const onDatabase = (c: PgConnection, database: string): PgConnection => ({
  ...c, database, ...placeOf(c.host, c.hostaddr, c.port, database), from: { ...c.from, dbname: 'chosen by the command' },
});

function placeOf(host: string, hostaddr: string | undefined, port: number | string, database: string): { server: string; address: string } {
  const server = `${host}${hostaddr && hostaddr !== host ? ` (${hostaddr})` : ''}:${port}`;
  return { server, address: `${server}/${database}` };
}

/**
 * A URL's libpq keywords. Read here rather than by pg-connection-string, which opens the certificate
 * files while parsing and takes sslrootcert=system for a file name.
 */
function urlKeywords(url: string, setting: string): Map<string, string> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`${setting}: not a URL; use postgres://user@host:port/database`);
  }
  const k = new Map<string, string>();
  const put = (key: string, v: string) => v && k.set(key, v);
  try {
    put('user', decodeURIComponent(u.username));
    put('password', decodeURIComponent(u.password));
    put('host', decodeURIComponent(u.hostname.replace(/^\[(.+)\]$/, '$1')));
    put('dbname', decodeURIComponent(u.pathname.slice(1)));
  } catch {
    throw new ConfigError(`${setting}: not valid percent-encoding; write a % in it as %25`);
  }
  put('port', u.port);
  // The query's keywords win over the URL's parts, as in libpq (postgresql:///db?host=/var/run/postgresql).
  for (const [key, v] of u.searchParams) k.set(key, v);
  return k;
}

/**
 * The service's section: PGSERVICEFILE (else ~/.pg_service.conf) first, then PGSYSCONFDIR/pg_service.conf, as libpq.
 * Only a regular file is read (a FIFO would hold the run).
 */
function serviceSection(name: string, environ: NodeJS.ProcessEnv, named: string): { file: string; keywords: Map<string, string> } {
  const own = environ.PGSERVICEFILE ?? join(environ.HOME ?? homedir(), '.pg_service.conf');
  const system = join(environ.PGSYSCONFDIR ?? SYSCONFDIR, 'pg_service.conf');
  for (const file of [own, system]) {
    let text: string;
    try {
      if (!statSync(file).isFile()) throw new ConfigError(`${file === own && environ.PGSERVICEFILE ? 'PGSERVICEFILE' : named}: service file ${file} is not a regular file`);
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !(file === own && environ.PGSERVICEFILE)) continue;
      throw new ConfigError(`${file === own && environ.PGSERVICEFILE ? 'PGSERVICEFILE' : named}: service file ${file} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`);
    }
    const keywords = sectionOf(text, name, file);
    if (keywords) return { file, keywords };
  }
  throw new ConfigError(`${named}: service ${name} is not defined in ${own} or ${system}`);
}

function sectionOf(text: string, name: string, file: string): Map<string, string> | undefined {
  let inside = false;
  let found: Map<string, string> | undefined;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      if (found) return found;
      inside = line === `[${name}]`;
      if (inside) found = new Map();
      continue;
    }
    if (!inside) continue;
    const eq = line.indexOf('=');
    if (eq < 1) throw new ConfigError(`${file}: line ${i + 1}: not keyword=value`);
    const key = line.slice(0, eq).trim();
    if (key === 'service') throw new ConfigError(`${file}: line ${i + 1}: a service may not name another service`);
    found!.set(key, line.slice(eq + 1).trim());
  }
  return found;
}

/** The file a certificate setting left unset falls back to, when it exists (libpq's ~/.postgresql defaults). */
const defaultFile = (name: string): string | undefined => {
  const path = join(process.env.HOME ?? homedir(), '.postgresql', name);
  return existsSync(path) ? path : undefined;
};

/** The certificate files libpq would use: those set, else ~/.postgresql's that exist. */
function certificateFiles(c: PgConnection): { root?: string; cert?: string; key?: string } {
  const cert = c.sslcert ?? defaultFile('postgresql.crt');
  return { root: c.sslrootcert ?? defaultFile('root.crt'), cert, key: c.sslkey ?? (cert ? defaultFile('postgresql.key') : undefined) };
}

/**
 * Node's TLS options for the sslmode, made with pg-connection-string's libpq compatibility: require
 * encrypts without verifying unless a root certificate file exists (then it checks the chain, as
 * verify-ca); verify-full checks the host name too. prefer and allow verify as require does.
 */
async function tlsOptions(c: PgConnection): Promise<ConnectionOptions> {
  const files = certificateFiles(c);
  const mode = c.sslmode === 'verify-ca' || c.sslmode === 'verify-full' ? c.sslmode : 'require';
  if (mode !== 'require' && !files.root) {
    throw new ConfigError(`${c.from.sslmode ?? c.setting}: sslmode ${c.sslmode} verifies the server's certificate and there is no root certificate: set sslrootcert (or PGSSLROOTCERT, ~/.postgresql/root.crt, sslrootcert=system)`);
  }
  const params = new URLSearchParams({ sslmode: c.sslmode === 'no-verify' ? 'prefer' : mode });
  if (files.root && files.root !== 'system') params.set('sslrootcert', files.root);
  if (files.cert) params.set('sslcert', files.cert);
  if (files.key) params.set('sslkey', files.key);
  const { parse } = await import('pg-connection-string');
  let ssl: ConnectionOptions;
  try {
    ssl = parse(`postgres://h/?${params}`, { useLibpqCompat: true }).ssl as ConnectionOptions;
  } catch (e) {
    throw new ConfigError(`${c.from.sslrootcert ?? c.from.sslcert ?? c.setting}: ${(e as Error).message}`);
  }
  if (files.root === 'system') ssl.ca = systemRoots();
  // With hostaddr the socket goes to the address; the certificate must still name the host.
  if (c.hostaddr && !isIP(c.host)) ssl.servername = c.host;
  const context = await sharedSecureContext(ssl);
  if (context) ssl.secureContext = context;
  return ssl;
}

/**
 * One TLS context per set of certificates (by their contents), for every connection of the process that
 * uses them: building one parses the CA and costs about 2 ms, and the environments of a fleet run
 * (--env all) mostly trust the same CA. Certificates that do not load get none here: the connection
 * then builds its own and fails as it did, with the driver's message.
 */
const secureContexts = new Map<string, SecureContext>();
async function sharedSecureContext(ssl: ConnectionOptions): Promise<SecureContext | undefined> {
  const { ca, cert, key, passphrase } = ssl;
  const id = JSON.stringify([ca, cert, key, passphrase]);
  let context = secureContexts.get(id);
  if (!context) {
    const { createSecureContext } = await import('node:tls');
    try {
      context = createSecureContext({ ca, cert, key, passphrase });
    } catch {
      return undefined;
    }
    secureContexts.set(id, context);
  }
  return context;
}

/** OpenSSL's trusted roots (libpq's sslrootcert=system): SSL_CERT_FILE, else Debian's bundle, else Node's own list. */
function systemRoots(): string | undefined {
  const file = process.env.SSL_CERT_FILE ?? '/etc/ssl/certs/ca-certificates.crt';
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** The password for the server's request: the resolved one, else the password file's line for host:port:db:user. */
async function passwordFor(c: PgConnection): Promise<string> {
  if (c.password !== undefined) return c.password;
  const found = await passfilePassword(c);
  if (found !== undefined) return found;
  throw Object.assign(new Error(`the server asks for a password and none is set for role ${c.user} (PGPASSWORD, ${c.passfile})`), { code: '28P01' });
}

/** The password file's line for this connection, with pg's own `pgpass` module (libpq's matching: host, else hostaddr, else localhost). */
async function passfilePassword(c: PgConnection): Promise<string | undefined> {
  const { default: helper } = await import('pgpass/lib/helper.js');
  let stats;
  try {
    stats = statSync(c.passfile);
  } catch {
    return undefined;
  }
  if (!helper.usePgPass(stats, c.passfile)) return undefined;
  const host = c.host.startsWith('/') ? 'localhost' : c.host;
  return new Promise((resolve) => helper.getPassword({ host, port: c.port, database: c.database, user: c.user }, createReadStream(c.passfile), resolve));
}

type Session = Omit<ClientConfig, 'host' | 'port' | 'user' | 'password' | 'database' | 'ssl' | 'connectionString'>;

/**
 * node-postgres configurations to try, in libpq's order for the sslmode: prefer tries TLS then plain,
 * allow plain then TLS (node-postgres alone tries once and fails).
 */
export async function clientConfigs(c: PgConnection, session: Session): Promise<ClientConfig[]> {
  const base: ClientConfig = {
    ...session, host: c.hostaddr ?? c.host, port: c.port, user: c.user, database: c.database, password: () => passwordFor(c),
  };
  if (c.sslmode === 'disable') return [{ ...base, ssl: false }];
  const tls = { ...base, ssl: await tlsOptions(c) };
  if (c.sslmode === 'prefer') return [tls, { ...base, ssl: false }];
  if (c.sslmode === 'allow') return [{ ...base, ssl: false }, tls];
  return [tls];
}

/** Worth trying the next configuration: the server has no TLS, or its pg_hba.conf refuses this one (hostssl / hostnossl). */
export const tryNext = (e: unknown): boolean =>
  (e as Error).message === 'The server does not support SSL connections' || (e as { code?: string }).code === '28000';

/** Connects a node-postgres client by libpq's rules; `make` builds one client from a configuration. */
export async function connectPostgres<C extends Client>(configs: ClientConfig[], make: (config: ClientConfig) => C, onClient?: (client: C) => void): Promise<C> {
  for (const [i, config] of configs.entries()) {
    const client = make(config);
    client.on('error', () => {
      // A server that goes away between statements surfaces on the next statement.
    });
    onClient?.(client);
    try {
      await client.connect();
      return client;
    } catch (e) {
      void client.end().catch(() => undefined);
      if (i === configs.length - 1 || !tryNext(e)) throw e;
    }
  }
  throw new Error('no connection configuration');
}

/**
 * The environment for a program nvcops starts (pg_dump, pg_restore): the resolved settings as libpq's
 * variables, so it reaches the same server; the caller's own PG* variables (a service among them) are
 * dropped so nothing steers it elsewhere. Secrets travel here, never on the command line.
 */
export function libpqEnvironment(c: PgConnection, environ: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(environ).filter(([k]) => !/^PG[A-Z]+$/.test(k)));
  const files = certificateFiles(c);
  const set: Record<string, string | undefined> = {
    PGHOST: c.host, PGHOSTADDR: c.hostaddr, PGPORT: String(c.port), PGDATABASE: c.database, PGUSER: c.user, PGPASSWORD: c.password, PGPASSFILE: c.passfile,
    // libpq has no no-verify: require without a root file is the same.
    PGSSLMODE: c.sslmode === 'no-verify' ? 'require' : c.sslmode,
    PGSSLROOTCERT: c.sslmode === 'no-verify' ? undefined : files.root, PGSSLCERT: files.cert, PGSSLKEY: files.key,
    PGAPPNAME: 'nvcops', PGCONNECT_TIMEOUT: environ.PGCONNECT_TIMEOUT ?? '10',
  };
  for (const [k, v] of Object.entries(set)) if (v !== undefined) env[k] = v;
  return env;
}

/** Where each setting of this connection comes from, for `config check` (the password shown as `(secret)`). */
export async function settingSources(c: PgConnection, label: string): Promise<SettingSource[]> {
  const row = (setting: string, value: string, source: string | undefined): SettingSource => ({ setting: `${label} ${setting}`, value, source: source ?? 'default' });
  const files = certificateFiles(c);
  const home = (file: string | undefined, k: Keyword) => (file && !c.from[k] ? `default (${file})` : c.from[k]);
  let password: SettingSource;
  if (c.password !== undefined) password = row('password', SECRET_SHOWN, c.from.password);
  else if ((await passfilePassword(c)) !== undefined) password = row('password', SECRET_SHOWN, `.pgpass (${c.passfile})`);
  else password = row('password', 'none', `not in ${c.passfile}`);
  return [
    row('host', c.host, c.from.host),
    ...(c.hostaddr ? [row('hostaddr', c.hostaddr, c.from.hostaddr)] : []),
    row('port', String(c.port), c.from.port),
    row('database', c.database, c.from.dbname ?? (c.from.user ? `the user (${c.from.user})` : 'the user')),
    row('user', c.user, c.from.user ?? 'default (the operating-system user)'),
    password,
    row('sslmode', c.sslmode, c.from.sslmode),
    ...(files.root ? [row('sslrootcert', files.root, home(files.root, 'sslrootcert'))] : []),
    ...(files.cert ? [row('sslcert', files.cert, home(files.cert, 'sslcert'))] : []),
    ...(files.key ? [row('sslkey', files.key, home(files.key, 'sslkey'))] : []),
  ];
}

/** Every PostgreSQL connection the configuration names, each with the setting it comes from. */
export function configuredConnections(postgres: { url?: string; adminUrl?: string; replicas: { url: string; adminUrl?: string }[] } | undefined, environ: NodeJS.ProcessEnv = process.env): PgConnection[] {
  if (!postgres) return [];
  const named: [string | undefined, string][] = [[postgres.url, postgres.url ? 'postgres.url' : 'the PG* variables']];
  if (postgres.adminUrl) named.push([postgres.adminUrl, 'postgres.adminUrl']);
  for (const [i, r] of postgres.replicas.entries()) {
    named.push([r.url, `postgres.replicas[${i}].url`]);
    if (r.adminUrl) named.push([r.adminUrl, `postgres.replicas[${i}].adminUrl`]);
  }
  return named.map(([url, setting]) => resolvePostgres(url, { setting, environ }));
}
