import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Redis, RedisOptions } from 'ioredis';
import type { Config } from '../engine/config/index.js';
import { redisDatabase, redisTls } from '../engine/redis-connection.js';
import { LoginRefusedError, PrivilegeError, refusedNvcops, TargetError } from '../engine/errors.js';

/** How nvcops finds Redis: one server, the master behind sentinels, or every node of a cluster. */
export type RedisTarget = {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  /** The database every data connection selects (a cluster has only 0). */
  database: number;
  /** TLS for every connection (rediss:// or redis.tls): trusted CA and client certificate, read from their files. */
  tls?: ConnectionOptions;
  /** Credentials of nodes whose URL carries none (the master behind sentinels, found cluster nodes, a URL without them). */
  username?: string;
  password?: string;
} & (
  | { mode: 'standalone'; url: string }
  | { mode: 'sentinel'; sentinels: string[]; name: string }
  | { mode: 'cluster'; seeds: string[] }
);

/** INFO as sections of key → value: `info.memory.used_memory`. */
export type RedisInfo = Record<string, Record<string, string>>;

export function parseInfo(text: string): RedisInfo {
  const info: RedisInfo = {};
  let section = info.default = {} as Record<string, string>;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('# ')) {
      section = info[line.slice(2).trim().toLowerCase()] ??= {};
    } else if (line.includes(':')) {
      const i = line.indexOf(':');
      section[line.slice(0, i)] = line.slice(i + 1);
    }
  }
  return info;
}

const hostPort = (url: string) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379) };
};

/** Credentials from a URL's userinfo, or the configured ones for nodes that are found rather than named. */
function credentials(url: string | undefined, fallback: { username?: string; password?: string }): { username?: string; password?: string } {
  const u = url ? new URL(url) : undefined;
  const username = u?.username ? decodeURIComponent(u.username) : fallback.username;
  const password = u?.password ? decodeURIComponent(u.password) : fallback.password;
  return { ...(username && { username }), ...(password && { password }) };
}

/** Where the operator fixes the credentials credentials() picks: the URL (named by its config key) when it carries any, else redis.username / redis.password. */
function credentialSetting(fallback: { username?: string }, seed?: { url: string; key: string }): string {
  const u = seed && new URL(seed.url);
  if (seed && (u?.username || u?.password)) return seed.key;
  return fallback.username ? 'redis.username / redis.password' : 'redis.password';
}

/** The database and TLS of every connection as the config sets them (validated when it was loaded); the TLS files are read now. */
export function redisConnection(c: NonNullable<Config['redis']>): { database: number; tls?: ConnectionOptions } {
  const database = redisDatabase(c, 'redis.url').value;
  if (!redisTls(c, 'redis.url')) return { database };
  const read = (file: string | undefined) => (file ? readFileSync(file) : undefined);
  const [ca, cert, key] = [read(c.tls?.ca), read(c.tls?.cert), read(c.tls?.key)];
  return { database, tls: { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) } };
}

