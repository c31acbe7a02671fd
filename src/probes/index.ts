import type { Config } from '../engine/config.js';
import { parseDuration } from '../engine/units.js';
import { repositoryDirectory } from '../backups/repository.js';
import { BackupsProbe } from './backups.js';
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
  private readonly extra: PostgresProbe[] = [];
  private backupsProbe?: BackupsProbe;

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

  /**
   * A read-write session on the primary for a maintenance action (never the checks' read-only one):
   * no statement_timeout, and `lockTimeoutMs` so that it never queues for long in front of application traffic.
   */
  maintenanceSession(lockTimeoutMs: number): PostgresProbe {
    const c = this.config.postgres;
    if (!c) throw new Error('PostgreSQL is not configured');
    const session = new PostgresProbe({
      name: 'primary', url: c.url, connectTimeoutMs: ms(c.connectTimeout, 5000), statementTimeoutMs: 0, readWrite: true, lockTimeoutMs,
    });
    this.extra.push(session);
    return session;
  }

  get backups(): BackupsProbe {
    if (!this.backupsProbe) {
      this.backupsProbe = new BackupsProbe(repositoryDirectory(this.config));
    }
    return this.backupsProbe;
  }

  /** Statements and commands sent during the run (for the benchmark). */
  get requestCount(): number {
    const pg = this.pg ? [this.pg.primary, ...this.pg.replicas].reduce((n, p) => n + p.queryCount, 0) : 0;
    return pg + (this.redisProbe?.commandCount ?? 0);
  }

  async close(): Promise<void> {
    const all: Promise<void>[] = [];
    if (this.pg) for (const p of [this.pg.primary, ...this.pg.replicas]) all.push(p.close());
    if (this.redisProbe) all.push(this.redisProbe.close());
    for (const p of this.extra) all.push(p.close());
    await Promise.all(all);
  }
}
