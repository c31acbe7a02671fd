/**
 * The PostgreSQL client programs (pg_dump, pg_restore) and the privileged connection backups,
 * restores and drills use. Passwords go to the child through PGPASSWORD, never on its command
 * line, where `ps` would show them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import type { Config } from '../engine/config.js';
import { ConfigError, UnavailableError } from '../engine/errors.js';

type PgProgram = 'pg_dump' | 'pg_restore';

/** $PG_BIN when set (and only there), else the newest /usr/lib/postgresql/<major>/bin, else PATH: a client at least as new as the server. */
export function pgProgram(name: PgProgram, environ: NodeJS.ProcessEnv = process.env): string {
  if (environ.PG_BIN) {
    const chosen = join(environ.PG_BIN, name);
    if (!existsSync(chosen)) throw new UnavailableError(`${name} not found in PG_BIN (${environ.PG_BIN}): install the postgresql-client package or point PG_BIN at its bin directory`);
    return chosen;
  }
  const dirs: string[] = [];
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    dirs.push(...readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)).map((v) => join(root, v, 'bin')));
  }
  dirs.push(...(environ.PATH ?? '').split(':').filter(Boolean));
  const found = dirs.map((d) => join(d, name)).find((p) => existsSync(p));
  if (!found) throw new UnavailableError(`${name} not found in /usr/lib/postgresql/*/bin or on PATH: install the postgresql-client package`);
  return found;
}

/** A target for the client programs and for pg: the URL without its password, and the password apart. */
export interface PgTarget {
  /** Undefined: libpq's PG* variables name the server. */
  url?: string;
  password?: string;
  /** host:port/db, for messages and manifests. */
  address: string;
}

export function pgTarget(url: string | undefined, database?: string): PgTarget {
  if (!url) {
    const address = `${process.env.PGHOST ?? 'localhost'}:${process.env.PGPORT ?? 5432}/${database ?? process.env.PGDATABASE ?? process.env.PGUSER ?? ''}`;
    return { address, url: database ? `postgresql:///${encodeURIComponent(database)}` : undefined };
  }
  const u = new URL(url);
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.password = '';
  // encodeURI, not encodeURIComponent: pg reads the path with decodeURI, which leaves %2C (a comma) encoded; libpq decodes both.
  if (database) u.pathname = `/${encodeURI(database)}`;
  return { url: u.toString(), password, address: `${u.hostname}:${u.port || 5432}${decodeURIComponent(u.pathname)}` };
}

/** The database a target points at. */
export const databaseOf = (t: PgTarget): string => t.address.slice(t.address.indexOf('/') + 1);

/** The same server, another database (restores create and swap databases next to the original). */
export const onDatabase = (t: PgTarget, database: string): PgTarget => ({ ...pgTarget(t.url, database), password: t.password });

/** postgres.adminUrl (a role that may dump, create databases and promote), else postgres.url, else the PG* variables. */
export function adminTarget(config: Config): PgTarget {
  if (!config.postgres) throw new ConfigError('postgres.adminUrl: PostgreSQL not configured; set postgres.adminUrl (or postgres.url, NVCOPS_POSTGRES_URL, the PG* variables)');
  return pgTarget(config.postgres.adminUrl ?? config.postgres.url);
}

/** Environment for a client program: the password, and nothing that would steer it elsewhere. */
export function pgEnv(t: PgTarget): NodeJS.ProcessEnv {
  return { ...process.env, ...(t.password ? { PGPASSWORD: t.password } : {}), PGAPPNAME: 'nvcops', PGCONNECT_TIMEOUT: process.env.PGCONNECT_TIMEOUT ?? '10' };
}

/** A read-write session for actions (the checks' probe is read-only by design). */
export async function connectAdmin(t: PgTarget, connectTimeoutMs = 10_000): Promise<Client> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: t.url, password: t.password, application_name: 'nvcops', connectionTimeoutMillis: connectTimeoutMs });
  client.on('error', () => {
    // A server that goes away between statements surfaces on the next statement.
  });
  try {
    await client.connect();
  } catch (e) {
    void client.end().catch(() => undefined);
    throw new UnavailableError(`PostgreSQL ${t.address}: ${(e as Error).message || (e as { code?: string }).code}`);
  }
  return client;
}

/** Cuts a session's socket: a statement waiting on a lock (or a frozen server) stops at once. */
export function cutConnection(client: Client): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** `schema.table` for messages and manifests; quote_ident-style quoting for SQL. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Every user table's exact row count, `schema.table` → rows, in the session's snapshot. */
export async function tableRowCounts(client: Client): Promise<Record<string, number>> {
  const { rows } = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      ORDER BY 1, 2`,
  );
  const counts: Record<string, number> = {};
  for (const t of rows) {
    // ONLY: a child table's rows are counted once, under the child, as pg_dump dumps them.
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ONLY ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`);
    counts[`${t.schema}.${t.name}`] = Number(r.rows[0]!.n);
  }
  return counts;
}