/** Node's TLS codes for a server certificate that nvcops' CA does not vouch for (an expired one is the server's fault, and fails). */
const UNTRUSTED = ['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'ERR_TLS_CERT_ALTNAME_INVALID'];

/** Options every connection to the target shares: timeouts, its database, TLS. */
const commonOptions = (target: RedisTarget): RedisOptions => ({
  connectTimeout: target.connectTimeoutMs,
  commandTimeout: target.commandTimeoutMs,
  db: target.database,
  ...(target.tls && { tls: target.tls }),
});

/** One Redis server: a single connection without retries or an offline queue, INFO memoised per run. */
export class RedisNode {
  private redis?: Promise<{ redis: Redis; connectMs: number }>;
  /** The driver's client from the moment it exists, so close() can cut a connect still in progress. */
  private raw?: Redis;
  private infoMemo?: Promise<RedisInfo>;

  constructor(
    /** host:port as the operator knows it (for a sentinel master: the master's address once found). */
    public address: string,
    private readonly options: RedisOptions,
    private readonly count: () => void,
    /** Where the operator sets how this node is logged in to (redis.url, redis.password): named when the login is refused. */
    private readonly setting: string,
  ) {}

  connect(): Promise<{ redis: Redis; connectMs: number }> {
    this.redis ??= this.open();
    return this.redis;
  }

  private async open(): Promise<{ redis: Redis; connectMs: number }> {
    // A CommonJS module: its exports arrive as `default`, the same bundled or not.
    const { default: ioredis } = await import('ioredis');
    // ioredis carries on in database 0 when its own SELECT fails: select here, and stop if it fails.
    const { db, ...options } = this.options;
    const redis = new ioredis.Redis({
      ...options,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      sentinelRetryStrategy: () => null,
      enableOfflineQueue: false,
      connectionName: 'nvcops',
    });
    this.raw = redis;
    // ioredis rejects connect() with "Connection is closed"; the cause (refused, timeout) arrives as an 'error' event.
    let cause: unknown;
    redis.on('error', (e) => {
      cause = e;
    });
    const started = performance.now();
    try {
      await redis.connect();
    } catch (e) {
      redis.disconnect();
      throw this.explain(cause ?? e);
    }
    if (db) {
      try {
        await redis.select(db);
      } catch (e) {
        redis.disconnect();
        const message = (e as Error).message;
        const refused = /DB index|invalid DB|SELECT is not allowed/i.test(message);
        if (refused) throw new LoginRefusedError(`Redis (${this.address}) refused nvcops' database ${db}: ${message} — fix the database in redis.url (…/N) or redis.database`);
        throw /NOPERM/.test(message) ? new PrivilegeError(`Redis (${this.address}): missing privilege (${message}); extend the user's ACL (the user needs "+select" for database ${db})`) : this.explain(e);
      }
    }
    if (this.options.sentinels) {
      const stream = (redis as unknown as { stream?: { remoteAddress?: string; remotePort?: number } }).stream;
      if (stream?.remoteAddress) this.address = `${stream.remoteAddress}:${stream.remotePort} (master ${this.options.name})`;
    }
    return { redis, connectMs: performance.now() - started };
  }

  /** Sends one command; errors name the server. */
  async call(command: string, ...args: (string | number)[]): Promise<unknown> {
    const { redis } = await this.connect();
    this.count();
    try {
      return await redis.call(command, ...args);
    } catch (e) {
      throw this.explain(e);
    }
  }

  info(): Promise<RedisInfo> {
    this.infoMemo ??= this.call('INFO', 'everything').then((t) => parseInfo(String(t)));
    return this.infoMemo;
  }

  /** CONFIG GET of one parameter; a user without the right to it gets an error naming the ACL rule to add. */
  async config(parameter: string): Promise<string> {
    try {
      const reply = (await this.call('CONFIG', 'GET', parameter)) as string[];
      return reply[1] ?? '';
    } catch (e) {
      if (/NOPERM/.test((e as Error).message)) {
        throw new TargetError(`Redis (${this.address}): missing privilege: the user may not run CONFIG GET; add "+config|get" to its ACL`);
      }
      throw e;
    }
  }

  explain(e: unknown): Error {
    if (e instanceof TargetError || e instanceof PrivilegeError) return e;
    const err = e as { code?: string; message?: string };
    const where = `Redis (${this.address})`;
    const message = err.message ?? String(e);
    if (err.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message)) return new TargetError(`${where}: connection refused`);
    // nvcops' own trust settings stop the connection, not the server: the applications may be fine.
    if (err.code && UNTRUSTED.includes(err.code)) return new LoginRefusedError(`${where}: its certificate is not trusted (${message}) — set redis.tls.ca to the CA that signed it`);
    // A server with tls-auth-clients yes drops a client without a certificate during the handshake.
    if (this.options.tls && !this.options.tls.cert && /ECONNRESET|EPIPE|socket hang up|certificate required|Connection is closed/i.test(message)) {
      return new TargetError(`${where}: ${message} — if the server requires client certificates (tls-auth-clients), set redis.tls.cert and redis.tls.key`);
    }
    // The server answered and refused this login: nvcops cannot see, the applications may be fine.
    if (/NOAUTH|WRONGPASS/.test(message)) {
      // ioredis logs in to the sentinels first; their credentials come from the first sentinel's URL.
      const sentinel = /All sentinels/.test(message);
      const user = (sentinel ? this.options.sentinelUsername : this.options.username) ?? 'default';
      const setting = sentinel ? 'redis.sentinels[0]' : this.setting;
      const fix = /NOAUTH/.test(message) ? `set the password in ${setting}` : `fix the user or password in ${setting}, or enable the user (ACL SETUSER ${user} on)`;
      return new LoginRefusedError(`${where} refused nvcops' login as ${user}${sentinel ? ' at the sentinels' : ''}: ${message} — ${fix}`);
    }
    if (/NOPERM/.test(message)) return new PrivilegeError(`${where}: missing privilege (${message}); extend the user's ACL`);
    if (/timed? ?out/i.test(message)) return new TargetError(`${where}: no answer in time`);
    if (/All sentinels are unreachable/i.test(message)) return new TargetError(`${where}: no sentinel answered (${message})`);
    return new TargetError(`${where}: ${message}`);
  }

  async close(): Promise<void> {
    this.redis?.catch(() => undefined);
    this.redis = undefined;
    this.raw?.disconnect();
    this.raw = undefined;
  }
}

/** One cluster node as CLUSTER NODES lists it. */
export interface ClusterNodeLine {
  id: string;
  address: string;
  flags: string[];
  master: string;
  linkState: string;
  slots: string[];
}

