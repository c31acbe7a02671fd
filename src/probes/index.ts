import type { Config } from '../engine/config.js';
import { parseDuration } from '../engine/units.js';
import { AwsProbe } from './aws.js';
import { PostgresProbe } from './postgres.js';
import { RedisProbe } from './redis.js';

/** A config duration already validated by the schema. */
const ms = (text: string | undefined, fallback: number) => (text ? (parseDuration(text) ?? fallback) : fallback);

/**
 * The probes of one run, created on first use from the config and closed together at the end.
 * Checks reach systems only through this object (no module singletons), so tests hand in
 * probes pointed at throwaway servers.
 */
export class Probes {
  private pg?: { primary: PostgresProbe; replicas: PostgresProbe[] };
  private redisProbe?: RedisProbe;
  private awsProbe?: AwsProbe;

  constructor(readonly config: Config) {}

  get postgres(): { primary: PostgresProbe; replicas: PostgresProbe[] } {
    if (!this.pg) {
      const c = this.config.postgres;
      if (!c) throw new Error('PostgreSQL is not configured');
      const timeouts = {
        connectTimeoutMs: ms(c.connectTimeout, 5000),
        statementTimeoutMs: ms(c.statementTimeout, 5000),
      };
      this.pg = {
        primary: new PostgresProbe({ name: 'primary', url: c.url, ...timeouts }),
        replicas: c.replicas.map((r) => new PostgresProbe({ name: r.name, url: r.url, ...timeouts })),
      };
    }
    return this.pg;
  }

  get redis(): RedisProbe {
    if (!this.redisProbe) {
      const c = this.config.redis;
      if (!c?.url) throw new Error('Redis is not configured');
      this.redisProbe = new RedisProbe({ url: c.url, connectTimeoutMs: ms(c.connectTimeout, 5000), commandTimeoutMs: 5000 });
    }
    return this.redisProbe;
  }

  /** CloudWatch and Auto Scaling; the SDK itself loads on the first call. */
  get aws(): AwsProbe {
    if (!this.config.aws) throw new Error('AWS is not configured');
    this.awsProbe ??= new AwsProbe(this.config.aws);
    return this.awsProbe;
  }

  /** Statements and commands sent during the run (for the benchmark). */
  get requestCount(): number {
    const pg = this.pg ? [this.pg.primary, ...this.pg.replicas].reduce((n, p) => n + p.queryCount, 0) : 0;
    return pg + (this.redisProbe?.commandCount ?? 0) + (this.awsProbe?.requestCount ?? 0);
  }

  async close(): Promise<void> {
    const all: Promise<void>[] = [];
    if (this.pg) for (const p of [this.pg.primary, ...this.pg.replicas]) all.push(p.close());
    if (this.redisProbe) all.push(this.redisProbe.close());
    this.awsProbe?.close();
    await Promise.all(all);
  }
}
