/** How nvcops reaches Redis as production does: the URL's database, ACL user, TLS files; checked before anything connects. */
import type * as z from 'zod';
import type { redis } from './config/redis.js';
import { ConfigError } from './errors.js';
import { SECRET_SHOWN, type SettingSource } from './setting-source.js';

// The redis schema's own output, not Config: config/load.ts calls this module, so naming Config would make a cycle.
type RedisConfig = NonNullable<z.output<typeof redis>>;


/** The key redis.url is set under: NVCOPS_REDIS_URL overrides the file. */
export const redisUrlKey = (environ: NodeJS.ProcessEnv): string => (environ.NVCOPS_REDIS_URL ? 'NVCOPS_REDIS_URL' : 'redis.url');

/** The configured URLs with the key each is set under. */
function urls(c: RedisConfig, urlKey: string): { url: string; key: string }[] {
  if (c.cluster) return c.cluster.map((url, i) => ({ url, key: `redis.cluster[${i}]` }));
  if (c.sentinels) return c.sentinels.map((url, i) => ({ url, key: `redis.sentinels[${i}]` }));
  return c.url ? [{ url: c.url, key: urlKey }] : [];
}

/** The database a URL names (redis://host:6379/3), or undefined when it names none. */
function urlDatabase(url: string, key: string): number | undefined {
  const { pathname: path, searchParams } = new URL(url);
  // Other clients read ?db=, ?password=, ?tls=…: nvcops would ignore them and act elsewhere (database 0).
  const param = [...searchParams.keys()][0];
  if (param !== undefined) throw new ConfigError(`${key}: query parameter ${param} is not read; put the database in the path (…:6379/3), the user and password before the host, TLS files in redis.tls`);
  if (path === '' || path === '/') return undefined;
  const m = /^\/(\d{1,5})$/.exec(path);
  if (!m) throw new ConfigError(`${key}: the database ${path.slice(1)} is not a number; end the URL with the database index (redis://host:6379/3)`);
  return Number(m[1]);
}

/** The database every data connection selects, and where it is set. */
export function redisDatabase(c: RedisConfig, urlKey: string): { value: number; source: string } {
  const named = urls(c, urlKey).map((u) => ({ ...u, db: urlDatabase(u.url, u.key) }));
  if (c.sentinels) {
    const withDb = named.find((u) => u.db !== undefined);
    if (withDb) throw new ConfigError(`${withDb.key}: a sentinel has no database; set the master's in redis.database`);
  }
  const fromUrl = named.find((u) => u.db !== undefined);
  if (fromUrl && c.database !== undefined && fromUrl.db !== c.database) {
    throw new ConfigError(`redis.database: ${c.database}, but ${fromUrl.key} names database ${fromUrl.db}; keep one`);
  }
  const found = fromUrl ? { value: fromUrl.db!, source: fromUrl.key } : c.database !== undefined ? { value: c.database, source: 'redis.database' } : { value: 0, source: 'default' };
  if (c.cluster && found.value !== 0) throw new ConfigError(`${found.source}: a Redis Cluster has only database 0`);
  return found;
}

/** Whether connections use TLS: redis.tls, or rediss:// URLs (all of them or none). */
export function redisTls(c: RedisConfig, urlKey: string): boolean {
  const list = urls(c, urlKey);
  const secure = list.filter((u) => u.url.startsWith('rediss:'));
  const plain = list.find((u) => !u.url.startsWith('rediss:'));
  if (secure.length && plain) throw new ConfigError(`${plain.key}: uses redis:// while ${secure[0]!.key} uses rediss://; use rediss:// for every node`);
  if (c.tls && plain) throw new ConfigError(`${plain.key}: redis.tls is set, so use rediss://`);
  if (c.tls && (c.tls.cert === undefined) !== (c.tls.key === undefined)) throw new ConfigError(`redis.tls.${c.tls.cert ? 'key' : 'cert'}: required with redis.tls.${c.tls.cert ? 'cert' : 'key'} (the client certificate and its key)`);
  return secure.length > 0;
}

/** The user nvcops logs in as on the data nodes, and where it is set (the URL's user wins over redis.username). */
function redisUser(c: RedisConfig, urlKey: string): { value: string; source: string } {
  const first = c.sentinels ? undefined : urls(c, urlKey)[0];
  const u = first && new URL(first.url);
  if (u?.username) return { value: decodeURIComponent(u.username), source: first!.key };
  if (c.username) return { value: c.username, source: 'redis.username' };
  return { value: 'default', source: 'default' };
}

/** Redis settings and their sources for `config check` (which masks the URLs' passwords); a password is shown only as set or not. */
export function redisSources(c: RedisConfig, urlKey: string): SettingSource[] {
  const list = urls(c, urlKey);
  const first = list[0];
  const mode = c.cluster ? 'cluster' : c.sentinels ? `sentinel (master ${c.name})` : 'standalone';
  const user = redisUser(c, urlKey);
  const urlPassword = !c.sentinels && first && new URL(first.url).password;
  const database = redisDatabase(c, urlKey);
  const tls = redisTls(c, urlKey);
  const rows: SettingSource[] = [
    { setting: 'mode', value: mode, source: c.cluster ? 'redis.cluster' : c.sentinels ? 'redis.sentinels' : urlKey },
    ...list.map((u) => ({ setting: u.key.replace(/^redis\./, ''), value: u.url, source: u.key })),
    { setting: 'database', value: String(database.value), source: database.source },
    { setting: 'user', value: user.value, source: user.source },
    { setting: 'password', value: urlPassword || c.password ? SECRET_SHOWN : '(none)', source: urlPassword ? first!.key : c.password ? 'redis.password' : 'none' },
    { setting: 'tls', value: tls ? 'on' : 'off', source: tls ? (c.tls ? 'redis.tls and rediss://' : 'rediss://') : 'redis://' },
  ];
  for (const key of tls ? (['ca', 'cert', 'key'] as const) : []) {
    const file = c.tls?.[key];
    rows.push({ setting: `tls ${key}`, value: file ?? (key === 'ca' ? '(the system trust store)' : '(none)'), source: file ? `redis.tls.${key}` : 'default' });
  }
  return rows;
}