export function parseClusterNodes(text: string): ClusterNodeLine[] {
  return text.trim().split('\n').filter(Boolean).map((line) => {
    const [id, addr, flags, master, , , , linkState, ...slots] = line.trim().split(' ');
    return {
      id: id!,
      // ip:port@cport[,hostname]
      address: addr!.split('@')[0]!,
      flags: flags!.split(','),
      master: master!,
      linkState: linkState!,
      slots,
    };
  });
}

/**
 * Redis for one run. Standalone: the configured server. Sentinel: the master the sentinels name
 * (found through ioredis). Cluster: every node CLUSTER NODES lists, each on its own connection,
 * so that one dead node is reported as such instead of hiding the others.
 */
export class RedisProbe {
  private readonly main: RedisNode;
  private nodesMemo?: Promise<{ nodes: RedisNode[]; cluster?: ClusterNodeLine[] }>;
  private readonly settings = new Map<string, Promise<string>>();
  private aclMemo?: Promise<AclUser[]>;
  private readonly extra: RedisNode[] = [];
  private sentinelNodes?: RedisNode[];
  private readonly found = new Map<string, RedisNode>();
  private readonly count = () => { this.commandCount++; };
  commandCount = 0;

  constructor(readonly target: RedisTarget) {
    const common = commonOptions(target);
    const count = () => { this.commandCount++; };
    if (target.mode === 'standalone') {
      const { host, port } = hostPort(target.url);
      this.main = new RedisNode(`${host}:${port}`, { ...common, host, port, ...credentials(target.url, target) }, count, target.username || target.password ? credentialSetting(target, { url: target.url, key: 'redis.url' }) : 'redis.url');
    } else if (target.mode === 'sentinel') {
      const sentinels = target.sentinels.map(hostPort);
      const sentinelAuth = credentials(target.sentinels[0], {});
      this.main = new RedisNode(`master ${target.name} via sentinels ${sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`, {
        ...common,
        sentinels,
        name: target.name,
        ...(sentinelAuth.username && { sentinelUsername: sentinelAuth.username }),
        ...(sentinelAuth.password && { sentinelPassword: sentinelAuth.password }),
        // The sentinels and the master they name speak TLS alike (tls-replication).
        ...(target.tls && { sentinelTLS: target.tls, enableTLSForSentinelMode: true }),
        ...credentials(undefined, target),
      }, count, credentialSetting(target));
    } else {
      const first = target.seeds[0]!;
      const { host, port } = hostPort(first);
      this.main = new RedisNode(`${host}:${port}`, { ...common, host, port, ...credentials(first, target) }, count, credentialSetting(target, { url: first, key: 'redis.cluster[0]' }));
    }
  }

  get mode(): RedisTarget['mode'] {
    return this.target.mode;
  }

  get address(): string {
    return this.main.address;
  }

  connect(): Promise<{ redis: Redis; connectMs: number }> {
    return this.main.connect();
  }

  call(command: string, ...args: (string | number)[]): Promise<unknown> {
    return this.main.call(command, ...args);
  }

  /** An error from a command sent on the connection (an action's own), said as the checks say it. */
  explain(e: unknown): Error {
    return this.main.explain(e);
  }

  info(): Promise<RedisInfo> {
    return this.main.info();
  }

  /** One connection to each configured sentinel (sentinel mode only), with the credentials its own URL carries: to ask each for its view. */
  sentinels(): RedisNode[] {
    if (this.target.mode !== 'sentinel') throw new TargetError('Redis is not configured behind sentinels (redis.sentinels)');
    this.sentinelNodes ??= this.target.sentinels.map((url, i) => {
      const { host, port } = hostPort(url);
      const node = new RedisNode(`sentinel ${host}:${port}`, { ...commonOptions(this.target), db: 0, host, port, ...credentials(url, {}) }, this.count, `redis.sentinels[${i}]`);
      this.extra.push(node);
      return node;
    });
    return this.sentinelNodes;
  }

  /** A data node found rather than configured (a replica the sentinels list), logged in to as redis.username / redis.password; one connection per address. */
  instance(host: string, port: number): RedisNode {
    const address = `${host}:${port}`;
    let node = this.found.get(address);
    if (!node) {
      node = new RedisNode(address, { ...commonOptions(this.target), host, port, ...credentials(undefined, this.target) }, this.count, credentialSetting(this.target));
      this.found.set(address, node);
      this.extra.push(node);
    }
    return node;
  }

  /** One CONFIG GET value, read once per run; a server that forbids CONFIG (renamed, or ACL) says so instead of guessing. */
  setting(parameter: string): Promise<string> {
    let value = this.settings.get(parameter);
    if (!value) {
      value = this.call('CONFIG', 'GET', parameter).then((reply) => {
        if (!Array.isArray(reply) || reply.length < 2) throw new TargetError(`CONFIG GET ${parameter}: no such setting on this server`);
        return String(reply[1]);
      });
      this.settings.set(parameter, value);
    }
    return value;
  }

