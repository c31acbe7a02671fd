import type { Client, QueryResultRow } from 'pg';
import { PrivilegeError, TargetError } from '../engine/errors.js';

export interface PostgresTarget {
  /** `primary`, or the replica's name. */
  name: string;
  /** Undefined: connect from the libpq PG* variables. */
  url?: string;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

/**
 * One PostgreSQL server for one run: a single connection, opened on first use, with the session
 * made safe (read-only, statement_timeout, lock_timeout, application_name=nvcops), and every
 * query memoised so that checks sharing a view pay for it once.
 */
export class PostgresProbe {
  private client?: Promise<{ client: Client; connectMs: number }>;
  /** The driver's client from the moment it exists, so close() can cut a connect still in progress. */
  private raw?: Client;
  private readonly memo = new Map<string, Promise<unknown[]>>();
  private last: Promise<unknown> = Promise.resolve();
  /** How many statements this probe sent to the server (for the benchmark). */
  queryCount = 0;

  constructor(readonly target: PostgresTarget) {}

  get name(): string {
    return this.target.name;
  }

  /** Where this server is, without credentials: host:port/db. */
  get address(): string {
    if (!this.target.url) return `${process.env.PGHOST ?? 'localhost'}:${process.env.PGPORT ?? 5432}`;
    const u = new URL(this.target.url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  }

  /** Opens (once) and returns the connection and the time the connect took. */
  connect(): Promise<{ client: Client; connectMs: number }> {
    this.client ??= this.open();
    return this.client;
  }

  private async open(): Promise<{ client: Client; connectMs: number }> {
    const { default: pg } = await import('pg');
    const { connectTimeoutMs, statementTimeoutMs } = this.target;
    const client = new pg.Client({
      connectionString: this.target.url,
      application_name: 'nvcops',
      connectionTimeoutMillis: connectTimeoutMs,
      // The server stops a slow statement; the client gives up too when the server cannot answer (SIGSTOP, network).
      query_timeout: statementTimeoutMs + 1000,
      options: `-c statement_timeout=${statementTimeoutMs} -c lock_timeout=1000 -c default_transaction_read_only=on -c idle_in_transaction_session_timeout=${statementTimeoutMs * 2}`,
    });
    this.raw = client;
    client.on('error', () => {
      // A server that goes away between queries surfaces on the next query; nothing to do here.
    });
    const started = performance.now();
    try {
      await client.connect();
    } catch (e) {
      void client.end().catch(() => undefined);
      throw explain(e, this);
    }
    return { client, connectMs: performance.now() - started };
  }

  /** Runs a read-only statement; identical statements in one run are sent once. */
  query<T extends QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const key = `${sql}\u0000${JSON.stringify(params)}`;
    let rows = this.memo.get(key) as Promise<T[]> | undefined;
    if (!rows) {
      rows = this.connect().then(({ client }) =>
        this.serial(async () => {
          this.queryCount++;
          try {
            return (await client.query<T>(sql, params)).rows;
          } catch (e) {
            throw explain(e, this);
          }
        }),
      );
      this.memo.set(key, rows);
    }
    return rows;
  }

  /** One statement at a time on the one connection (node-postgres deprecates overlapping queries), in the order asked. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.last.then(fn, fn);
    this.last = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    const client = this.raw;
    this.client = undefined;
    this.raw = undefined;
    if (!client) return;
    // end() waits for the server; a frozen server (or a connect in progress) would hold the process, so cut the socket after 500 ms.
    const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
    await Promise.race([client.end().catch(() => undefined), new Promise((r) => setTimeout(r, 500).unref())]);
    stream?.destroy();
  }
}

/** Turns driver errors into messages an on-call engineer can act on. */
function explain(e: unknown, probe: PostgresProbe): Error {
  const err = e as { code?: string; message?: string };
  const where = `PostgreSQL ${probe.name} (${probe.address})`;
  if (err.code === '42501') {
    return new PrivilegeError(`${where}: missing privilege (${err.message}); grant pg_monitor to the nvcops role`);
  }
  if (err.code === 'ECONNREFUSED') return new TargetError(`${where}: connection refused`);
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return new TargetError(`${where}: host not found`);
  if (err.code === '57014') return new TargetError(`${where}: query cancelled by statement_timeout`);
  if (err.code === '28P01' || err.code === '28000') return new TargetError(`${where}: authentication failed (${err.message})`);
  if (err.code === '53300') return new TargetError(`${where}: too many connections (${err.message})`);
  const message = err.message ?? String(e);
  if (/timeout/i.test(message)) return new TargetError(`${where}: no answer in time (${message})`);
  return new TargetError(`${where}: ${message}`);
}
