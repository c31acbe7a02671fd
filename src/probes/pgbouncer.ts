import type { Client } from 'pg';
import { LoginRefusedError, PrivilegeError, TargetError } from '../engine/errors.js';

export interface PgbouncerTarget {
  /** The admin console: postgres://user:password@host:6432/pgbouncer. */
  url: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

/** A row of SHOW POOLS, counts as numbers: one pool per database and user. */
export interface PgbouncerPool {
  database: string;
  user: string;
  cl_active: number;
  cl_waiting: number;
  sv_active: number;
  sv_idle: number;
  sv_used: number;
  sv_tested: number;
  sv_login: number;
  /** How long the oldest waiting client has waited: whole seconds, and the microseconds beyond them. */
  maxwait: number;
  maxwait_us: number;
  pool_mode: string;
}

/** A row of SHOW DATABASES: the pool size each database's pools may grow to. */
export interface PgbouncerDatabase {
  name: string;
  pool_size: number;
}

const numbers = <T>(row: Record<string, unknown>): T =>
  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v])) as T;

/**
 * PgBouncer's admin console for one run: one connection, simple queries only (the console speaks no
 * extended protocol and takes no `options`), each SHOW sent once.
 */
export class PgbouncerProbe {
  private client?: Promise<Client>;
  private raw?: Client;
  private readonly memo = new Map<string, Promise<unknown[]>>();
  readonly address: string;

  constructor(readonly target: PgbouncerTarget) {
    const u = new URL(target.url);
    this.address = `${u.hostname}:${u.port || 6432}`;
  }

  private connect(): Promise<Client> {
    this.client ??= (async () => {
      const { default: pg } = await import('pg');
      const client = new pg.Client({
        connectionString: this.target.url,
        connectionTimeoutMillis: this.target.connectTimeoutMs,
        query_timeout: this.target.commandTimeoutMs,
        application_name: 'nvcops',
      });
      client.on('error', () => undefined);
      this.raw = client;
      try {
        await client.connect();
      } catch (e) {
        throw this.explain(e);
      }
      return client;
    })();
    return this.client;
  }

  /** `SHOW POOLS`, `SHOW DATABASES`: the admin console's rows, numeric columns as numbers. */
  show<T>(what: 'POOLS' | 'DATABASES'): Promise<T[]> {
    let rows = this.memo.get(what) as Promise<T[]> | undefined;
    if (!rows) {
      rows = this.connect().then(async (client) => {
        try {
          return (await client.query(`SHOW ${what}`)).rows.map((r) => numbers<T>(r));
        } catch (e) {
          throw this.explain(e);
        }
      });
      this.memo.set(what, rows);
    }
    return rows;
  }

  private explain(e: unknown): Error {
    const err = e as { code?: string; message?: string };
    const where = `PgBouncer ${this.address}`;
    const message = err.message ?? String(e);
    if (err.code === '28P01' || err.code === '28000') return new LoginRefusedError(`${where} refused nvcops' login: ${message} — fix the user or password in pgbouncer.url`);
    // A user in neither admin_users nor stats_users may not open the console.
    if (/not allowed|admin console/i.test(message)) return new PrivilegeError(`${where}: ${message} — add the user of pgbouncer.url to stats_users (or admin_users) in pgbouncer.ini`);
    if (err.code === 'ECONNREFUSED') return new TargetError(`${where}: connection refused`);
    return new TargetError(`${where}: ${message}`);
  }

  async close(): Promise<void> {
    const client = this.raw;
    this.client = undefined;
    this.raw = undefined;
    if (!client) return;
    // A frozen pooler never answers the goodbye: cut the socket after 500 ms, as the PostgreSQL probe does.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([client.end().catch(() => undefined), new Promise((r) => { timer = setTimeout(r, 500); })]);
    clearTimeout(timer);
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  }
}

/** The pools of the application's databases: not the admin console's own (database `pgbouncer`). */
export const applicationPools = async (probe: PgbouncerProbe): Promise<PgbouncerPool[]> =>
  (await probe.show<PgbouncerPool>('POOLS')).filter((p) => p.database !== 'pgbouncer');

/** `app/app_user`: a pool by its database and user. */
export const poolName = (p: PgbouncerPool): string => `${p.database}/${p.user}`;
