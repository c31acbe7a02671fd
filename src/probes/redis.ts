import type { Redis } from 'ioredis';
import { TargetError } from '../engine/errors.js';

export interface RedisTarget {
  url: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

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

/**
 * One Redis server for one run: a single connection without retries or an offline queue (a
 * health check must see a dead server, not wait for it), INFO memoised per run.
 */
export class RedisProbe {
  private redis?: Promise<{ redis: Redis; connectMs: number }>;
  /** The driver's client from the moment it exists, so close() can cut a connect still in progress. */
  private raw?: Redis;
  private infoMemo?: Promise<RedisInfo>;
  commandCount = 0;

  constructor(readonly target: RedisTarget) {}

  get address(): string {
    const u = new URL(this.target.url);
    return `${u.hostname}:${u.port || 6379}`;
  }

  connect(): Promise<{ redis: Redis; connectMs: number }> {
    this.redis ??= this.open();
    return this.redis;
  }

  private async open(): Promise<{ redis: Redis; connectMs: number }> {
    // A CommonJS module: its exports arrive as `default`, the same bundled or not.
    const { default: ioredis } = await import('ioredis');
    const redis = new ioredis.Redis(this.target.url, {
      lazyConnect: true,
      connectTimeout: this.target.connectTimeoutMs,
      commandTimeout: this.target.commandTimeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
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
    return { redis, connectMs: performance.now() - started };
  }

  /** Sends one command; errors name the server. */
  async call(command: string, ...args: (string | number)[]): Promise<unknown> {
    const { redis } = await this.connect();
    this.commandCount++;
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

  explain(e: unknown): Error {
    const err = e as { code?: string; message?: string };
    const where = `Redis (${this.address})`;
    if (err.code === 'ECONNREFUSED') return new TargetError(`${where}: connection refused`);
    if (/NOAUTH|WRONGPASS/.test(err.message ?? '')) return new TargetError(`${where}: authentication failed (${err.message})`);
    if (/timed? ?out/i.test(err.message ?? '')) return new TargetError(`${where}: no answer in time`);
    return new TargetError(`${where}: ${err.message ?? String(e)}`);
  }

  async close(): Promise<void> {
    this.redis?.catch(() => undefined);
    this.redis = undefined;
    this.raw?.disconnect();
    this.raw = undefined;
  }
}