  /** The ACL users (ACL LIST), read once per run. */
  aclUsers(): Promise<AclUser[]> {
    this.aclMemo ??= this.call('ACL', 'LIST').then((lines) => parseAcl(lines as string[]));
    return this.aclMemo;
  }

  /** Every node the checks should look at: the one server or master, or each node of the cluster. */
  nodes(): Promise<RedisNode[]> {
    return this.topology().then((t) => t.nodes);
  }

  /** CLUSTER NODES as the first reachable seed sees it (cluster mode only). */
  clusterNodes(): Promise<ClusterNodeLine[]> {
    return this.topology().then((t) => {
      if (!t.cluster) throw new TargetError('Redis is not configured as a cluster (redis.cluster)');
      return t.cluster;
    });
  }

  private topology(): Promise<{ nodes: RedisNode[]; cluster?: ClusterNodeLine[] }> {
    this.nodesMemo ??= (async () => {
      if (this.target.mode !== 'cluster') return { nodes: [this.main] };
      const target = this.target;
      const count = () => { this.commandCount++; };
      const common = commonOptions(target);
      // The first seed that answers describes the cluster.
      let lines: ClusterNodeLine[] | undefined;
      let seed: RedisNode | undefined;
      const errors: Error[] = [];
      for (const [i, url] of target.seeds.entries()) {
        const { host, port } = hostPort(url);
        const node = i === 0 ? this.main : new RedisNode(`${host}:${port}`, { ...common, host, port, ...credentials(url, target) }, count, credentialSetting(target, { url, key: `redis.cluster[${i}]` }));
        if (i > 0) this.extra.push(node);
        try {
          lines = parseClusterNodes(String(await node.call('CLUSTER', 'NODES')));
          seed = node;
          break;
        } catch (e) {
          errors.push(e as Error);
        }
      }
      if (!lines || !seed) {
        const message = `Redis cluster: no seed node answered CLUSTER NODES (${errors.map((e) => e.message).join('; ')})`;
        // Every seed answered and refused nvcops: the cluster is not seen, not down.
        if (errors.every((e): boolean => e instanceof LoginRefusedError)) throw new LoginRefusedError(message);
        if (errors.every(refusedNvcops)) throw new PrivilegeError(message);
        throw new TargetError(message);
      }
      const nodes = lines.map((l) => {
        if (l.flags.includes('myself')) {
          seed!.address = l.address;
          return seed!;
        }
        const [host, port] = [l.address.slice(0, l.address.lastIndexOf(':')), Number(l.address.slice(l.address.lastIndexOf(':') + 1))];
        const node = new RedisNode(l.address, { ...common, host, port, ...credentials(target.seeds[0], target) }, count, credentialSetting(target, { url: target.seeds[0]!, key: 'redis.cluster[0]' }));
        this.extra.push(node);
        return node;
      });
      return { nodes, cluster: lines };
    })();
    return this.nodesMemo;
  }

  async close(): Promise<void> {
    await Promise.all([this.main, ...this.extra].map((n) => n.close()));
  }
}

export interface AclUser {
  name: string;
  on: boolean;
  nopass: boolean;
  allCommands: boolean;
  rule: string;
}

/** ACL LIST parsed: `user default on nopass ~* &* +@all`. */
function parseAcl(lines: string[]): AclUser[] {
  return lines.map((rule) => {
    const words = rule.split(' ');
    return {
      name: words[1]!,
      on: words.includes('on'),
      nopass: words.includes('nopass'),
      // +@all with nothing taken away afterwards (`-@dangerous`, `-flushall`) is every command
      allCommands: (words.includes('+@all') || words.includes('allcommands')) && !words.slice(words.indexOf('+@all') + 1).some((w) => w.startsWith('-')),
      rule: rule.replace(/ [#>][0-9a-f]{64}/g, ' #…'),
    };
  });
}

/** A number from INFO; an absent field is an error naming it (an old or unusual server). */
export function infoNumber(info: RedisInfo, section: string, field: string): number {
  const raw = info[section]?.[field];
  const n = raw === undefined ? NaN : Number(raw);
  if (!Number.isFinite(n)) throw new TargetError(`INFO ${section} has no numeric ${field}`);
  return n;
}

/** The replicas a master's INFO replication lists (`slave0:ip=…,port=…,state=online,offset=…,lag=0`), each as its fields. */
export const replicasOf = (replication: Record<string, string>): Record<string, string>[] =>
  Object.entries(replication).filter(([k]) => /^slave\d+$/.test(k)).map(([, v]) => Object.fromEntries(v.split(',').map((kv) => kv.split('='))) as Record<string, string>);
